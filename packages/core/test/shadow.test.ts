import { beforeEach, describe, expect, it } from 'vitest';
import type { ShadowCtor, ShadowData, ShadowKey, ShadowTable } from '@patchwise/core';
import { addLivepatch, addVmlinuxPatch, Machine, newMachine, settle, sysfs, type ModuleContext } from './support.js';

// Shadow variables: a global <obj, id> table that belongs to no patch (semantics §1.6, §2.8, §4).

let m: Machine;
let shadow: ShadowTable;
beforeEach(() => {
  m = newMachine();
  shadow = m.livepatch.shadow;
});

const ID = 0x2a;
const OTHER_ID = 7;

/** A constructor that records its calls and stores `value`. */
function ctorStoring(value: unknown, calls: unknown[][]): ShadowCtor {
  return (obj, data, ctorData) => {
    calls.push([obj, data, ctorData]);
    data.value = value;
    return 0;
  };
}

describe('klp_shadow_get / klp_shadow_alloc', () => {
  // §1.6: get on a missing <obj, id> is NULL.
  it('get finds nothing in an empty table', () => {
    expect(shadow.get({}, ID)).toBeNull();
  });

  // §1.6: alloc allocates, calls ctor(obj, data, ctor_data) once, inserts, returns the data.
  it('alloc creates the variable, runs the ctor once and get returns it', () => {
    const obj = {};
    const calls: unknown[][] = [];
    const data = shadow.alloc(obj, ID, 16, ctorStoring('constructed', calls), 'ctor-data');
    expect(data).not.toBeNull();
    expect(data?.size).toBe(16);
    expect(calls).toEqual([[obj, data, 'ctor-data']]);
    expect(shadow.get(obj, ID)).toBe(data);
    expect(shadow.get(obj, ID)?.value).toBe('constructed');
  });

  // §1.6: the key is the pair <obj, id>.
  it('keys variables by object and id together', () => {
    const a = {};
    const b = {};
    const aId = shadow.alloc(a, ID, 8);
    const aOther = shadow.alloc(a, OTHER_ID, 8);
    const bId = shadow.alloc(b, ID, 8);
    expect(new Set([aId, aOther, bId]).size).toBe(3);
    expect(shadow.get(a, OTHER_ID)).toBe(aOther);
    expect(shadow.get(b, ID)).toBe(bId);
    expect(shadow.get(b, OTHER_ID)).toBeNull();
  });

  // §1.6 / §4: a duplicate alloc WARNs "Duplicate shadow variable <%p, %lx>" and returns NULL; the
  // existing variable is untouched and the ctor does not run.
  it('refuses a duplicate with a WARN and returns null', () => {
    const obj = {};
    const first = shadow.alloc(obj, ID, 8, ctorStoring('first', []));
    const calls: unknown[][] = [];
    const mark = m.log.mark;
    expect(shadow.alloc(obj, ID, 8, ctorStoring('second', calls))).toBeNull();
    expect(calls).toEqual([]);
    const warnings = m.log.records(mark).filter((r) => r.level === 'warn');
    expect(warnings.map((r) => r.text)).toContainEqual(expect.stringMatching(/Duplicate shadow variable <[0-9a-f]+, 2a>$/));
    expect(shadow.get(obj, ID)).toBe(first);
    expect(first?.value).toBe('first');
  });

  // §1.6 / §4: a failing ctor: pr_err "Failed to construct shadow variable <%p, %lx> (%d)", NULL,
  // nothing inserted.
  it('returns null and stores nothing when the ctor fails', () => {
    const obj = {};
    const mark = m.log.mark;
    expect(shadow.alloc(obj, ID, 8, () => -12)).toBeNull();
    expect(m.log.records(mark).map((r) => r.level)).toEqual(['err']);
    expect(m.log.records(mark)[0]?.text).toMatch(/^livepatch: Failed to construct shadow variable <[0-9a-f]+, 2a> \(-12\)$/);
    expect(shadow.get(obj, ID)).toBeNull();
    expect(shadow.alloc(obj, ID, 8)).not.toBeNull();
  });
});

