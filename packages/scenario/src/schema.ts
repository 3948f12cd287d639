/**
 * The scenario file format: a machine, patches, target modules, tasks, a config, and steps.
 */
import * as z from 'zod';
// Not `z.core.util`: through the nested namespace a bundler would keep all of zod (locales included).
import { util } from 'zod/v4/core';

export const TaskSchema = z.strictObject({
  /** How steps refer to the task. */
  name: z.string().min(1),
  /** Its command name (default: the name). */
  comm: z.string().min(1).max(15).optional(),
  kthread: z.boolean().optional(),
  /** A vmlinux function (or `module:function` of a module loaded at start) it sleeps inside. */
  sleepsIn: z.string().min(1).optional(),
  /** `getpid-loop`: a user task calling getpid() in a loop (switches at every syscall exit). */
  behavior: z.enum(['getpid-loop']).optional(),
});

export const ModuleSchema = z.strictObject({
  /** A simulated target module. */
  name: z.string().regex(/^[A-Za-z0-9_-]+$/),
  /** Its functions (the ones patches replace). */
  functions: z.array(z.string().min(1)).default([]),
  /** Load it before the first step. */
  loaded: z.boolean().optional(),
});

export const MachineSchema = z.strictObject({
  /** `uname -r`. */
  release: z.string().min(1).optional(),
  cpus: z.number().int().min(1).max(64).optional(),
  /** Wall-clock time at boot (ISO 8601), what policies see as `now`. */
  time: z.iso.datetime({ offset: true }).optional(),
});

/** A patch manifest in a file of its own, relative to the scenario. */
const PatchFileSchema = z.strictObject({
  file: z
    .string({ error: (issue) => `expected a file path (a string), received ${util.parsedType(issue.input)}` })
    .min(1, 'expected a file path, received an empty string'),
});

/**
 * A `patches:` entry: a map with a `file` key is a file reference (a manifest has no `file`), any
 * other map an inline manifest (checked by the manifest reader). Told apart by that key, not by
 * which form parses: `{file: 5}` is a file reference with a wrong path, not a manifest with an
 * unknown key `file`.
 */
const PatchEntrySchema = z.union([PatchFileSchema, z.record(z.string(), z.unknown())]).superRefine((entry, ctx) => {
  if (!Object.hasOwn(entry, 'file')) return;
  for (const issue of PatchFileSchema.safeParse(entry).error?.issues ?? []) ctx.addIssue({ ...issue });
});

export const ScenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  machine: MachineSchema.optional(),
  /** A config file (relative to the scenario), an inline config, or `none` (no policies). */
  config: z.union([z.literal('none'), z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
  /** Patch manifests, inline or `{ file: path }` (relative to the scenario). */
  patches: z.array(PatchEntrySchema).default([]),
  modules: z.array(ModuleSchema).default([]),
  tasks: z.array(TaskSchema).default([]),
  steps: z.array(z.unknown()).min(1),
});

export type ScenarioTask = z.infer<typeof TaskSchema>;
export type ScenarioModule = z.infer<typeof ModuleSchema>;
export type ScenarioMachine = z.infer<typeof MachineSchema>;

/**
 * A saved machine state (`run --save-state`, read by `check --state`). Each patch's manifest is
 * checked by the manifest reader; what ties the parts together (names, the transition) by `readState`.
 */
export const StateSchema = z.strictObject({
  format: z.literal('patchwise-state/1'),
  /** `uname -r`. */
  release: z.string().min(1).max(64),
  /** The machine's time when saved (ISO 8601). */
  time: z.iso.datetime({ offset: true }),
  patches: z.array(
    z.strictObject({
      manifest: z.record(z.string(), z.unknown()),
      enabled: z.boolean(),
      /** The patch in transition when saved (at most one). */
      transition: z.boolean(),
    }),
  ),
  /** Loaded target modules (not livepatch modules) and their functions. */
  modules: z.array(z.strictObject({ name: ModuleSchema.shape.name, functions: z.array(z.string().min(1)) })),
});
