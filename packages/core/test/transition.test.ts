import { beforeEach, describe, expect, it } from 'vitest';
import { Errno } from '@patchwise/core';
import {
  addLivepatch,
  addVmlinuxPatch,
  idleKthread,
  kaddr,
  KERNEL_FUNCTIONS,
  klpLinesSince,
  Machine,
  newMachine,
  readInt,
  recorder,
  replacementName,
  settle,
  sleeperIn,
  spec,
  sysfs,
} from './support.js';

// Per-task migration, retries, reverse, force and the -EBUSY/-EINVAL rules of the transition
// (semantics §2.1 P1, §2.2, §2.3, §2.4, §2.5, §2.6).

let m: Machine;
beforeEach(() => {
  m = newMachine();
});

const impl = (patch: string, func: string) => kaddr(m, replacementName(patch, func), patch);
const transition = (p: string) => readInt(m, sysfs(p, 'transition'));
const enabled = (p: string) => readInt(m, sysfs(p, 'enabled'));
const refcnt = (mod: string) => readInt(m, `/sys/module/${mod}/refcnt`);
const unrelatedStack = () => m.frames(['schedule', 'kthread', 'ret_from_fork']);

describe('a complete patching transition', () => {
  // §2.1 P3/P4/P6 then §2.3 C1/C8: the lifecycle lines, in order; enabled is 1 as soon as it starts.
  it('prints enabling, initializing, starting, then completing and complete', async () => {
    addVmlinuxPatch(m, 'p', ['foo']);
    const mark = m.log.mark;
    expect(await m.insmod('p')).toBe(0);
    expect(enabled('p')).toBe(1);
    settle(m);
    expect(klpLinesSince(m, mark)).toEqual([
      spec.M1('p'),
      spec.M2('p', 'patching'),
      spec.M3('p', 'patching'),
      spec.M4('p', 'patching'),
      spec.M5('p', 'patching'),
    ]);
    expect(transition('p')).toBe(0);
  });
});

describe('a task sleeping in the function being replaced', () => {
  let blocker: ReturnType<typeof sleeperIn>;
  beforeEach(async () => {
    // klp_try_switch_task's debug lines on: one M24 line per failed attempt on the blocker.
    m = new Machine({ kernelFunctions: KERNEL_FUNCTIONS, dynamicDebug: { enabled: ['*'], disabled: [] } });
    addVmlinuxPatch(m, 'p', ['foo']);
    blocker = sleeperIn(m, kaddr(m, 'foo'));
    expect(await m.insmod('p')).toBe(0);
  });
  const attempts = (mark = 0) =>
    klpLinesSince(m, mark).filter((l) => l === spec.M24sleeping(blocker.comm, blocker.pid, 'foo')).length;

  // §2.2.1 stack check + §2.2 retry: the transition stays open, retried about once a second.
  it('blocks the transition, which is retried about once a second', () => {
    expect(transition('p')).toBe(1);
    const mark = m.log.mark;
    for (let s = 1; s <= 10; s += 1) {
      m.advance(1000);
      expect(transition('p')).toBe(1);
    }
    const retries = attempts(mark);
    expect(retries).toBeGreaterThanOrEqual(9);
    expect(retries).toBeLessThanOrEqual(11);
    expect(blocker.patchPending).toBe(true);
  });

  // §2.2 / M20: "signaling remaining tasks" only when the counter is 15, i.e. after the initial
  // attempt and 15 retries; later multiples of 15 signal without printing.
  it('prints "signaling remaining tasks" exactly at the 15th retry, and only once', () => {
    const start = m.log.mark;
    const signalAt = () => klpLinesSince(m, start).indexOf(spec.M20);
    for (let retry = 1; retry <= 14; retry += 1) {
      m.advance(1000);
      expect(signalAt()).toBe(-1);
    }
    m.advance(2000);
    const at = signalAt();
    expect(at).toBeGreaterThan(-1);
    // Failed attempts on the blocker before M20, counted from boot: the initial attempt made while
    // enabling (counter 0) and retries 1..15.
    const all = klpLinesSince(m, 0);
    const before = all.slice(0, all.indexOf(spec.M20));
    expect(before.filter((l) => l === spec.M24sleeping(blocker.comm, blocker.pid, 'foo')).length).toBe(16);
    m.advance(40_000);
    expect(transition('p')).toBe(1);
    expect(klpLinesSince(m, start).filter((l) => l === spec.M20)).toHaveLength(1);
  });

  // §2.2 / §2.3: once the task left the function, the next retry completes the transition.
  it('completes at the next retry once the task left the function', () => {
    m.advance(3000);
    expect(transition('p')).toBe(1);
    blocker.stack = unrelatedStack();
    const mark = m.log.mark;
    m.advance(1000);
    expect(transition('p')).toBe(0);
    expect(klpLinesSince(m, mark)).toEqual(
      expect.arrayContaining([spec.M4('p', 'patching'), spec.M5('p', 'patching')]),
    );
  });
});