describe('klp_shadow_get_or_alloc', () => {
  // §1.6: the existing variable is returned and its ctor is NOT called.
  it('returns the existing variable without calling the ctor', () => {
    const obj = {};
    const existing = shadow.alloc(obj, ID, 8, ctorStoring('original', []));
    const calls: unknown[][] = [];
    const mark = m.log.mark;
    expect(shadow.getOrAlloc(obj, ID, 8, ctorStoring('again', calls))).toBe(existing);
    expect(calls).toEqual([]);
    expect(existing?.value).toBe('original');
    expect(m.log.records(mark)).toEqual([]);
  });

  // §1.6: otherwise like alloc (ctor runs once for the new variable), and ctor failure gives NULL.
  it('allocates a missing variable like alloc, and fails like alloc when the ctor fails', () => {
    const obj = {};
    expect(shadow.getOrAlloc(obj, OTHER_ID, 8, () => -22)).toBeNull();
    expect(shadow.get(obj, OTHER_ID)).toBeNull();
    const calls: unknown[][] = [];
    const data = shadow.getOrAlloc(obj, ID, 8, ctorStoring('new', calls), 'cd');
    expect(calls).toEqual([[obj, data, 'cd']]);
    expect(shadow.get(obj, ID)).toBe(data);
  });
});

describe('klp_shadow_free / klp_shadow_free_all', () => {
  // §1.6: free removes <obj, id> and calls dtor(obj, data).
  it('free removes one variable and calls the dtor with it', () => {
    const obj = {};
    const other = {};
    const data = shadow.alloc(obj, ID, 8);
    const kept = shadow.alloc(other, ID, 8);
    const dtorCalls: [ShadowKey, ShadowData][] = [];
    shadow.free(obj, ID, (o, d) => void dtorCalls.push([o, d]));
    expect(dtorCalls).toEqual([[obj, data]]);
    expect(shadow.get(obj, ID)).toBeNull();
    expect(shadow.get(other, ID)).toBe(kept);
    shadow.free(obj, ID, (o, d) => void dtorCalls.push([o, d]));
    expect(dtorCalls).toHaveLength(1);
  });

  // §1.6: free_all removes every <*, id>, calling the dtor for each; other ids stay.
  it('free_all removes every variable with the id, calling the dtor for each', () => {
    const objs = [{ n: 1 }, { n: 2 }, { n: 3 }];
    for (const o of objs) shadow.alloc(o, ID, 8);
    const survivor = shadow.alloc(objs[0] as object, OTHER_ID, 8);
    const freed: ShadowKey[] = [];
    shadow.freeAll(ID, (o) => void freed.push(o));
    expect(freed).toHaveLength(3);
    for (const o of objs) expect(freed.filter((f) => f === o)).toHaveLength(1);
    for (const o of objs) expect(shadow.get(o, ID)).toBeNull();
    expect(shadow.get(objs[0] as object, OTHER_ID)).toBe(survivor);
  });
});

describe('shadow variables and the patch lifecycle', () => {
  // §1.6 / §2.8: the core never touches shadow variables on replace or disable.
  it('are untouched by an atomic replace, a disable and the removal of the modules', async () => {
    const target = { name: 'some kernel object' };
    const alloc = (ctx: ModuleContext) => ({
      postPatch: () => void ctx.livepatch.shadow.alloc(target, ID, 8, (_o, d) => ((d.value = 'from p1'), 0)),
    });
    addLivepatch(m, 'p1', { objects: [{ funcs: ['foo'], callbacks: alloc }] });
    addVmlinuxPatch(m, 'r', ['bar'], { replace: true });
    expect(await m.insmod('p1')).toBe(0);
    settle(m);
    const data = shadow.get(target, ID);
    expect(data?.value).toBe('from p1');

    expect(await m.insmod('r')).toBe(0);
    settle(m);
    expect(m.livepatch.patches.map((p) => p.name)).toEqual(['r']);
    expect(shadow.get(target, ID)).toBe(data);

    expect(await m.rmmod('p1')).toBe(0);
    expect(await m.write(sysfs('r', 'enabled'), '0')).toBe(0);
    settle(m);
    expect(await m.rmmod('r')).toBe(0);
    expect(m.livepatch.patches).toHaveLength(0);
    expect(shadow.get(target, ID)).toBe(data);
    expect(data?.value).toBe('from p1');
  });
});
