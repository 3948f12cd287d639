import { beforeEach, describe, expect, it } from 'vitest';
import { Errno, type KlpState, type StateDefinition } from '@patchwise/core';
import {
  addLivepatch,
  addVmlinuxPatch,
  idleKthread,
  kaddr,
  klpLinesSince,
  Machine,
  newMachine,
  settle,
  sleeperIn,
  spec,
  sysfs,
  type ModuleContext,
} from './support.js';

// The system state API: klp_get_state, klp_get_prev_state, klp_is_patch_compatible (semantics §3,
// §2.1 E7, §4).

let m: Machine;
beforeEach(() => {
  m = newMachine();
});

const states = (...pairs: [number, number][]): StateDefinition[] => pairs.map(([id, version]) => ({ id, version }));

async function install(...names: string[]): Promise<void> {
  for (const name of names) {
    expect(await m.insmod(name)).toBe(0);
    settle(m);
  }
}

describe('compatibility with the installed patches', () => {
  // §3 rules (system-state.rst §2): new states always allowed; same or higher version allowed.
  it.each([
    ['a new id, non-replace', false, states([2, 1])],
    ['a new id, replace (carrying the old id too)', true, states([1, 1], [2, 1])],
    ['the same version, replace', true, states([1, 1])],
    ['the same version, non-replace', false, states([1, 1])],
    ['a higher version, replace', true, states([1, 3])],
  ])('allows %s', async (_label, replace, newStates) => {
    addVmlinuxPatch(m, 'p1', ['foo'], { states: states([1, 1]) });
    addVmlinuxPatch(m, 'p2', ['bar'], { replace, states: newStates });
    await install('p1');
    const mark = m.log.mark;
    expect(await m.insmod('p2')).toBe(0);
    expect(klpLinesSince(m, mark)).not.toContain(spec.M16('p2'));
    settle(m);
    expect(m.livepatch.findPatch('p2')?.enabled).toBe(true);
  });

  // §3 / §2.1 E7 / §4: a lower version is refused with M16 (pr_err) and -EINVAL, before anything
  // of the patch exists: no "enabling patch", no sysfs dir, module not loaded.
  it.each([
    ['replace', true],
    ['non-replace', false],
  ])('refuses a lower version (%s) with M16 and -EINVAL, leaving nothing behind', async (_label, replace) => {
    addVmlinuxPatch(m, 'p1', ['foo'], { states: states([1, 2]) });
    addVmlinuxPatch(m, 'p2', ['foo'], { replace, states: states([1, 1]) });
    await install('p1');
    const task = idleKthread(m);
    const mark = m.log.mark;
    expect(await m.insmod('p2')).toBe(-Errno.EINVAL);
    expect(m.log.records(mark).map((r) => [r.level, r.text])).toContainEqual(['err', spec.M16('p2')]);
    expect(klpLinesSince(m, mark)).not.toContain(spec.M1('p2'));
    expect(m.livepatch.transitionPatch).toBeNull();
    expect(m.livepatch.patches.map((p) => p.name)).toEqual(['p1']);
    expect(m.fs.exists(sysfs('p2', ''))).toBe(false);
    expect(m.fs.exists('/sys/module/p2')).toBe(false);
    expect(m.call(task, kaddr(m, 'foo'))).toBe('p1:foo');
  });

  // §3: a cumulative (replace) patch must carry every state already modified by any installed
  // patch, not only the newest one.
  it('refuses a replace patch that lacks a state an installed patch carries', async () => {
    addVmlinuxPatch(m, 'p1', ['foo'], { states: states([1, 1]) });
    addVmlinuxPatch(m, 'p2', ['bar'], { states: states([2, 1]) });
    addVmlinuxPatch(m, 'r', ['baz'], { replace: true, states: states([2, 1]) });
    await install('p1', 'p2');
    const mark = m.log.mark;
    expect(await m.insmod('r')).toBe(-Errno.EINVAL);
    expect(klpLinesSince(m, mark)).toContain(spec.M16('r'));
    expect(m.livepatch.patches.map((p) => p.name)).toEqual(['p1', 'p2']);
  });

  // §3: a non-cumulative patch may ignore states modified by others.
  it('allows a non-replace patch without the installed states', async () => {
    addVmlinuxPatch(m, 'p1', ['foo'], { states: states([1, 1]) });
    addVmlinuxPatch(m, 'p2', ['bar']);
    await install('p1', 'p2');
    expect(m.livepatch.patches.map((p) => p.name)).toEqual(['p1', 'p2']);
  });
});

