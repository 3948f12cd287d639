import { beforeEach, describe, expect, it } from 'vitest';
import {
  addLivepatch,
  addVmlinuxPatch,
  idleKthread,
  kaddr,
  klpLinesSince,
  linesSince,
  Machine,
  newMachine,
  readInt,
  recorder,
  replacementName,
  settle,
  sleeperIn,
  spec,
  sysfs,
  type Task,
} from './support.js';

// Atomic replace over stacks of non-replace patches (semantics §2.8, §2.3 C2/T4, §2.9, §1.8).

let m: Machine;
let task: Task;
beforeEach(() => {
  m = newMachine();
  task = idleKthread(m);
});

const impl = (patch: string, func: string, object = patch) => kaddr(m, replacementName(patch, func), object);
const call = (func: string, object = 'vmlinux', as: Task = task) => m.call(as, kaddr(m, func, object));

async function install(...names: string[]): Promise<void> {
  for (const name of names) {
    expect(await m.insmod(name)).toBe(0);
    settle(m);
    expect(m.livepatch.transitionPatch).toBeNull();
  }
}

describe('nops', () => {
  beforeEach(async () => {
    m.addModule({ name: 'tgt', symbols: [{ name: 'tgt_fn', body: () => 'tgt:original' }] });
    expect(await m.insmod('tgt')).toBe(0);
    addLivepatch(m, 'p1', { objects: [{ funcs: ['foo'] }, { name: 'tgt', funcs: ['tgt_fn'] }] });
    addVmlinuxPatch(m, 'p2', ['bar']);
    addVmlinuxPatch(m, 'r', ['baz'], { replace: true });
    await install('p1', 'p2');
    expect(call('foo')).toBe('p1:foo');
    expect(call('tgt_fn', 'tgt')).toBe('p1:tgt_fn');
  });

  // §2.8 klp_add_nops: one nop per function an older patch patches and the new one does not, in a
  // dynamic object when the new patch has no such object; they are pushed like normal funcs and
  // get sysfs directories like any object/func (§1.8, E10c).
  it('are added for every function the replace patch drops, in dynamic objects when needed', async () => {
    sleeperIn(m, impl('p1', 'foo'));
    expect(await m.insmod('r')).toBe(0);
    m.advance(2000);
    const r = m.livepatch.findPatch('r');
    expect(r?.objects.map((o) => [o.name, o.dynamic])).toEqual([
      [null, false],
      ['tgt', true],
    ]);
    const vmlinuxFuncs = r?.objects[0]?.funcs.map((f) => [f.oldName, f.nop]);
    expect(vmlinuxFuncs).toEqual(expect.arrayContaining([['baz', false], ['foo', true], ['bar', true]]));
    expect(vmlinuxFuncs).toHaveLength(3);
    expect(r?.objects[1]?.funcs.map((f) => [f.oldName, f.nop])).toEqual([['tgt_fn', true]]);
    // A nop's new_func is its old_func (§1.3).
    expect(r?.objects[1]?.funcs[0]?.newFunc).toBe(kaddr(m, 'tgt_fn', 'tgt'));
    expect(m.livepatch.funcStack(kaddr(m, 'tgt_fn', 'tgt')).map((f) => f.nop)).toEqual([true, false]);
    expect(m.fs.exists(sysfs('r', 'tgt/tgt_fn,1'))).toBe(true);
  });

  // §2.3 C2 / §2.8: at completion the nops are popped and freed (the dynamic object goes) and,
  // with the replaced patches unpatched, the original code runs for the dropped functions.
  it('leave the original code running once the replace completes', async () => {
    await install('r');
    expect(call('foo')).toBeUndefined();
    expect(call('bar')).toBeUndefined();
    expect(call('tgt_fn', 'tgt')).toBe('tgt:original');
    expect(call('baz')).toBe('r:baz');
    for (const f of ['foo', 'bar']) expect(m.livepatch.isPatched(kaddr(m, f))).toBe(false);
    expect(m.livepatch.isPatched(kaddr(m, 'tgt_fn', 'tgt'))).toBe(false);
    const r = m.livepatch.findPatch('r');
    expect(r?.objects.map((o) => o.name)).toEqual([null]);
    expect(r?.objects.flatMap((o) => o.funcs.map((f) => f.oldName))).toEqual(['baz']);
    expect(m.fs.exists(sysfs('r', 'tgt'))).toBe(false);
    expect(m.readdir(sysfs('r', 'vmlinux'))).toEqual(['baz,1', 'patched']);
  });
});

describe('nops and older patches sharing a function', () => {
  // §2.8: a nop added for the first old patch also satisfies later old patches (one per function).
  it('adds a single nop for a function several older patches patch', async () => {
    addVmlinuxPatch(m, 'p1', ['foo']);
    addVmlinuxPatch(m, 'p2', ['foo']);
    addVmlinuxPatch(m, 'r', ['bar'], { replace: true });
    await install('p1', 'p2');
    sleeperIn(m, impl('p2', 'foo'));
    expect(await m.insmod('r')).toBe(0);
    const funcs = m.livepatch.findPatch('r')?.objects.flatMap((o) => o.funcs.map((f) => [f.oldName, f.nop]));
    expect(funcs).toEqual([
      ['bar', false],
      ['foo', true],
    ]);
    expect(m.livepatch.funcStack(kaddr(m, 'foo')).map((f) => f.nop)).toEqual([true, false, false]);
  });

  // §2.3 C2 runs only when the target is PATCHED; §2.5: a reversed replace unpatches only its own
  // funcs (nops included), the older patches stay enabled and running.
  it('leaves the older patches in place when the replace is reversed', async () => {
    addVmlinuxPatch(m, 'p1', ['foo']);
    addVmlinuxPatch(m, 'r', ['bar'], { replace: true });
    await install('p1');
    const sleeper = sleeperIn(m, impl('p1', 'foo'));
    expect(await m.insmod('r')).toBe(0);
    m.advance(2000);
    expect(await m.write(sysfs('r', 'enabled'), '0')).toBe(0);
    sleeper.stack = [];
    settle(m);
    expect(m.livepatch.transitionPatch).toBeNull();
    expect(m.livepatch.patches.map((p) => [p.name, p.enabled])).toEqual([['p1', true]]);
    expect(m.livepatch.funcStack(kaddr(m, 'foo')).map((f) => f.newFunc)).toEqual([impl('p1', 'foo')]);
    expect(call('foo')).toBe('p1:foo');
    expect(call('bar')).toBeUndefined();
    expect(await m.rmmod('r')).toBe(0);
  });
});