describe('reverse', () => {
  // §2.5: reverse of an enable: M7 + M3, no pre_unpatch; post_unpatch only for loaded objects whose
  // pre_patch succeeded (not for an object of a module that is not loaded); the patch is freed.
  it('from patching to unpatching runs no pre_unpatch and post_unpatch only after a pre_patch', async () => {
    const calls: string[] = [];
    addLivepatch(m, 'p', {
      objects: [
        { funcs: ['foo'], callbacks: recorder(calls, 'p') },
        { name: 'not_loaded_mod', funcs: ['nl_fn'], callbacks: recorder(calls, 'p') },
      ],
    });
    sleeperIn(m, kaddr(m, 'foo'));
    expect(await m.insmod('p')).toBe(0);
    m.advance(2000);
    expect(calls).toEqual(['p:pre_patch:vmlinux']);
    const mark = m.log.mark;
    expect(await m.write(sysfs('p', 'enabled'), '0')).toBe(0);
    expect(klpLinesSince(m, mark).slice(0, 2)).toEqual([spec.M7('p', 'patching'), spec.M3('p', 'unpatching')]);
    expect(enabled('p')).toBe(0);
    settle(m);
    expect(calls).toEqual(['p:pre_patch:vmlinux', 'p:post_unpatch:vmlinux']);
    expect(klpLinesSince(m, mark)).toContain(spec.M5('p', 'unpatching'));
    expect(m.fs.exists(sysfs('p', ''))).toBe(false);
    expect(refcnt('p')).toBe(0);
    expect(await m.rmmod('p')).toBe(0);
  });

  // §2.5: reverse of a disable: on completion post_patch runs again, pre_patch is not re-run, the
  // patch stays enabled.
  it('from unpatching to patching runs post_patch again and not pre_patch', async () => {
    const calls: string[] = [];
    addVmlinuxPatch(m, 'p', ['foo'], { callbacks: recorder(calls, 'p') });
    expect(await m.insmod('p')).toBe(0);
    settle(m);
    const task = idleKthread(m);
    sleeperIn(m, impl('p', 'foo'));
    expect(await m.write(sysfs('p', 'enabled'), '0')).toBe(0);
    m.advance(2000);
    expect(transition('p')).toBe(1);
    expect(calls).toEqual(['p:pre_patch:vmlinux', 'p:post_patch:vmlinux', 'p:pre_unpatch:vmlinux']);
    const mark = m.log.mark;
    expect(await m.write(sysfs('p', 'enabled'), '1')).toBe(0);
    expect(klpLinesSince(m, mark).slice(0, 2)).toEqual([spec.M7('p', 'unpatching'), spec.M3('p', 'patching')]);
    expect(enabled('p')).toBe(1);
    settle(m);
    expect(calls.slice(3)).toEqual(['p:post_patch:vmlinux']);
    expect(klpLinesSince(m, mark)).toContain(spec.M5('p', 'patching'));
    expect(m.livepatch.findPatch('p')?.enabled).toBe(true);
    expect(m.call(task, kaddr(m, 'foo'))).toBe('p:foo');
  });
});

