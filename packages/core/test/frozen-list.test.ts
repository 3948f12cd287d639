import { describe, expect, it } from 'vitest';
import { frozenList } from '../src/frozen-list.js';

// The installed list of a gate context: frozen, with callback methods that must answer exactly as
// the array methods they replace.

const items = () => [{ n: 3 }, { n: 1 }, { n: 4 }, { n: 1 }, { n: 5 }];

describe('frozenList', () => {
  it('stays frozen: a push, a write or a length change throws', () => {
    const list = frozenList(items()) as { n: number }[];
    expect(Object.isFrozen(list)).toBe(true);
    expect(Array.isArray(list)).toBe(true);
    expect(() => list.push({ n: 9 })).toThrow(TypeError);
    expect(() => {
      list[0] = { n: 9 };
    }).toThrow(TypeError);
    expect(list.map((x) => x.n)).toEqual([3, 1, 4, 1, 5]);
  });

  it('answers each callback method as Array.prototype does, with (value, index, list) and thisArg', () => {
    const source = items();
    const list = frozenList([...source]);
    const seen: unknown[][] = [];
    const odd = function (this: { k: number }, x: { n: number }, i: number, all: readonly unknown[]) {
      seen.push([x, i, all]);
      return (x.n + this.k) % 2 === 1;
    };
    const ctx = { k: 0 };
    const cases: [string, (l: readonly { n: number }[]) => unknown][] = [
      ['filter', (l) => l.filter(odd, ctx)],
      ['map', (l) => l.map((x, i) => x.n * i)],
      ['flatMap', (l) => l.flatMap((x) => (x.n > 3 ? [x.n, x.n] : x.n))],
      ['some', (l) => [l.some((x) => x.n === 4), l.some((x) => x.n === 7)]],
      ['every', (l) => [l.every((x) => x.n > 0), l.every((x) => x.n > 1)]],
      ['find', (l) => [l.find((x) => x.n === 1), l.find((x) => x.n === 7)]],
      ['findIndex', (l) => [l.findIndex((x) => x.n === 1), l.findIndex((x) => x.n === 7)]],
      ['forEach', (l) => {
        const out: number[] = [];
        l.forEach((x, i) => out.push(x.n + i));
        return out;
      }],
    ];
    for (const [name, call] of cases) {
      seen.length = 0;
      const expected = call(source);
      const expectedSeen = seen.map(([x, i]) => [x, i]);
      seen.length = 0;
      expect(call(list), name).toEqual(expected);
      expect(seen.map(([x, i]) => [x, i]), name).toEqual(expectedSeen);
      for (const [, , all] of seen) expect(all).toBe(list);
    }
    // Results are plain, mutable arrays.
    const filtered = list.filter(() => true) as unknown[];
    expect(Object.getPrototypeOf(filtered)).toBe(Array.prototype);
    filtered.push(1);
    expect(filtered).toHaveLength(6);
  });
});
