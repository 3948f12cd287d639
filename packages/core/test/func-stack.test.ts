import { beforeEach, describe, expect, it } from 'vitest';
import { PatchState } from '@patchwise/core';
import {
  addVmlinuxPatch,
  idleKthread,
  kaddr,
  Machine,
  newMachine,
  readInt,
  replacementName,
  settle,
  sleeperIn,
  sysfs,
} from './support.js';

// Several patches on one function: which implementation a task runs (semantics §1.4, §2.2, §2.4,
// §2.8, §2.9).

let m: Machine;
beforeEach(() => {
  m = newMachine();
});

/** What `task` gets when it calls vmlinux `func`. */
const callAs = (task: Parameters<Machine['call']>[0], func: string) => m.call(task, kaddr(m, func));

/** The replacement address of `func` in `patch`. */
const impl = (patch: string, func: string) => kaddr(m, replacementName(patch, func), patch);

async function load(name: string): Promise<void> {
  expect(await m.insmod(name)).toBe(0);
}

describe('the function stack', () => {
  // §1.4: klp_patch_func pushes at the head, the head is the newest; §2.9: the head runs.
  it('keeps the newest patch at the head, and the head runs once every transition completed', async () => {
    addVmlinuxPatch(m, 'p1', ['foo']);
    addVmlinuxPatch(m, 'p2', ['foo', 'bar']);
    addVmlinuxPatch(m, 'p3', ['foo']);
    const task = idleKthread(m);
    for (const p of ['p1', 'p2', 'p3']) {
      await load(p);
      settle(m);
      expect(m.livepatch.transitionPatch).toBeNull();
    }
    expect(m.livepatch.funcStack(kaddr(m, 'foo')).map((f) => f.newFunc)).toEqual([
      impl('p3', 'foo'),
      impl('p2', 'foo'),
      impl('p1', 'foo'),
    ]);
    expect(m.livepatch.funcStack(kaddr(m, 'bar')).map((f) => f.newFunc)).toEqual([impl('p2', 'bar')]);
    expect(callAs(task, 'foo')).toBe('p3:foo');
    expect(callAs(task, 'bar')).toBe('p2:bar');
    expect(callAs(task, 'baz')).toBeUndefined(); // never patched: the original (no body) runs
    expect(m.livepatch.resolveCall(kaddr(m, 'baz'), task)).toBe(kaddr(m, 'baz'));
  });
});

describe('during a patching transition', () => {
  // §2.9: an unpatched task runs the next entry (the previous patch's function); a patched task the
  // new one. §2.2.1: a task asleep in the previous patch's function cannot switch.
  it('runs the previous patch for unpatched tasks and the new patch for patched tasks', async () => {
    addVmlinuxPatch(m, 'p1', ['foo']);
    addVmlinuxPatch(m, 'p2', ['foo']);
    await load('p1');
    settle(m);
    const blocker = sleeperIn(m, impl('p1', 'foo'));
    const free = idleKthread(m);
    await load('p2');
    m.advance(1000);
    expect(m.livepatch.transitionPatch?.name).toBe('p2');
    expect(blocker.patchState).toBe(PatchState.Unpatched);
    expect(free.patchState).toBe(PatchState.Patched);

    expect(m.livepatch.resolveCall(kaddr(m, 'foo'), blocker)).toBe(impl('p1', 'foo'));
    expect(callAs(blocker, 'foo')).toBe('p1:foo');
    expect(m.livepatch.resolveCall(kaddr(m, 'foo'), free)).toBe(impl('p2', 'foo'));
    expect(callAs(free, 'foo')).toBe('p2:foo');

    // The blocker leaves p1's function: the next retry completes, everybody runs p2.
    blocker.stack = m.frames(['schedule', 'kthread', 'ret_from_fork']);
    m.advance(1000);
    expect(m.livepatch.transitionPatch).toBeNull();
    expect(blocker.patchState).toBe(PatchState.Idle);
    expect(callAs(blocker, 'foo')).toBe('p2:foo');
    expect(callAs(free, 'foo')).toBe('p2:foo');
  });

  // §2.9: the only func on the stack with an unpatched task: the original runs.
  it('runs the original code for unpatched tasks when no older patch is below', async () => {
    addVmlinuxPatch(m, 'p1', ['foo']);
    const blocker = sleeperIn(m, kaddr(m, 'foo'));
    const free = idleKthread(m);
    await load('p1');
    m.advance(3000);
    expect(readInt(m, sysfs('p1', 'transition'))).toBe(1);
    expect(m.livepatch.resolveCall(kaddr(m, 'foo'), blocker)).toBe(kaddr(m, 'foo'));
    expect(callAs(blocker, 'foo')).toBeUndefined();
    expect(callAs(free, 'foo')).toBe('p1:foo');
  });

  // §2.8/§2.9: a nop of an atomic replace runs the original for patched tasks; unpatched tasks
  // still run the replaced patch's function.
  it('runs the original for a patched task hitting a nop, the replaced patch for an unpatched one', async () => {
    addVmlinuxPatch(m, 'p1', ['foo']);
    addVmlinuxPatch(m, 'r', ['bar'], { replace: true });
    await load('p1');
    settle(m);
    const blocker = sleeperIn(m, impl('p1', 'foo'));
    const free = idleKthread(m);
    await load('r');
    m.advance(1000);
    expect(m.livepatch.transitionPatch?.name).toBe('r');
    const stack = m.livepatch.funcStack(kaddr(m, 'foo'));
    expect(stack.map((f) => f.nop)).toEqual([true, false]);

    expect(callAs(free, 'foo')).toBeUndefined();
    expect(m.livepatch.resolveCall(kaddr(m, 'foo'), free)).toBe(kaddr(m, 'foo'));
    expect(callAs(free, 'bar')).toBe('r:bar');
    expect(callAs(blocker, 'foo')).toBe('p1:foo');
    expect(callAs(blocker, 'bar')).toBeUndefined();

    // After completion the nops are gone and foo is no longer patched at all.
    blocker.stack = [];
    m.advance(1000);
    expect(m.livepatch.transitionPatch).toBeNull();
    expect(m.livepatch.funcStack(kaddr(m, 'foo'))).toEqual([]);
    expect(m.livepatch.isPatched(kaddr(m, 'foo'))).toBe(false);
    expect(callAs(blocker, 'foo')).toBeUndefined();
    expect(callAs(free, 'bar')).toBe('r:bar');
  });
});

