/**
 * Frozen lists whose iteration methods stay fast.
 *
 * A gate context's `installed` list is frozen (a policy that pushes to it throws). On Node 20, V8
 * runs `filter`, `some`, `map`, `flatMap` and the other callback methods of a frozen array on its
 * generic slow path: about a microsecond each on a few dozen patches, paid by every policy that
 * reads the list the obvious way, on every decision. A frozen list answers them with plain index
 * loops instead, which V8 optimises on frozen arrays as on any other. Same results (plain arrays,
 * callbacks called with `(value, index, list)` and `thisArg`), same immutability.
 */

type Callback<R> = (value: unknown, index: number, list: readonly unknown[]) => R;

class FrozenList extends Array<unknown> {
  // Methods a frozen list does not override (`slice`, `concat`) make plain, mutable arrays.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
}

const methods: Record<string, (this: readonly unknown[], fn: Callback<unknown>, thisArg?: unknown) => unknown> = {
  filter(fn, thisArg) {
    const out: unknown[] = [];
    for (let i = 0; i < this.length; i += 1) if (fn.call(thisArg, this[i], i, this)) out.push(this[i]);
    return out;
  },
  map(fn, thisArg) {
    const out = new Array<unknown>(this.length);
    for (let i = 0; i < this.length; i += 1) out[i] = fn.call(thisArg, this[i], i, this);
    return out;
  },
  flatMap(fn, thisArg) {
    const out: unknown[] = [];
    for (let i = 0; i < this.length; i += 1) {
      const value = fn.call(thisArg, this[i], i, this);
      if (Array.isArray(value)) for (const item of value as unknown[]) out.push(item);
      else out.push(value);
    }
    return out;
  },
  forEach(fn, thisArg) {
    for (let i = 0; i < this.length; i += 1) fn.call(thisArg, this[i], i, this);
    return undefined;
  },
  some(fn, thisArg) {
    for (let i = 0; i < this.length; i += 1) if (fn.call(thisArg, this[i], i, this)) return true;
    return false;
  },
  every(fn, thisArg) {
    for (let i = 0; i < this.length; i += 1) if (!fn.call(thisArg, this[i], i, this)) return false;
    return true;
  },
  find(fn, thisArg) {
    for (let i = 0; i < this.length; i += 1) if (fn.call(thisArg, this[i], i, this)) return this[i];
    return undefined;
  },
  findIndex(fn, thisArg) {
    for (let i = 0; i < this.length; i += 1) if (fn.call(thisArg, this[i], i, this)) return i;
    return -1;
  },
};
for (const [name, value] of Object.entries(methods)) {
  // Like `Array.prototype`'s own: not enumerable.
  Object.defineProperty(FrozenList.prototype, name, { value, writable: true, configurable: true, enumerable: false });
}

/** `items`, frozen, as a list whose callback methods avoid V8's slow path for frozen arrays. */
export function frozenList<T>(items: T[]): readonly T[] {
  return Object.freeze(Object.setPrototypeOf(items, FrozenList.prototype) as T[]);
}
