import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nopsFor, patchInfo, type FuncRef, type NopList, type PatchInfo } from '@patchwise/core';
import { InstalledIndex } from '../src/installed-index.js';
import { nopList } from '../src/nop-list.js';

// The nops of an atomic replace, as decisions and `replace` gates see them: one bit per installed
// function over the index's own lists. Checked against `nopsFor`, the set-based reading of
// `klp_add_nops` kept as the reference.

const f = (name: string, object: string | null = null, sympos = 0): FuncRef => ({ object, name, sympos });

/** Every way of reading the list back, each compared with `expected`. */
function expectReadsAs(list: NopList, expected: readonly FuncRef[]): void {
  expect(list.length).toBe(expected.length);
  expect([...list]).toEqual(expected);
  expect(list.toArray()).toEqual(expected);
  expect(JSON.parse(JSON.stringify({ nops: list }))).toEqual({ nops: expected });
  expected.forEach((func, i) => {
    expect(list.at(i)).toEqual(func);
    expect(list.at(i - expected.length)).toEqual(func);
  });
  expect(list.at(expected.length)).toBeUndefined();
  expect(list.at(-expected.length - 1)).toBeUndefined();
}

describe('nopList', () => {
  it('reads back exactly the functions it was given, by index (as Array.prototype.at), in order, as JSON', () => {
    const funcs = [f('a'), f('b', 'mod'), f('c', null, 2)];
    const list = nopList(funcs);
    expectReadsAs(list, funcs);
    expect(list.at(1.9)).toEqual(f('b', 'mod'));
    expect(list.at(-0.5)).toEqual(f('a'));
    expect(list.at(Number.NaN)).toEqual(f('a'));
    expect(list.at(Infinity)).toBeUndefined();
    expectReadsAs(nopList([]), []);
  });

  it('is read only and does not follow the array it was made from', () => {
    const funcs = [f('a'), f('b')];
    const list = nopList(funcs);
    funcs.push(f('c'));
    funcs[0] = f('z');
    expectReadsAs(list, [f('a'), f('b')]);
    expect(Object.isFrozen(list)).toBe(true);
    expect(() => {
      (list as { length: number }).length = 0;
    }).toThrow(TypeError);
  });
});

/** A patch of `funcs` named by `name`, from a pool small enough that patches share functions. */
const patch = (name: string, funcs: readonly FuncRef[]): PatchInfo => {
  const objects = new Map<string | null, FuncRef[]>();
  for (const func of funcs) objects.set(func.object, [...(objects.get(func.object) ?? []), func]);
  return patchInfo(name, {
    replace: false,
    objects: [...objects].map(([object, list]) => ({
      name: object,
      funcs: list.map((func) => ({ oldName: func.name, newFunc: `livepatch_${func.name}`, oldSympos: func.sympos })),
    })),
  });
};

const funcArb = fc.record({
  object: fc.constantFrom(null, 'mod_a', 'mod_b'),
  name: fc.constantFrom('f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7'),
  // 0 and 1 are the same function: the index must not count it twice.
  sympos: fc.constantFrom(0, 1, 2),
});
const funcsArb = fc.uniqueArray(funcArb, { maxLength: 12, selector: (x) => `${x.object}:${x.name}:${x.sympos}` });

describe('InstalledIndex.nopsFor', () => {
  it('finds what the set-based reference finds, in its order, as patches come and go', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ add: fc.boolean(), funcs: funcsArb, pick: fc.nat() }), { maxLength: 25 }),
        funcsArb,
        (steps, replacing) => {
          const index = new InstalledIndex();
          const installed: PatchInfo[] = [];
          const decided = patch('cumulative', replacing);
          steps.forEach((step, i) => {
            if (step.add || installed.length === 0) {
              const p = patch(`p${i}`, step.funcs);
              index.add(p);
              installed.push(p);
            } else {
              const [gone] = installed.splice(step.pick % installed.length, 1) as [PatchInfo];
              index.remove(gone);
            }
            expectReadsAs(index.nopsFor(decided, installed), nopsFor(decided, installed));
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps a decided list as it was when patches leave afterwards', () => {
    const index = new InstalledIndex();
    const [a, b] = [patch('a', [f('x'), f('y')]), patch('b', [f('y'), f('z', 'mod')])];
    index.add(a);
    index.add(b);
    const list = index.nopsFor(patch('c', [f('x')]), [a, b]);
    index.remove(a);
    index.remove(b);
    index.add(patch('d', [f('w')]));
    expectReadsAs(list, [f('y'), f('z', 'mod')]);
  });

  it('answers from the reference for a patch it does not hold', () => {
    const index = new InstalledIndex();
    const stranger = patch('stranger', [f('x'), f('y', null, 1)]);
    expectReadsAs(index.nopsFor(patch('c', [f('y')]), [stranger]), [f('x')]);
  });
});
