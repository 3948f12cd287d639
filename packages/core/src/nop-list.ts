/**
 * The nops of an atomic replace (`klp_add_nops`) as a decision and a `replace` gate see them.
 *
 * An atomic replace at 10^6 installed functions has about 10^6 nops. Returned as an array of
 * function references, every decision would allocate 8 MB of fresh memory, and on these machines
 * first-touching it (page faults) cost more per function than finding the nops did. So the list is
 * kept as one bit per installed function, in the order the installed patches hold them, over the
 * function lists the index already keeps: 125 KB at 10^6. Every nop is decided when the list is
 * built; reading one back is an index lookup. The lists it reads are the installed patches' own
 * (never changed while they exist), so a list stays what it was when decided, whatever comes or
 * goes afterwards.
 */
import type { FuncRef } from './info.js';

/**
 * The functions an atomic-replace patch turns into nops, each once, in `klp_add_nops` order (the
 * installed patches oldest first, each in its own function order). Read only: iterate it, or
 * `at(i)`, or `toArray()` for a plain array.
 */
export interface NopList extends Iterable<FuncRef> {
  readonly length: number;
  /** The `index`th nop (negative counts from the end, as `Array.prototype.at`). */
  at(index: number): FuncRef | undefined;
  /** Every nop, as a new plain array. */
  toArray(): FuncRef[];
  /** What `JSON.stringify` writes: the array. */
  toJSON(): FuncRef[];
}

/** Bit `i` of `bits` (one 32-bit word per 32 positions). */
const bitSet = (bits: Uint32Array, i: number): boolean => ((bits[i >>> 5] as number) & (1 << (i & 31))) !== 0;

class MarkedNops implements NopList {
  readonly #groups: readonly (readonly FuncRef[])[];
  readonly #bits: Uint32Array;
  /** `#ends[g]`: nops in groups `0..g` (for `at`). */
  readonly #ends: Uint32Array;
  readonly length: number;

  constructor(groups: readonly (readonly FuncRef[])[], bits: Uint32Array, ends: Uint32Array) {
    this.#groups = groups;
    this.#bits = bits;
    this.#ends = ends;
    this.length = ends.length ? (ends[ends.length - 1] as number) : 0;
    Object.freeze(this);
  }

  /** Over a `toArray()`: reading every nop is the one time the list becomes an array. */
  [Symbol.iterator](): Iterator<FuncRef> {
    return this.toArray()[Symbol.iterator]();
  }

  at(index: number): FuncRef | undefined {
    // As `Array.prototype.at`: NaN reads as 0, fractions are truncated.
    const integer = Math.trunc(index) || 0;
    const wanted = integer < 0 ? this.length + integer : integer;
    if (!(wanted >= 0 && wanted < this.length)) return undefined;
    // The group holding it: the first whose running count passes `wanted`.
    let [low, high] = [0, this.#ends.length - 1];
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.#ends[mid] as number) > wanted) high = mid;
      else low = mid + 1;
    }
    let skip = wanted - (low === 0 ? 0 : (this.#ends[low - 1] as number));
    let position = 0;
    for (let g = 0; g < low; g += 1) position += (this.#groups[g] as readonly FuncRef[]).length;
    const funcs = this.#groups[low] as readonly FuncRef[];
    for (let i = 0; i < funcs.length; i += 1) {
      if (!bitSet(this.#bits, position + i)) continue;
      if (skip === 0) return funcs[i];
      skip -= 1;
    }
    return undefined;
  }

  toArray(): FuncRef[] {
    // Sized once and filled by index: spreading the iterator grows the array as it goes.
    const out = new Array<FuncRef>(this.length);
    let [position, at] = [0, 0];
    for (const funcs of this.#groups) {
      for (let i = 0; i < funcs.length; i += 1, position += 1) {
        if (bitSet(this.#bits, position)) out[at++] = funcs[i] as FuncRef;
      }
    }
    return out;
  }

  toJSON(): FuncRef[] {
    return this.toArray();
  }
}

/** Sets bit `position` of `bits` (the form `nopListOf` reads: bit `i` is the `i`th function of the groups). */
export function markNop(bits: Uint32Array, position: number): void {
  bits[position >>> 5] = (bits[position >>> 5] as number) | (1 << (position & 31));
}

/** A bit table for `total` functions, all clear. */
export const nopBits = (total: number): Uint32Array => new Uint32Array((total + 31) >>> 5);

/**
 * The `NopList` of the functions of `groups` (function lists, in order) whose bits are set in
 * `bits`; `ends[g]` counts the set bits in groups `0..g`. Takes ownership of `bits` and `ends`.
 */
export function nopListOf(groups: readonly (readonly FuncRef[])[], bits: Uint32Array, ends: Uint32Array): NopList {
  return new MarkedNops(groups, bits, ends);
}

/** A `NopList` of exactly `funcs`. */
export function nopList(funcs: readonly FuncRef[]): NopList {
  const bits = nopBits(funcs.length);
  for (let i = 0; i < funcs.length; i += 1) markNop(bits, i);
  return nopListOf([Object.freeze([...funcs])], bits, Uint32Array.of(funcs.length));
}