describe('disabling a patch in the middle of the stack', () => {
  async function threePatches(): Promise<void> {
    addVmlinuxPatch(m, 'p1', ['foo']);
    addVmlinuxPatch(m, 'p2', ['foo', 'bar']);
    addVmlinuxPatch(m, 'p3', ['foo']);
    for (const p of ['p1', 'p2', 'p3']) {
      await load(p);
      settle(m);
    }
    expect(['p1', 'p2', 'p3'].map((p) => readInt(m, sysfs(p, 'stack_order')))).toEqual([1, 2, 3]);
  }

  // §2.4: no stacking restriction [v5.1+]; stack_order renumbers; only functions where the disabled
  // patch is the head change behaviour.
  it('is allowed, renumbers the stack and only changes functions where it was the head', async () => {
    await threePatches();
    const task = idleKthread(m);
    expect(await m.write(sysfs('p2', 'enabled'), '0')).toBe(0);
    settle(m);
    expect(m.livepatch.transitionPatch).toBeNull();
    expect(m.fs.exists(sysfs('p2', ''))).toBe(false);
    expect(m.livepatch.patches.map((p) => p.name)).toEqual(['p1', 'p3']);
    expect(readInt(m, sysfs('p1', 'stack_order'))).toBe(1);
    expect(readInt(m, sysfs('p3', 'stack_order'))).toBe(2);

    expect(m.livepatch.funcStack(kaddr(m, 'foo')).map((f) => f.newFunc)).toEqual([impl('p3', 'foo'), impl('p1', 'foo')]);
    expect(callAs(task, 'foo')).toBe('p3:foo');
    expect(callAs(task, 'bar')).toBeUndefined();
    expect(m.livepatch.isPatched(kaddr(m, 'bar'))).toBe(false);

    // p1 becomes the head of foo once p3 goes.
    expect(await m.write(sysfs('p3', 'enabled'), '0')).toBe(0);
    settle(m);
    expect(callAs(task, 'foo')).toBe('p1:foo');
  });

  // §2.9 during the unpatching transition of the middle patch: foo keeps running p3 for everybody;
  // bar (where p2 is the head) runs p2 for still-patched tasks and the original for unpatched ones.
  it('keeps the newer patch running during its unpatching transition', async () => {
    await threePatches();
    // Target UNPATCHED: the forbidden function is p2's own replacement (§2.2.1).
    const blocker = sleeperIn(m, impl('p2', 'bar'));
    const free = idleKthread(m);
    expect(await m.write(sysfs('p2', 'enabled'), '0')).toBe(0);
    m.advance(2000);
    expect(readInt(m, sysfs('p2', 'transition'))).toBe(1);
    expect(blocker.patchState).toBe(PatchState.Patched);
    expect(free.patchState).toBe(PatchState.Unpatched);

    for (const task of [blocker, free]) expect(callAs(task, 'foo')).toBe('p3:foo');
    expect(callAs(blocker, 'bar')).toBe('p2:bar');
    expect(callAs(free, 'bar')).toBeUndefined();
  });
});
