import { beforeEach, describe, expect, it } from 'vitest';
import { Errno, PatchState } from '@patchwise/core';
import { FsError } from '@patchwise/sim';
import {
  addLivepatch,
  addVmlinuxPatch,
  idleKthread,
  kaddr,
  klpLinesSince,
  type Machine,
  newMachine,
  readInt,
  replacementName,
  settle,
  sleeperIn,
  spec,
  sysfs,
} from './support.js';

// The livepatch sysfs surface and /proc/PID/patch_state (semantics §1.8, §1.3, §1.7, §2.4, §2.6).

let m: Machine;
beforeEach(() => {
  m = newMachine();
});

const transition = (p: string) => readInt(m, sysfs(p, 'transition'));

describe('/sys/kernel/livepatch/<patch>', () => {
  beforeEach(async () => {
    addLivepatch(m, 'p', { objects: [{ funcs: ['foo'] }, { name: 'absent_mod', funcs: ['absent_fn'] }] });
    expect(await m.insmod('p')).toBe(0);
    settle(m);
  });

  // §1.8: the mode of every entry.
  it('has the documented modes', () => {
    expect(m.fs.mode(sysfs('p', ''))).toBe('drwxr-xr-x');
    expect(m.fs.mode(sysfs('p', 'enabled'))).toBe('-rw-r--r--');
    expect(m.fs.mode(sysfs('p', 'transition'))).toBe('-r--r--r--');
    expect(m.fs.mode(sysfs('p', 'force'))).toBe('--w-------');
    expect(m.fs.mode(sysfs('p', 'replace'))).toBe('-r--r--r--');
    expect(m.fs.mode(sysfs('p', 'stack_order'))).toBe('-r--r--r--');
    expect(m.fs.mode(sysfs('p', 'vmlinux/patched'))).toBe('-r--r--r--');
    expect(m.fs.mode(sysfs('p', 'absent_mod/patched'))).toBe('-r--r--r--');
  });

  // §1.8 / §1.2 / §1.3: the attributes, one dir per object (loaded or not), one per function named
  // "<old_name>,<sympos or 1>", which has no attributes.
  it('lists the attributes, object dirs and attribute-less function dirs', () => {
    expect(m.readdir(sysfs('p', ''))).toEqual(
      ['absent_mod', 'enabled', 'force', 'replace', 'stack_order', 'transition', 'vmlinux'].sort(),
    );
    expect(m.readdir(sysfs('p', 'vmlinux'))).toEqual(['foo,1', 'patched']);
    expect(m.readdir(sysfs('p', 'absent_mod'))).toEqual(['absent_fn,1', 'patched']);
    expect(m.fs.stat(sysfs('p', 'vmlinux/foo,1'))?.kind).toBe('dir');
    expect(m.readdir(sysfs('p', 'vmlinux/foo,1'))).toEqual([]);
  });

  // §1.8: the values of an enabled, idle, non-replace patch; patched follows obj->patched.
  it('shows enabled, transition, replace, stack_order and patched', () => {
    expect(m.read(sysfs('p', 'enabled'))).toBe('1\n');
    expect(m.read(sysfs('p', 'transition'))).toBe('0\n');
    expect(m.read(sysfs('p', 'replace'))).toBe('0\n');
    expect(m.read(sysfs('p', 'stack_order'))).toBe('1\n');
    expect(m.read(sysfs('p', 'vmlinux/patched'))).toBe('1\n');
    expect(m.read(sysfs('p', 'absent_mod/patched'))).toBe('0\n');
    expect(m.readdir('/sys/kernel/livepatch')).toEqual(['p']);
  });

  // §1.8 modes: force is write-only; transition, replace and stack_order are read-only.
  it('refuses reading force and writing the read-only attributes', async () => {
    expect(() => m.read(sysfs('p', 'force'))).toThrow(FsError);
    for (const attr of ['transition', 'replace', 'stack_order', 'vmlinux/patched']) {
      expect(await m.write(sysfs('p', attr), '1')).toBeLessThan(0);
    }
    expect(m.read(sysfs('p', 'transition'))).toBe('0\n');
  });

  // §2.4 enabled_store: a value that does not parse as a bool is -EINVAL, nothing happens.
  it('refuses a non-boolean write to enabled with -EINVAL', async () => {
    expect(await m.write(sysfs('p', 'enabled'), 'maybe')).toBe(-Errno.EINVAL);
    expect(m.read(sysfs('p', 'enabled'))).toBe('1\n');
    expect(m.livepatch.transitionPatch).toBeNull();
  });

  // §1.8 / §2.4: the directory exists until the patch is freed after a completed disable.
  it('disappears once a disable completed', async () => {
    expect(await m.write(sysfs('p', 'enabled'), '0')).toBe(0);
    settle(m);
    expect(m.fs.exists(sysfs('p', ''))).toBe(false);
    expect(m.readdir('/sys/kernel/livepatch')).toEqual([]);
  });
});

