/**
 * What a patch declares: callbacks under IDs, in `PatchInfo.metadata.callbacks` (the manifest's
 * `callbacks` field, or the metadata of a TypeScript patch). Functions in TypeScript, lists of
 * actions in manifest files.
 */
import type { CallbackKernel, CallbackPointEvent, CallbackStage, PatchInfo } from '@patchwise/core';
import { describeIssue, formatPath, issuePlace, pickIssue } from '@patchwise/diagnostics';
import { ScopedCallbacksSchema, type Action } from '@patchwise/manifest';
import type { z } from 'zod';

/** What a scoped callback function receives. */
export interface ScopedCallbackContext {
  /** The ID the callback is declared under. */
  readonly id: string;
  readonly stage: CallbackStage;
  /** Why the patch in transition is (un)patching: `cancel` unwinds a failed enable. */
  readonly reason: CallbackPointEvent['reason'];
  /** The patch whose implementation runs: the one that declared the callback. */
  readonly patch: PatchInfo;
  /**
   * The patch in transition. The same as `patch`, except for an ID an atomic replace drops: then
   * `patch` is the replaced patch that introduced the ID and `transition` the replacing one.
   */
  readonly transition: PatchInfo;
  readonly kernel: CallbackKernel;
}

/** A `prePatch` function: 0 or nothing to go on, a negative errno to fail the enable. */
export type ScopedPrePatchFn = (ctx: ScopedCallbackContext) => number | void;
export type ScopedCallbackFn = (ctx: ScopedCallbackContext) => void;

/** The callbacks of one ID. */
export interface ScopedCallbacks {
  readonly prePatch?: ScopedPrePatchFn | readonly Action[];
  readonly postPatch?: ScopedCallbackFn | readonly Action[];
  readonly preUnpatch?: ScopedCallbackFn | readonly Action[];
  readonly postUnpatch?: ScopedCallbackFn | readonly Action[];
  /** Disabling a patch that carries this ID, or replacing it by one that drops it, is refused. */
  readonly blockDisable?: boolean;
}

/** `metadata.callbacks` of a patch. */
export type ScopedCallbacksById = Readonly<Record<string, ScopedCallbacks>>;

export interface ScopedId {
  readonly id: string;
  readonly callbacks: ScopedCallbacks;
}

export interface PatchScopedCallbacks {
  /** The well-formed IDs, in declaration order. */
  readonly ids: readonly ScopedId[];
  /** What is wrong with the others: the ID (when there is one) and one line of text. */
  readonly problems: readonly ScopedProblem[];
}

export interface ScopedProblem {
  readonly id: string | null;
  readonly text: string;
}

const NONE: PatchScopedCallbacks = Object.freeze({ ids: [], problems: [] });

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/**
 * What is wrong with one ID's callbacks. An unknown key is said by the shared reading of zod issues
 * (with a did-you-mean from the keys of its place, and the place when it is inside an action), and
 * every unknown key of that map is named: a finding lists problems, it points at no place. A
 * callback or `blockDisable` of the wrong shape is said in this policy's words, which name what it
 * takes (for a callback, zod says only "Invalid input").
 */
function describeProblem(issues: readonly z.core.$ZodIssue[]): string {
  const unknown = issues.find((i) => i.code === 'unrecognized_keys');
  if (unknown) {
    const within = issuePlace(unknown).path.slice(0, -1);
    return `${within.length ? `\`${formatPath(within)}\`: ` : ''}${describeIssue(unknown, ScopedCallbacksSchema)}`;
  }
  const [key] = (pickIssue(issues) as z.core.$ZodIssue).path;
  if (key === 'blockDisable') return '`blockDisable` must be true or false';
  if (typeof key === 'string') {
    return `\`${key}\` must be a function or a list of actions (\`log\`, \`fail\`, \`shadowAlloc\`, \`shadowFree\`, \`shadowFreeAll\`)`;
  }
  return 'must be an object of `prePatch`, `postPatch`, `preUnpatch`, `postUnpatch` and `blockDisable`';
}

function parse(raw: unknown): PatchScopedCallbacks {
  if (raw === undefined || raw === null) return NONE;
  if (!isPlainObject(raw)) return { ids: [], problems: [{ id: null, text: '`callbacks` must map IDs to their callbacks' }] };
  const ids: ScopedId[] = [];
  const problems: ScopedProblem[] = [];
  for (const [id, spec] of Object.entries(raw)) {
    if (id.length === 0) {
      problems.push({ id: null, text: 'an ID must not be empty' });
      continue;
    }
    const result = ScopedCallbacksSchema.safeParse(spec);
    // The declared object itself, not zod's copy: functions and actions stay the author's.
    if (result.success) ids.push({ id, callbacks: spec as ScopedCallbacks });
    else problems.push({ id, text: `'${id}': ${describeProblem(result.error.issues)}` });
  }
  return { ids, problems };
}

/**
 * The scoped callbacks a patch declares (malformed IDs are left out and described). The gates read
 * installed patches through `ctx.index.derived(patch, scopedCallbacksOf)`, parsed once per patch.
 */
export function scopedCallbacksOf(patch: PatchInfo): PatchScopedCallbacks {
  return parse(patch.metadata.callbacks);
}

/** Every ID the patches carry. */
export function carriedIds(patches: readonly PatchInfo[]): Set<string> {
  const ids = new Set<string>();
  for (const patch of patches) for (const { id } of scopedCallbacksOf(patch).ids) ids.add(id);
  return ids;
}

/** The IDs of `patch` marked `blockDisable`. */
export function blockingIds(patch: PatchInfo): string[] {
  return scopedCallbacksOf(patch)
    .ids.filter(({ callbacks }) => callbacks.blockDisable === true)
    .map(({ id }) => id);
}

/** An ID an atomic replace drops, with the patch that introduced it (the oldest carrying it). */
export interface DroppedId extends ScopedId {
  readonly owner: PatchInfo;
}

/**
 * The IDs the replaced patches carry and `patch` does not, oldest carrier first: the one whose
 * implementation runs them.
 */
export function droppedIds(patch: PatchInfo, replaced: readonly PatchInfo[]): DroppedId[] {
  const kept = carriedIds([patch]);
  const dropped = new Map<string, DroppedId>();
  for (const owner of replaced) {
    for (const scoped of scopedCallbacksOf(owner).ids) {
      if (!kept.has(scoped.id) && !dropped.has(scoped.id)) dropped.set(scoped.id, { ...scoped, owner });
    }
  }
  return [...dropped.values()];
}
