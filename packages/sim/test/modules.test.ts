import { beforeEach, describe, expect, it } from 'vitest';
import { Errno, type ObjectCallbacks } from '@patchwise/core';
import {
  addLivepatch,
  addVmlinuxPatch,
  idleKthread,
  kaddr,
  linesSince,
  Machine,
  newMachine,
  readInt,
  replacementName,
  settle,
  sleeperIn,
  spec,
  sysfs,
  type ModuleContext,
  type Task,
} from './support.js';

// Target modules coming and going while patches are installed, and module-loader errors
// (semantics §2.7, §4, §2.4 refcount).

let m: Machine;
let task: Task;
beforeEach(() => {
  m = newMachine();
  task = idleKthread(m);
  m.addModule({
    name: 'tgt',
    symbols: [{ name: 'tgt_fn', body: () => 'tgt:original' }],
    init: (ctx) => ctx.print('tgt_init'),
    exit: (ctx) => ctx.print('tgt_exit'),
  });
});

/** Callbacks printing `<patch>: <callback>: <object>[ -> <module state>]` into the log. */
const printing =
  (prePatchRet = 0) =>
  (ctx: ModuleContext): ObjectCallbacks => {
    const say = (cb: string) => (c: { objectName: string; moduleState: string | null }) =>
      ctx.print(`${cb}: ${c.objectName}${c.moduleState ? ` -> ${c.moduleState}` : ''}`);
    return {
      prePatch: (c) => {
        say('pre_patch')(c);
        return prePatchRet;
      },
      postPatch: say('post_patch'),
      preUnpatch: say('pre_unpatch'),
      postUnpatch: say('post_unpatch'),
    };
  };

/** A livepatch of vmlinux `foo` and `tgt`'s `tgt_fn`, both objects with printing callbacks. */
function addTargetPatch(name: string, prePatchRet = 0): void {
  addLivepatch(m, name, {
    objects: [
      { funcs: ['foo'], callbacks: printing() },
      { name: 'tgt', funcs: ['tgt_fn'], callbacks: printing(prePatchRet) },
    ],
  });
}

const callTgt = (as: Task = task) => m.call(as, kaddr(m, 'tgt_fn', 'tgt'));
const transition = (p: string) => readInt(m, sysfs(p, 'transition'));
/** Log lines since `mark` that are livepatch lines or printed by patch/target modules. */
const relevant = (mark: number) =>
  linesSince(m, mark).filter((l) => /^(livepatch|p|p1|p2|tgt): /.test(l) && !l.includes('tainting kernel'));

