/**
 * The plain nop loop, the scaling benchmark's floor: the nops of an atomic replace computed from the
 * installed patches by one function, as anyone would write it given the index the core keeps.
 */
import { funcKey, type FuncRef, type PatchInfo } from '@patchwise/core';

/**
 * What the plain loop is given, built before timing, as the core's index keeps it: a number per
 * function key, each installed patch's functions with their numbers, and a table to mark numbers in.
 */
export interface PlainNopIndex {
  readonly ids: ReadonlyMap<string, number>;
  readonly patches: readonly { readonly funcs: readonly FuncRef[]; readonly ids: Uint32Array }[];
  readonly marks: Uint32Array;
  epoch: number;
}

export function plainNopIndex(installed: readonly PatchInfo[]): PlainNopIndex {
  const ids = new Map<string, number>();
  const patches = installed.map((p) => {
    const funcs = p.objects.flatMap((obj) => obj.funcs);
    const numbers = new Uint32Array(funcs.length);
    funcs.forEach((f, i) => {
      const key = funcKey(f);
      if (!ids.has(key)) ids.set(key, ids.size);
      numbers[i] = ids.get(key) as number;
    });
    return { funcs, ids: numbers };
  });
  return { ids, patches, marks: new Uint32Array(ids.size), epoch: 0 };
}

/** The plain loop's nops: one bit per installed function, in the order the patches hold them. */
export interface PlainNops {
  readonly bits: Uint32Array;
  readonly count: number;
}

/**
 * The plain loop: the nops of `patch` over the installed patches of `index`, as anyone would write
 * it with that index and the core's form of the answer (a bit per installed function, see the
 * core's `nop-list.ts`): mark the new patch's functions, walk the installed ones, keep each
 * unmarked function once.
 */
export function plainNops(patch: PatchInfo, index: PlainNopIndex): PlainNops {
  const epoch = (index.epoch += 1);
  for (const obj of patch.objects) {
    for (const f of obj.funcs) {
      const id = index.ids.get(funcKey(f));
      if (id !== undefined) index.marks[id] = epoch;
    }
  }
  let total = 0;
  for (const { ids } of index.patches) total += ids.length;
  const bits = new Uint32Array((total + 31) >>> 5);
  let [position, count] = [0, 0];
  for (const { ids } of index.patches) {
    for (let i = 0; i < ids.length; i += 1, position += 1) {
      const id = ids[i] as number;
      if (index.marks[id] === epoch) continue;
      index.marks[id] = epoch;
      bits[position >>> 5] = (bits[position >>> 5] as number) | (1 << (position & 31));
      count += 1;
    }
  }
  return { bits, count };
}

/** The functions the plain loop's bits name, in order. */
export function plainNopFunctions(nops: PlainNops, index: PlainNopIndex): FuncRef[] {
  const out: FuncRef[] = [];
  let position = 0;
  for (const { funcs } of index.patches) {
    for (const func of funcs) {
      if (((nops.bits[position >>> 5] as number) & (1 << (position & 31))) !== 0) out.push(func);
      position += 1;
    }
  }
  return out;
}
