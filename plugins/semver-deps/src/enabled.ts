/**
 * The enabled patches a gate compares the patch in question with.
 *
 * Perf: every decision read every installed patch (a cache lookup each) and scanned them all per
 * requirement and per conflict rule. The installed list is a new array at every gate, but its
 * patches are frozen snapshots that never change, so their read deps and an index by name are kept
 * while the list holds the same patches, in the same order; a changed list is read again (one pass).
 */
import type { GateContext, PatchInfo } from '@patchwise/policy';
import type { PatchDeps } from './deps.js';

/** Who answers to which name, over a list of patches. */
export interface DepsIndex {
  /** Name → the patches answering to it (by name, lineage or a capability), each once, in list order. */
  readonly answerers: ReadonlyMap<string, readonly PatchDeps[]>;
  /** Every name some patch's `conflicts` names. */
  readonly conflictNames: ReadonlySet<string>;
}

export interface Enabled {
  /** The patches that count as enabled, in list order. */
  readonly list: readonly PatchDeps[];
  /** The index of `list`, when it is at hand (the rules scan `list` without one). */
  readonly index: DepsIndex | undefined;
}

const NONE: readonly PatchDeps[] = [];

/** The patches of the index answering to `name`, in list order. */
export const answerersOf = (index: DepsIndex, name: string): readonly PatchDeps[] => index.answerers.get(name) ?? NONE;

/** Whether `patch` answers to a name that some patch of the index declares a conflict with. */
export function namedByConflicts(index: DepsIndex, patch: PatchDeps): boolean {
  const names = index.conflictNames;
  if (names.has(patch.name) || names.has(patch.lineage)) return true;
  for (const capability of patch.provides) if (names.has(capability.name)) return true;
  return false;
}

function buildIndex(list: readonly PatchDeps[]): DepsIndex {
  const answerers = new Map<string, PatchDeps[]>();
  const conflictNames = new Set<string>();
  const add = (name: string, patch: PatchDeps) => {
    const found = answerers.get(name);
    if (found === undefined) answerers.set(name, [patch]);
    else if (found[found.length - 1] !== patch) found.push(patch);
  };
  for (const patch of list) {
    add(patch.name, patch);
    add(patch.lineage, patch);
    for (const capability of patch.provides) add(capability.name, patch);
    for (const rule of patch.conflicts) conflictNames.add(rule.name);
  }
  return { answerers, conflictNames };
}

interface Read {
  /** The last list asked about, when frozen (the context's): the same array is the same list. */
  input: readonly PatchInfo[] | undefined;
  readonly patches: readonly PatchInfo[];
  readonly deps: readonly PatchDeps[];
  readonly names: ReadonlySet<string>;
  index: DepsIndex | undefined;
}

/** The same patches in the same order (index loops: the context's lists are frozen). */
function sameList(a: readonly PatchInfo[], b: readonly PatchInfo[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * `enabled(ctx, patches, except)`: the patches of the list that count as enabled, without
 * `except` (and any patch of its name). A patch in an unpatching transition is on its way out and
 * satisfies nothing. Remembers the last list read (one per policy instance).
 */
export function enabledReader(read: (patch: PatchInfo) => PatchDeps): (ctx: GateContext, patches: readonly PatchInfo[], except: PatchInfo) => Enabled {
  let last: Read | undefined;
  const readList = (patches: readonly PatchInfo[]): Read => {
    if (last !== undefined && (last.input === patches || sameList(last.patches, patches))) {
      if (Object.isFrozen(patches)) last.input = patches;
      return last;
    }
    // A copy first: builtins on a frozen array (`ctx.installed`) are slow on Node 20's V8.
    const copy = [...patches];
    last = { input: Object.isFrozen(patches) ? patches : undefined, patches: copy, deps: copy.map(read), names: new Set(copy.map((p) => p.name)), index: undefined };
    return last;
  };
  return (ctx, patches, except) => {
    const leaving = ctx.transition?.target === 'unpatched' ? ctx.transition.patch : undefined;
    const all = readList(patches);
    // Nothing to leave out (the usual case: a new patch, no transition): the whole list, indexed.
    if (leaving === undefined && !all.names.has(except.name)) {
      all.index ??= buildIndex(all.deps);
      return { list: all.deps, index: all.index };
    }
    const list: PatchDeps[] = [];
    for (let i = 0; i < all.patches.length; i += 1) {
      const p = all.patches[i] as PatchInfo;
      if (p !== except && p.name !== except.name && p.name !== leaving) list.push(all.deps[i] as PatchDeps);
    }
    return { list, index: undefined };
  };
}