describe('force', () => {
  // §2.6: M19 (same text both directions); completes at the next retry; an unpatching transition
  // forces the patch, whose module can then never be removed.
  it('of an unpatching transition forces the patch: its module can never be removed', async () => {
    addVmlinuxPatch(m, 'p', ['foo']);
    expect(await m.insmod('p')).toBe(0);
    settle(m);
    sleeperIn(m, impl('p', 'foo'));
    expect(await m.write(sysfs('p', 'enabled'), '0')).toBe(0);
    m.advance(2000);
    const view = m.livepatch.findPatch('p');
    const mark = m.log.mark;
    expect(await m.write(sysfs('p', 'force'), '1')).toBe(0);
    expect(m.log.records(mark).map((r) => [r.level, r.text])).toContainEqual(['warn', spec.M19]);
    expect(transition('p')).toBe(1);
    m.advance(1000);
    expect(m.livepatch.transitionPatch).toBeNull();
    expect(klpLinesSince(m, mark)).toContain(spec.M5('p', 'unpatching'));
    expect(view?.forced).toBe(true);
    expect(refcnt('p')).toBeGreaterThan(0);
    expect(await m.rmmod('p')).toBe(-Errno.EBUSY);
    m.advance(60_000);
    expect(await m.rmmod('p')).toBe(-Errno.EBUSY);
  });

  // §2.6 newer text: a forced patching transition of a replace patch forces the replaced patches
  // (not the replace patch itself).
  it('of a replace patching transition forces the replaced patches only', async () => {
    addVmlinuxPatch(m, 'p1', ['foo']);
    addVmlinuxPatch(m, 'r', ['bar'], { replace: true });
    expect(await m.insmod('p1')).toBe(0);
    settle(m);
    sleeperIn(m, impl('p1', 'foo'));
    expect(await m.insmod('r')).toBe(0);
    m.advance(2000);
    const p1 = m.livepatch.findPatch('p1');
    const r = m.livepatch.findPatch('r');
    expect(await m.write(sysfs('r', 'force'), '1')).toBe(0);
    m.advance(1000);
    expect(m.livepatch.transitionPatch).toBeNull();
    expect(p1?.forced).toBe(true);
    expect(r?.forced).toBe(false);
    expect(m.livepatch.patches.map((p) => p.name)).toEqual(['r']);
    expect(refcnt('p1')).toBeGreaterThan(0);
    expect(await m.rmmod('p1')).toBe(-Errno.EBUSY);
    expect(await m.write(sysfs('r', 'enabled'), '0')).toBe(0);
    settle(m);
    expect(await m.rmmod('r')).toBe(0);
  });

  // §2.6 newer text: a forced patching transition of a non-replace patch marks nothing.
  it('of a plain patching transition forces nothing', async () => {
    addVmlinuxPatch(m, 'p1', ['bar']);
    addVmlinuxPatch(m, 'p2', ['foo']);
    expect(await m.insmod('p1')).toBe(0);
    settle(m);
    sleeperIn(m, kaddr(m, 'foo'));
    expect(await m.insmod('p2')).toBe(0);
    m.advance(2000);
    expect(await m.write(sysfs('p2', 'force'), '1')).toBe(0);
    m.advance(1000);
    expect(transition('p2')).toBe(0);
    expect(m.livepatch.patches.map((p) => [p.name, p.forced])).toEqual([
      ['p1', false],
      ['p2', false],
    ]);
    for (const p of ['p2', 'p1']) {
      expect(await m.write(sysfs(p, 'enabled'), '0')).toBe(0);
      settle(m);
      expect(await m.rmmod(p)).toBe(0);
    }
  });

  // §2.6 / §4: force on a patch that is not the transition patch is -EINVAL.
  it('of a patch not in transition is -EINVAL', async () => {
    addVmlinuxPatch(m, 'p1', ['bar']);
    addVmlinuxPatch(m, 'p2', ['foo']);
    expect(await m.insmod('p1')).toBe(0);
    settle(m);
    expect(await m.write(sysfs('p1', 'force'), '1')).toBe(-Errno.EINVAL);
    expect(m.livepatch.force('p1')).toBe(-Errno.EINVAL);
    sleeperIn(m, kaddr(m, 'foo'));
    expect(await m.insmod('p2')).toBe(0);
    expect(await m.write(sysfs('p1', 'force'), '1')).toBe(-Errno.EINVAL);
    expect(m.livepatch.findPatch('p1')?.forced).toBe(false);
  });
});