describe('values that change', () => {
  // §1.8 replace [≈v6.11] and stack_order [v6.13]: 1-based position in klp_patches.
  it('shows replace and stack_order for several patches', async () => {
    addVmlinuxPatch(m, 'a', ['foo']);
    addVmlinuxPatch(m, 'b', ['bar']);
    addVmlinuxPatch(m, 'c', ['foo', 'bar'], { replace: true });
    for (const p of ['a', 'b']) {
      expect(await m.insmod(p)).toBe(0);
      settle(m);
    }
    expect([readInt(m, sysfs('a', 'stack_order')), readInt(m, sysfs('b', 'stack_order'))]).toEqual([1, 2]);
    expect(await m.insmod('c')).toBe(0);
    expect(readInt(m, sysfs('c', 'stack_order'))).toBe(3);
    expect(m.read(sysfs('c', 'replace'))).toBe('1\n');
    settle(m);
    expect(readInt(m, sysfs('c', 'stack_order'))).toBe(1);
  });

  // §1.3: the function directory carries the sympos ("<old_name>,<old_sympos or 1>").
  it('names a function dir after its sympos', async () => {
    // Two vmlinux functions called "dup" (static functions of different files).
    m.kallsyms.add('vmlinux', [{ name: 'dup' }, { name: 'dup' }]);
    m.addModule({
      name: 'sp',
      livepatch: true,
      symbols: [{ name: 'new_dup', body: () => 'sp:dup' }],
      init: (ctx) => ctx.enablePatch({ objects: [{ funcs: [{ oldName: 'dup', newFunc: 'new_dup', oldSympos: 2 }] }] }),
    });
    expect(await m.insmod('sp')).toBe(0);
    expect(m.readdir(sysfs('sp', 'vmlinux'))).toEqual(['dup,2', 'patched']);
    // §1.3: old_sympos N>0 is the N-th occurrence.
    const [first, second] = m.kallsyms.lookup('vmlinux', 'dup');
    expect([m.livepatch.isPatched(first ?? ''), m.livepatch.isPatched(second ?? '')]).toEqual([false, true]);
  });

  // §1.1 enabled / §1.8 transition: during a patching transition enabled=1 transition=1; during
  // an unpatching one enabled=0 transition=1.
  it('shows enabled and transition during both kinds of transition', async () => {
    addVmlinuxPatch(m, 'p', ['foo']);
    const sleeper = sleeperIn(m, kaddr(m, 'foo'));
    expect(await m.insmod('p')).toBe(0);
    m.advance(2000);
    expect([m.read(sysfs('p', 'enabled')), m.read(sysfs('p', 'transition'))]).toEqual(['1\n', '1\n']);
    sleeper.stack = [kaddr(m, replacementName('p', 'foo'), 'p')];
    m.advance(1000);
    expect(transition('p')).toBe(0);
    expect(await m.write(sysfs('p', 'enabled'), '0')).toBe(0);
    m.advance(2000);
    expect([m.read(sysfs('p', 'enabled')), m.read(sysfs('p', 'transition'))]).toEqual(['0\n', '1\n']);
  });
});