describe('the patches being replaced', () => {
  const calls: string[] = [];
  beforeEach(async () => {
    calls.length = 0;
    addVmlinuxPatch(m, 'p1', ['foo'], { callbacks: recorder(calls, 'p1') });
    addVmlinuxPatch(m, 'p2', ['foo', 'bar'], { callbacks: recorder(calls, 'p2') });
    addVmlinuxPatch(m, 'r', ['foo'], { replace: true, callbacks: recorder(calls, 'r') });
    await install('p1', 'p2');
    calls.length = 0;
  });

  // §2.8 / cumulative-patches.rst: only the new patch's callbacks run; none of the replaced ones.
  it('run none of their callbacks; only the replace patch runs its own', async () => {
    await install('r');
    expect(calls).toEqual(['r:pre_patch:vmlinux', 'r:post_patch:vmlinux']);
  });

  // §2.3 C2/T4: the replaced patches are disabled, unpatched and freed at completion: sysfs dirs
  // gone, out of klp_patches, module reference dropped, rmmod silent.
  it('are unpatched and freed at completion, and their modules removable silently', async () => {
    const p1 = m.livepatch.findPatch('p1');
    const p2 = m.livepatch.findPatch('p2');
    const mark = m.log.mark;
    await install('r');
    expect(p1?.enabled).toBe(false);
    expect(p2?.enabled).toBe(false);
    expect(m.livepatch.patches.map((p) => p.name)).toEqual(['r']);
    expect(readInt(m, sysfs('r', 'stack_order'))).toBe(1);
    expect(m.readdir('/sys/kernel/livepatch')).toEqual(['r']);
    for (const p of ['p1', 'p2']) {
      expect(m.fs.exists(sysfs(p, ''))).toBe(false);
      expect(readInt(m, `/sys/module/${p}/refcnt`)).toBe(0);
    }
    // No unpatching lines for the replaced patches: only the replace patch's own transition.
    expect(klpLinesSince(m, mark).filter((l) => l.includes("'p1'") || l.includes("'p2'"))).toEqual([]);
    expect(klpLinesSince(m, mark)).toEqual(expect.arrayContaining([spec.M5('r', 'patching')]));
    expect(m.livepatch.funcStack(kaddr(m, 'foo')).map((f) => f.newFunc)).toEqual([impl('r', 'foo')]);
    expect(call('foo')).toBe('r:foo');
    expect(call('bar')).toBeUndefined();

    const rmmodMark = m.log.mark;
    expect(await m.rmmod('p1')).toBe(0);
    expect(await m.rmmod('p2')).toBe(0);
    expect(linesSince(m, rmmodMark)).toEqual([]);
    expect(calls).toEqual(['r:pre_patch:vmlinux', 'r:post_patch:vmlinux']);
  });

  // §2.8: replaced patches cannot be re-enabled; reloading the module creates a new instance.
  it('come back only as a new patch instance when their module is loaded again', async () => {
    await install('r');
    expect(await m.rmmod('p1')).toBe(0);
    await install('p1');
    expect(m.livepatch.patches.map((p) => p.name)).toEqual(['r', 'p1']);
    expect(readInt(m, sysfs('p1', 'stack_order'))).toBe(2);
    expect(call('foo')).toBe('p1:foo');
  });
});

describe('non-replace patches on top of a replace patch', () => {
  // §2.8: non-replace patches may be stacked on top of a replace patch; a later replace replaces
  // all of them.
  it('stack on top, and a later replace patch replaces them all', async () => {
    addVmlinuxPatch(m, 'r1', ['foo'], { replace: true });
    addVmlinuxPatch(m, 'n1', ['foo', 'bar']);
    addVmlinuxPatch(m, 'n2', ['bar']);
    addVmlinuxPatch(m, 'r2', ['baz'], { replace: true });
    await install('r1', 'n1', 'n2');
    expect(m.livepatch.patches.map((p) => [p.name, p.enabled])).toEqual([
      ['r1', true],
      ['n1', true],
      ['n2', true],
    ]);
    expect(call('foo')).toBe('n1:foo');
    expect(call('bar')).toBe('n2:bar');
    expect(m.livepatch.funcStack(kaddr(m, 'foo')).map((f) => f.newFunc)).toEqual([impl('n1', 'foo'), impl('r1', 'foo')]);

    await install('r2');
    expect(m.livepatch.patches.map((p) => p.name)).toEqual(['r2']);
    expect(call('foo')).toBeUndefined();
    expect(call('bar')).toBeUndefined();
    expect(call('baz')).toBe('r2:baz');
    for (const p of ['r1', 'n1', 'n2']) {
      expect(m.fs.exists(sysfs(p, ''))).toBe(false);
      expect(await m.rmmod(p)).toBe(0);
    }
  });
});