describe('a target module loading', () => {
  // §2.7 notes: an enabled, idle patch patches a coming module at once for every task; pre_patch
  // and post_patch run before the module's init (state COMING).
  it('is patched immediately by an enabled patch, callbacks before its init', async () => {
    addTargetPatch('p');
    expect(await m.insmod('p')).toBe(0);
    settle(m);
    const mark = m.log.mark;
    expect(await m.insmod('tgt')).toBe(0);
    expect(relevant(mark)).toEqual([
      spec.M11('p', 'tgt'),
      'p: pre_patch: tgt -> COMING',
      'p: post_patch: tgt -> COMING',
      'tgt: tgt_init',
    ]);
    expect(callTgt()).toBe('p:tgt_fn');
    expect(readInt(m, sysfs('p', 'tgt/patched'))).toBe(1);
  });

  // §2.7 note: during an unpatching transition a coming module is still patched (pre_patch + patch,
  // no post_patch), per-task semantics apply, and at completion it gets post_unpatch (C7).
  it('during an unpatching transition is patched without post_patch, and gets post_unpatch at completion', async () => {
    addTargetPatch('p');
    expect(await m.insmod('p')).toBe(0);
    settle(m);
    const sleeper = sleeperIn(m, kaddr(m, replacementName('p', 'foo'), 'p'));
    expect(await m.write(sysfs('p', 'enabled'), '0')).toBe(0);
    m.advance(2000);
    expect(transition('p')).toBe(1);

    let mark = m.log.mark;
    expect(await m.insmod('tgt')).toBe(0);
    expect(relevant(mark)).toEqual([spec.M11('p', 'tgt'), 'p: pre_patch: tgt -> COMING', 'tgt: tgt_init']);
    expect(readInt(m, sysfs('p', 'tgt/patched'))).toBe(1);
    expect(m.livepatch.isPatched(kaddr(m, 'tgt_fn', 'tgt'))).toBe(true);
    // The sleeper is still patched, the free task already unpatched (§2.9).
    expect(callTgt(sleeper)).toBe('p:tgt_fn');
    expect(callTgt(task)).toBe('tgt:original');

    sleeper.stack = [];
    mark = m.log.mark;
    settle(m);
    expect(relevant(mark)).toEqual([
      spec.M4('p', 'unpatching'),
      'p: post_unpatch: vmlinux',
      'p: post_unpatch: tgt -> LIVE',
      spec.M5('p', 'unpatching'),
    ]);
    expect(m.livepatch.isPatched(kaddr(m, 'tgt_fn', 'tgt'))).toBe(false);
    expect(callTgt(sleeper)).toBe('tgt:original');
  });

  // §2.7 ERR / §4: a pre_patch failure refuses the module: M8 (object name), M13, insmod returns
  // that errno; the patches before the failing one are cleaned up (pre_unpatch — not the transition
  // patch —, M12, post_unpatch); the failing patch gets no post_unpatch; the module's init never runs.
  it('is refused when a pre_patch fails, and the patches before it are cleaned up', async () => {
    addLivepatch(m, 'p1', { objects: [{ name: 'tgt', funcs: ['tgt_fn'], callbacks: printing() }] });
    addLivepatch(m, 'p2', { objects: [{ name: 'tgt', funcs: [], callbacks: printing(-Errno.ENODEV) }] });
    for (const p of ['p1', 'p2']) {
      expect(await m.insmod(p)).toBe(0);
      settle(m);
    }
    const mark = m.log.mark;
    expect(await m.insmod('tgt')).toBe(-Errno.ENODEV);
    expect(relevant(mark).map((l) => l.replace(/ -> \w+$/, ''))).toEqual([
      spec.M11('p1', 'tgt'),
      'p1: pre_patch: tgt',
      'p1: post_patch: tgt',
      spec.M11('p2', 'tgt'),
      'p2: pre_patch: tgt',
      spec.M8('tgt'),
      spec.M13('p2', 'tgt'),
      'p1: pre_unpatch: tgt',
      spec.M12('p1', 'tgt'),
      'p1: post_unpatch: tgt',
    ]);
    expect(m.modules.find('tgt')).toBeUndefined();
    expect(m.fs.exists('/sys/module/tgt')).toBe(false);
    expect(readInt(m, sysfs('p1', 'tgt/patched'))).toBe(0);
    expect(m.livepatch.funcStacks().size).toBe(0);

    // Nothing stale is left: without p2 the module loads and p1 patches it again.
    expect(await m.write(sysfs('p2', 'enabled'), '0')).toBe(0);
    settle(m);
    expect(await m.insmod('tgt')).toBe(0);
    expect(callTgt()).toBe('p1:tgt_fn');
  });
});

describe('a target module going', () => {
  // §2.7 going: after the module's exit, pre_unpatch (patch not in transition), M12, post_unpatch;
  // callbacks see GOING; the object is unpatched at once.
  it('runs pre_unpatch, M12 and post_unpatch after its exit', async () => {
    addTargetPatch('p');
    expect(await m.insmod('p')).toBe(0);
    settle(m);
    expect(await m.insmod('tgt')).toBe(0);
    const mark = m.log.mark;
    expect(await m.rmmod('tgt')).toBe(0);
    expect(relevant(mark)).toEqual([
      'tgt: tgt_exit',
      'p: pre_unpatch: tgt -> GOING',
      spec.M12('p', 'tgt'),
      'p: post_unpatch: tgt -> GOING',
    ]);
    expect(readInt(m, sysfs('p', 'tgt/patched'))).toBe(0);
    expect(m.livepatch.findPatch('p')?.enabled).toBe(true);
  });

  // §2.7 going: no pre_unpatch for the patch in transition; at completion (C7) the object, no
  // longer loaded, gets no post_patch.
  it('runs no pre_unpatch for the patch in transition', async () => {
    addTargetPatch('p');
    expect(await m.insmod('tgt')).toBe(0);
    const sleeper = sleeperIn(m, kaddr(m, 'foo'));
    expect(await m.insmod('p')).toBe(0);
    m.advance(2000);
    expect(transition('p')).toBe(1);
    let mark = m.log.mark;
    expect(await m.rmmod('tgt')).toBe(0);
    expect(relevant(mark)).toEqual(['tgt: tgt_exit', spec.M12('p', 'tgt'), 'p: post_unpatch: tgt -> GOING']);
    sleeper.stack = [];
    mark = m.log.mark;
    settle(m);
    expect(relevant(mark)).toEqual([spec.M4('p', 'patching'), 'p: post_patch: vmlinux', spec.M5('p', 'patching')]);
  });
});