describe('/proc/PID/patch_state', () => {
  // §1.7: -1 idle, 0 unpatched, 1 patched, per task, during a transition; -1 again after it.
  it('is -1 when idle and 0/1 per task during a transition', async () => {
    addVmlinuxPatch(m, 'p', ['foo']);
    const blocker = sleeperIn(m, kaddr(m, 'foo'));
    const free = idleKthread(m);
    const state = (pid: number) => readInt(m, `/proc/${pid}/patch_state`);
    expect(m.scheduler.list().map((t) => state(t.pid))).toEqual(m.scheduler.list().map(() => -1));

    expect(await m.insmod('p')).toBe(0);
    m.advance(2000);
    expect(state(blocker.pid)).toBe(PatchState.Unpatched);
    expect(state(free.pid)).toBe(PatchState.Patched);

    blocker.stack = [];
    settle(m);
    expect(m.scheduler.list().map((t) => state(t.pid))).toEqual(m.scheduler.list().map(() => -1));

    // Unpatching: a task asleep in the new function stays patched (1), the others go to 0.
    blocker.stack = [kaddr(m, replacementName('p', 'foo'), 'p')];
    expect(await m.write(sysfs('p', 'enabled'), '0')).toBe(0);
    m.advance(2000);
    expect(state(blocker.pid)).toBe(PatchState.Patched);
    expect(state(free.pid)).toBe(PatchState.Unpatched);
  });
});

describe('the force file', () => {
  beforeEach(async () => {
    addVmlinuxPatch(m, 'idle', ['bar']);
    addVmlinuxPatch(m, 'p', ['foo']);
    expect(await m.insmod('idle')).toBe(0);
    settle(m);
  });

  // §2.6: writing 0 is a no-op success, even during a transition.
  it('accepts 0 as a no-op', async () => {
    expect(await m.write(sysfs('idle', 'force'), '0')).toBe(0);
    sleeperIn(m, kaddr(m, 'foo'));
    expect(await m.insmod('p')).toBe(0);
    m.advance(2000);
    const mark = m.log.mark;
    expect(await m.write(sysfs('p', 'force'), '0')).toBe(0);
    m.advance(3000);
    expect(transition('p')).toBe(1);
    expect(klpLinesSince(m, mark)).not.toContain(spec.M19);
    expect(m.livepatch.findPatch('p')?.forced).toBe(false);
  });

  // §2.6: writing 1 to a patch that is not the transition patch is -EINVAL.
  it('refuses 1 on a patch not in transition with -EINVAL', async () => {
    expect(await m.write(sysfs('idle', 'force'), '1')).toBe(-Errno.EINVAL);
    sleeperIn(m, kaddr(m, 'foo'));
    expect(await m.insmod('p')).toBe(0);
    expect(await m.write(sysfs('idle', 'force'), '1')).toBe(-Errno.EINVAL);
    expect(m.livepatch.findPatch('idle')?.forced).toBe(false);
    expect(transition('p')).toBe(1);
    expect(transition('idle')).toBe(0);
  });

  // §2.6: writing 1 to the transition patch forces it (M19); it completes at the next retry.
  it('forces the transition patch with 1', async () => {
    sleeperIn(m, kaddr(m, 'foo'));
    expect(await m.insmod('p')).toBe(0);
    m.advance(2000);
    const mark = m.log.mark;
    expect(await m.write(sysfs('p', 'force'), '1')).toBe(0);
    expect(klpLinesSince(m, mark)).toContain(spec.M19);
    m.advance(1000);
    expect(m.fs.exists(sysfs('p', ''))).toBe(true);
    expect(transition('p')).toBe(0);
  });
});