describe('operations while another patch is in transition', () => {
  beforeEach(async () => {
    addVmlinuxPatch(m, 'old', ['bar']);
    addVmlinuxPatch(m, 'busy', ['foo']);
    expect(await m.insmod('old')).toBe(0);
    settle(m);
    sleeperIn(m, kaddr(m, 'foo'));
    expect(await m.insmod('busy')).toBe(0);
    m.advance(2000);
    expect(transition('busy')).toBe(1);
  });

  // §2.1 P1 / §2.8 / §4: -EBUSY before "enabling patch" is printed; nothing of the patch remains.
  it.each([
    ['a plain patch', false],
    ['a replace patch', true],
  ])('loading %s fails -EBUSY without an "enabling patch" line', async (_label, replace) => {
    addVmlinuxPatch(m, 'late', ['baz'], { replace });
    const mark = m.log.mark;
    expect(await m.insmod('late')).toBe(-Errno.EBUSY);
    expect(klpLinesSince(m, mark).filter((l) => l.includes("'late'"))).toEqual([]);
    expect(klpLinesSince(m, mark)).not.toContain(spec.M1('late'));
    expect(m.livepatch.findPatch('late')).toBeUndefined();
    expect(m.fs.exists(sysfs('late', ''))).toBe(false);
    expect(m.fs.exists('/sys/module/late')).toBe(false);
    expect(m.livepatch.isPatched(kaddr(m, 'baz'))).toBe(false);
    expect(m.livepatch.patches.map((p) => p.name)).toEqual(['old', 'busy']);
    expect(m.livepatch.transitionPatch?.name).toBe('busy');
  });

  // §2.4 D2: disabling another (enabled) patch is -EBUSY.
  it('disabling another patch is -EBUSY', async () => {
    expect(await m.write(sysfs('old', 'enabled'), '0')).toBe(-Errno.EBUSY);
    expect(enabled('old')).toBe(1);
    expect(m.livepatch.transitionPatch?.name).toBe('busy');
  });
});

describe('enabled store', () => {
  // §2.4: writing the current value is -EINVAL ("already in requested state").
  it('refuses echo 1 on an enabled patch and echo 0 twice with -EINVAL', async () => {
    addVmlinuxPatch(m, 'p', ['foo']);
    expect(await m.insmod('p')).toBe(0);
    settle(m);
    expect(await m.write(sysfs('p', 'enabled'), '1')).toBe(-Errno.EINVAL);
    sleeperIn(m, impl('p', 'foo'));
    expect(await m.write(sysfs('p', 'enabled'), '0')).toBe(0);
    expect(await m.write(sysfs('p', 'enabled'), '0')).toBe(-Errno.EINVAL);
    expect(transition('p')).toBe(1);
  });

  // §2.1 / §2.4: a patch can never be re-enabled after a completed disable.
  it('cannot re-enable a patch after a completed disable', async () => {
    addVmlinuxPatch(m, 'p', ['foo']);
    const task = idleKthread(m);
    expect(await m.insmod('p')).toBe(0);
    settle(m);
    expect(await m.write(sysfs('p', 'enabled'), '0')).toBe(0);
    settle(m);
    expect(await m.write(sysfs('p', 'enabled'), '1')).toBeLessThan(0);
    expect(await m.livepatch.setEnabled('p', true)).toBeLessThan(0);
    expect(await m.insmod('p')).toBe(-Errno.EEXIST);
    expect(m.livepatch.patches).toHaveLength(0);
    expect(m.call(task, kaddr(m, 'foo'))).toBeUndefined();
  });
});
