/**
 * Which installed patches carry which tag, for the tag rules.
 *
 * Perf: the tag rules asked every installed patch for its tags on every decision. The installed
 * list is a new array at every gate, but its patches are frozen snapshots that never change, so
 * the index is kept while the list holds the same patches, in the same order, and rebuilt (one
 * pass over the list) when it changes.
 */
import type { PatchInfo } from '@patchwise/core';
import { tagList } from './patch-facts.js';

export interface TagIndex {
  /** Tag → the patches of the list that carry it, in list order. */
  readonly carriers: ReadonlyMap<string, readonly PatchInfo[]>;
}

/** Whether a patch of the index not named `except` carries `tag`. */
export function carriedByOther(index: TagIndex, tag: string, except: string): boolean {
  const carriers = index.carriers.get(tag);
  if (carriers === undefined) return false;
  for (let i = 0; i < carriers.length; i += 1) if ((carriers[i] as PatchInfo).name !== except) return true;
  return false;
}

/** A patch whose tags can never change: the snapshot, its metadata and its `tags` all frozen. */
const stable = (patch: PatchInfo): boolean =>
  Object.isFrozen(patch) && Object.isFrozen(patch.metadata) && (!Array.isArray(patch.metadata.tags) || Object.isFrozen(patch.metadata.tags));

function build(patches: readonly PatchInfo[]): TagIndex {
  const carriers = new Map<string, PatchInfo[]>();
  for (let i = 0; i < patches.length; i += 1) {
    const patch = patches[i] as PatchInfo;
    for (const tag of tagList(patch)) {
      const list = carriers.get(tag);
      if (list === undefined) carriers.set(tag, [patch]);
      else list.push(patch);
    }
  }
  return { carriers };
}

/**
 * The index of a list of patches, remembering the last list indexed (one per policy instance:
 * each machine has its own). A list with a patch that is not frozen is indexed afresh every time.
 */
export function tagIndexer(): (patches: readonly PatchInfo[]) => TagIndex {
  // `input` is the last list asked about, when frozen (the context's): the same array is the same list.
  let last: { input: readonly PatchInfo[] | undefined; readonly patches: readonly PatchInfo[]; readonly index: TagIndex } | undefined;
  return (patches) => {
    if (last !== undefined && (last.input === patches || sameList(last.patches, patches))) {
      if (Object.isFrozen(patches)) last.input = patches;
      return last.index;
    }
    const index = build(patches);
    // An index loop: `every` on a frozen array (the context's) takes V8's slow path on Node 20.
    let cacheable = true;
    for (let i = 0; i < patches.length && cacheable; i += 1) cacheable = stable(patches[i] as PatchInfo);
    last = cacheable ? { input: Object.isFrozen(patches) ? patches : undefined, patches: [...patches], index } : undefined;
    return index;
  };
}

/** The same patches in the same order (index loops: the lists are frozen). */
function sameList(a: readonly PatchInfo[], b: readonly PatchInfo[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}
