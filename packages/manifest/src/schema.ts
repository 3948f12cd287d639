/**
 * The patch manifest format: a livepatch as data. The same shape is written in YAML/JSON files and
 * as objects in TypeScript (where callbacks may also be functions).
 */
import { Errno } from '@patchwise/core';
import * as z from 'zod';

const errnoNames = Object.keys(Errno) as [keyof typeof Errno, ...(keyof typeof Errno)[]];

/** A declarative callback step. */
export const ActionSchema = z.union([
  z.strictObject({ log: z.string() }),
  /** Fail (only meaningful in `prePatch`): a negative errno or its name, e.g. `-19` or `ENODEV`. */
  z.strictObject({ fail: z.union([z.number().int().negative(), z.enum(errnoNames)]) }),
  z.strictObject({
    shadowAlloc: z.strictObject({ obj: z.union([z.string(), z.number()]), id: z.number().int(), value: z.unknown().optional() }),
  }),
  z.strictObject({ shadowFree: z.strictObject({ obj: z.union([z.string(), z.number()]), id: z.number().int() }) }),
  z.strictObject({ shadowFreeAll: z.strictObject({ id: z.number().int() }) }),
]);
export type Action = z.infer<typeof ActionSchema>;

const actions = z.array(ActionSchema);
/** TypeScript manifests may give a function instead of actions. */
const callback = z.union([actions, z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function')]);

export const ObjectCallbacksSchema = z.strictObject({
  prePatch: callback.optional(),
  postPatch: callback.optional(),
  preUnpatch: callback.optional(),
  postUnpatch: callback.optional(),
});

/** Callbacks scoped by an ID (run by the scoped-callbacks policy). */
export const ScopedCallbacksSchema = ObjectCallbacksSchema.extend({
  /** Disabling the patch, or replacing it by one without this ID, is refused. */
  blockDisable: z.boolean().optional(),
});

const SYMBOL = /^[A-Za-z_.$][\w.$]*$/;
const MODULE = /^[A-Za-z0-9_-]+$/;

/** `name`, `module:name` or `module:name,N` (vmlinux when there is no module). */
export const FUNCTION_REF = /^(?:[A-Za-z0-9_-]+:)?[A-Za-z_.$][\w.$]*(?:,[1-9]\d*)?$/;

export const FunctionSchema = z.union([
  z.string().regex(FUNCTION_REF, 'expected `name`, `module:name` or `module:name,N`'),
  z.strictObject({
    /** The function to replace. */
    name: z.string().regex(SYMBOL),
    /** Its object: `vmlinux` (default) or a module name. */
    object: z.string().regex(MODULE).optional(),
    /** 0 or omitted: the name is unique in the object; N: its N-th occurrence. */
    sympos: z.number().int().nonnegative().optional(),
    /** The replacement's symbol (default `livepatch_<name>`; `livepatch_<module>_<name>` in a module; `_<sympos>` added for a position past the first). */
    new: z.string().regex(SYMBOL).optional(),
    /** What the replacement returns (e.g. the text a /proc show function prints). */
    output: z.string().optional(),
  }),
]);

export const ObjectSchema = z
  .strictObject({
    /** `vmlinux` or a target module's name. */
    name: z.string().regex(MODULE),
    functions: z.array(FunctionSchema).optional(),
    callbacks: ObjectCallbacksSchema.optional(),
  })
  .superRefine((obj, ctx) => {
    // A function listed under an object belongs to it: naming another object there is a mistake.
    (obj.functions ?? []).forEach((f, i) => {
      const other = typeof f === 'string' ? (f.includes(':') ? f.slice(0, f.indexOf(':')) : undefined) : f.object;
      if (other !== undefined && other !== obj.name) {
        ctx.addIssue({
          code: 'custom',
          path: ['functions', i],
          message: `a function of \`${other}\` listed under object \`${obj.name}\`; list it under its own object or in \`functions\``,
        });
      }
    });
  });

export const PatchManifestSchema = z.strictObject({
  /** The livepatch module's name: the patch's name everywhere. */
  name: z.string().regex(MODULE, 'letters, digits, `_` and `-` only').max(55),
  description: z.string().optional(),
  /** semver. */
  version: z.string().optional(),
  /** semver-deps: patches of one lineage succeed each other (default: the patch name). */
  lineage: z.string().min(1).optional(),
  vendor: z.string().min(1).optional(),
  tags: z.array(z.string().min(1)).optional(),
  /** Atomic replace (a cumulative patch). */
  replace: z.boolean().optional(),
  /** Shorthand: the functions replaced, `name` (vmlinux) or `module:name[,sympos]`. */
  functions: z.array(FunctionSchema).optional(),
  /** The full form: objects in order, with their functions and per-object callbacks. */
  objects: z.array(ObjectSchema).optional(),
  /** System states (`klp_state`). */
  states: z.array(z.strictObject({ id: z.number().int().positive(), version: z.number().int().nonnegative() })).optional(),
  /** Callbacks scoped by ID (scoped-callbacks policy). */
  callbacks: z.record(z.string().min(1), ScopedCallbacksSchema).optional(),
  /** semver-deps: `{ name: range }` of patches (or provided capabilities) this one needs. */
  requires: z.record(z.string(), z.string()).optional(),
  /** semver-deps: `{ name: range }` of patches that must not be enabled with this one. */
  conflicts: z.record(z.string(), z.string()).optional(),
  /** semver-deps: capabilities this patch provides, `name` or `name@version`. */
  provides: z.array(z.string().min(1)).optional(),
  /** rollout: when the vendor released the patch, an ISO 8601 date-time with an offset. */
  published: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time with an offset, e.g. `2026-03-01T12:00:00Z`' }).optional(),
  /** semver-deps: the kernel releases it is built for, e.g. `>=6.1 <6.15`. */
  kernel: z.string().optional(),
  /** vendor-tags: base64 Ed25519 signature of the canonical manifest without this field. */
  signature: z.string().optional(),
  /** Anything else a team's own policies read. */
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export type PatchManifest = z.input<typeof PatchManifestSchema>;
export type ManifestFunction = z.infer<typeof FunctionSchema>;
export type ManifestObject = z.infer<typeof ObjectSchema>;
export type ScopedCallbacksSpec = z.infer<typeof ScopedCallbacksSchema>;
export type ObjectCallbacksSpec = z.infer<typeof ObjectCallbacksSchema>;

/** The manifest's top-level keys, for did-you-mean suggestions. */
export const MANIFEST_KEYS = Object.keys(PatchManifestSchema.shape);