describe('module loader errors', () => {
  // §2.7 / §4: a module named vmlinux is refused with M23 (pr_err) and -EINVAL.
  it('refuses a module named vmlinux with M23 and -EINVAL', async () => {
    m.addModule({ name: 'vmlinux', symbols: [{ name: 'fake_vmlinux_fn' }] });
    const mark = m.log.mark;
    expect(await m.insmod('vmlinux')).toBe(-Errno.EINVAL);
    expect(m.log.records(mark).map((r) => [r.level, r.text])).toContainEqual(['err', spec.M23]);
    expect(m.modules.find('vmlinux')).toBeUndefined();
  });

  // §2.7: the refusal concerns only the bogus module: the kernel's own functions are untouched and
  // can still be patched.
  it('leaves the kernel intact after refusing a module named vmlinux', async () => {
    m.addModule({ name: 'vmlinux', symbols: [{ name: 'fake_vmlinux_fn' }] });
    expect(await m.insmod('vmlinux')).toBe(-Errno.EINVAL);
    expect(m.kallsyms.address('vmlinux', 'foo')).toBeDefined();
    addVmlinuxPatch(m, 'p', ['foo']);
    expect(await m.insmod('p')).toBe(0);
    settle(m);
    expect(m.callSymbol(task, 'foo')).toBe('p:foo');
  });

  // kernel/params.c: a value that does not parse fails the load with -EINVAL, and the message quotes
  // value and name between a backtick and an apostrophe; an unknown parameter is only a warning, in
  // the module loader's own quoting (apostrophes alone).
  it('refuses a bad parameter value with -EINVAL, quoted as kernel/params.c quotes it', async () => {
    m.addModule({ name: 'knobs', params: { verbose: { type: 'bool', perm: 0o644 } } });
    const mark = m.log.mark;
    expect(await m.insmod('knobs', 'colour=red verbose=maybe')).toBe(-Errno.EINVAL);
    expect(linesSince(m, mark)).toEqual(["knobs: unknown parameter 'colour' ignored", "knobs: `maybe' invalid for parameter `verbose'"]);
    expect(m.modules.find('knobs')).toBeUndefined();
  });

  // §4 "Enabling twice": module layer errors.
  it('returns -ENOENT for an unknown module and -EEXIST for a loaded one', async () => {
    expect(await m.insmod('no_such_module')).toBe(-Errno.ENOENT);
    expect(await m.insmod('tgt')).toBe(0);
    expect(await m.insmod('tgt')).toBe(-Errno.EEXIST);
    addVmlinuxPatch(m, 'p', ['foo']);
    expect(await m.insmod('p')).toBe(0);
    expect(await m.insmod('p')).toBe(-Errno.EEXIST);
    expect(m.livepatch.patches.map((p) => p.name)).toEqual(['p']);
  });

  // §2.4 / §4: an enabled or in-transition livepatch holds its module reference (E8): rmmod -EBUSY;
  // after a completed disable the reference is dropped and rmmod succeeds.
  it('refuses rmmod of a livepatch in use with -EBUSY', async () => {
    addVmlinuxPatch(m, 'p', ['foo']);
    const sleeper = sleeperIn(m, kaddr(m, 'foo'));
    expect(await m.insmod('p')).toBe(0);
    expect(readInt(m, '/sys/module/p/refcnt')).toBe(1);
    expect(await m.rmmod('p')).toBe(-Errno.EBUSY); // in transition
    sleeper.stack = [];
    settle(m);
    expect(await m.rmmod('p')).toBe(-Errno.EBUSY); // enabled
    expect(await m.write(sysfs('p', 'enabled'), '0')).toBe(0);
    settle(m);
    expect(readInt(m, '/sys/module/p/refcnt')).toBe(0);
    expect(await m.rmmod('p')).toBe(0);
    expect(m.fs.exists('/sys/module/p')).toBe(false);
  });
});