describe('klp_get_state', () => {
  // §3: the state with that id in the patch's own states, else NULL; iteration stops at id 0.
  it('finds a state of the patch by id, and nothing past an id-0 terminator', async () => {
    addVmlinuxPatch(m, 'p', ['foo'], { states: [{ id: 1, version: 3 }, { id: 0, version: 0 }, { id: 2, version: 1 }] });
    await install('p');
    const p = m.livepatch.findPatch('p');
    if (!p) throw new Error('p not installed');
    expect(m.livepatch.getState(p, 1)).toMatchObject({ id: 1, version: 3 });
    expect(m.livepatch.getState(p, 7)).toBeNull();
    expect(m.livepatch.getState(p, 2)).toBeNull();
  });
});

describe('klp_get_prev_state', () => {
  /** Callbacks that record what getPrevState(1) returns at each point. */
  const seen: { at: string; state: KlpState | null }[] = [];
  const probe = (tag: string) => (ctx: ModuleContext) => {
    const look = (at: string) => () => void seen.push({ at: `${tag}:${at}`, state: ctx.livepatch.getPrevState(1) });
    return { prePatch: look('pre_patch'), postPatch: look('post_patch'), preUnpatch: look('pre_unpatch'), postUnpatch: look('post_unpatch') };
  };
  beforeEach(() => {
    seen.length = 0;
  });

  // §3: NULL when no transition is in progress.
  it('is null outside a transition', async () => {
    addVmlinuxPatch(m, 'p1', ['foo'], { states: [{ id: 1, version: 1, data: 'one' }] });
    await install('p1');
    expect(m.livepatch.getPrevState(1)).toBeNull();
  });

  // §4: klp_get_prev_state outside a transition is a WARN_ON_ONCE (and NULL).
  it('WARNs (once) when called outside a transition', () => {
    const warnsSince = (mark: number) => m.log.records(mark).filter((r) => r.level === 'warn');
    const first = m.log.mark;
    expect(m.livepatch.getPrevState(1)).toBeNull();
    expect(warnsSince(first).length).toBeGreaterThan(0);
    const second = m.log.mark;
    expect(m.livepatch.getPrevState(1)).toBeNull();
    expect(warnsSince(second)).toEqual([]);
  });

  // §3: during a replace, the state of the newest patch installed before the transition patch; the
  // first patch has no previous state.
  it("returns the newest previous patch's state during a replace", async () => {
    addLivepatch(m, 'p1', { states: [{ id: 1, version: 1, data: 'one' }], objects: [{ funcs: ['foo'], callbacks: probe('p1') }] });
    addVmlinuxPatch(m, 'p2', ['bar'], { states: [{ id: 1, version: 1, data: 'two' }] });
    addLivepatch(m, 'r', { replace: true, states: states([1, 2]), objects: [{ funcs: ['baz'], callbacks: probe('r') }] });
    await install('p1', 'p2');
    expect(seen).toEqual([
      { at: 'p1:pre_patch', state: null },
      { at: 'p1:post_patch', state: null },
    ]);
    seen.length = 0;
    await install('r');
    expect(seen.map((s) => [s.at, s.state?.data])).toEqual([
      ['r:pre_patch', 'two'],
      ['r:post_patch', 'two'],
    ]);
    expect(seen[0]?.state).toMatchObject({ id: 1, version: 1 });
  });

  // §3: also during a transition seen from outside the callbacks (it is global), and for the
  // disable of a non-replace patch the older patches still listed are "previous".
  it('looks at the patches before the transition patch, also when disabling', async () => {
    addVmlinuxPatch(m, 'p1', ['foo'], { states: [{ id: 1, version: 1, data: 'one' }] });
    addLivepatch(m, 'p2', { states: [{ id: 1, version: 1, data: 'two' }], objects: [{ funcs: ['bar'], callbacks: probe('p2') }] });
    await install('p1');
    sleeperIn(m, kaddr(m, 'bar'));
    expect(await m.insmod('p2')).toBe(0);
    m.advance(2000);
    expect(m.livepatch.transitionPatch?.name).toBe('p2');
    expect(m.livepatch.getPrevState(1)?.data).toBe('one');
    expect(m.livepatch.getPrevState(2)).toBeNull();
    // Let p2 finish, then disable it: p1 is still the previous patch.
    for (const t of m.scheduler.list()) if (t.comm === 'sleeper') t.stack = [];
    settle(m);
    seen.length = 0;
    expect(await m.write(sysfs('p2', 'enabled'), '0')).toBe(0);
    settle(m);
    expect(seen.map((s) => [s.at, s.state?.data])).toEqual([
      ['p2:pre_unpatch', 'one'],
      ['p2:post_unpatch', 'one'],
    ]);
    expect(m.call(idleKthread(m), kaddr(m, 'foo'))).toBe('p1:foo');
  });
});
