/**
 * When scoped callbacks run on enable, disable, a failed enable and reversed transitions, on the
 * simulated machine, asserted on the kernel log.
 */
import { describe, expect, it } from 'vitest';
import { boot, loggingIds, loggingObjectCallbacks, patch, sleeper } from './support.js';

const scoped = (lines: readonly string[]) => lines.filter((l) => !l.startsWith('livepatch:'));

describe('enable', () => {
  it('runs pre/post-patch only for IDs no installed patch carries, around the per-object callbacks', async () => {
    const p2 = patch('p2', loggingIds(['x', 'y']), {
      functions: undefined,
      objects: [{ name: 'vmlinux', functions: ['cmdline_proc_show'], callbacks: loggingObjectCallbacks(['object']) }],
    });
    const { step, enable } = boot([patch('p1', loggingIds(['x'])), p2]);
    await step(() => enable('p1'));
    expect(await step(() => enable('p2'))).toEqual([
      "livepatch: enabling patch 'p2'",
      "livepatch: 'p2': initializing patching transition",
      "patchwise: scoped-callbacks: pre-patch 'y' of 'p2'",
      'p2: pre-patch y',
      'p2: pre-patch object',
      "livepatch: 'p2': starting patching transition",
      "livepatch: 'p2': completing patching transition",
      'p2: post-patch object',
      "patchwise: scoped-callbacks: post-patch 'y' of 'p2'",
      'p2: post-patch y',
      "livepatch: 'p2': patching complete",
    ]);
  });

  it('prints nothing for an ID without a callback at that stage, and still tracks it', async () => {
    const { step, enable, disable } = boot([patch('p1', { x: { postUnpatch: [{ log: 'x gone' }] } })]);
    expect(scoped(await step(() => enable('p1')))).toEqual(['p1: tainting kernel with TAINT_LIVEPATCH']);
    expect(scoped(await step(() => disable('p1')))).toEqual(["patchwise: scoped-callbacks: post-unpatch 'x' of 'p1'", 'p1: x gone']);
  });

  it('a failing pre-patch cancels the enable; post-unpatch runs only for the IDs whose pre-patch succeeded', async () => {
    const p1 = patch('p1', {
      ...loggingIds(['a']),
      b: { prePatch: [{ log: 'pre-patch b' }, { fail: 'ENODEV' }], postUnpatch: [{ log: 'post-unpatch b' }] },
      ...loggingIds(['c']),
    });
    const { step, enable, machine } = boot([p1]);
    expect(await step(() => enable('p1'), -19)).toEqual([
      'p1: tainting kernel with TAINT_LIVEPATCH',
      "livepatch: enabling patch 'p1'",
      "livepatch: 'p1': initializing patching transition",
      "patchwise: scoped-callbacks: pre-patch 'a' of 'p1'",
      'p1: pre-patch a',
      "patchwise: scoped-callbacks: pre-patch 'b' of 'p1'",
      'p1: pre-patch b',
      "patchwise: scoped-callbacks: pre-patch callback failed for patch 'p1' (-19)",
      "livepatch: failed to enable patch 'p1'",
      "livepatch: 'p1': canceling patching transition, going to unpatch",
      "livepatch: 'p1': completing unpatching transition",
      "patchwise: scoped-callbacks: post-unpatch 'a' of 'p1'",
      'p1: post-unpatch a',
      "livepatch: 'p1': unpatching complete",
    ]);
    expect(machine.livepatch.patches).toHaveLength(0);
  });

  it('a failing per-object pre-patch cancels too: the scoped IDs that ran get their post-unpatch', async () => {
    const p1 = patch('p1', loggingIds(['a']), {
      functions: undefined,
      objects: [{ name: 'vmlinux', functions: ['cmdline_proc_show'], callbacks: { prePatch: [{ fail: -22 }] } }],
    });
    const { step, enable } = boot([p1]);
    expect(scoped(await step(() => enable('p1'), -22))).toEqual([
      'p1: tainting kernel with TAINT_LIVEPATCH',
      "patchwise: scoped-callbacks: pre-patch 'a' of 'p1'",
      'p1: pre-patch a',
      "patchwise: scoped-callbacks: post-unpatch 'a' of 'p1'",
      'p1: post-unpatch a',
    ]);
  });
});

describe('disable', () => {
  it('runs pre/post-unpatch only for IDs no remaining patch carries, with the disabled patch’s implementation', async () => {
    const { step, enable, disable } = boot([patch('p1', loggingIds(['x', 'y'])), patch('p2', loggingIds(['y']))]);
    await step(() => enable('p1'));
    await step(() => enable('p2'));
    expect(await step(() => disable('p1'))).toEqual([
      "livepatch: 'p1': initializing unpatching transition",
      "patchwise: scoped-callbacks: pre-unpatch 'x' of 'p1'",
      'p1: pre-unpatch x',
      "livepatch: 'p1': starting unpatching transition",
      "livepatch: 'p1': completing unpatching transition",
      "patchwise: scoped-callbacks: post-unpatch 'x' of 'p1'",
      'p1: post-unpatch x',
      "livepatch: 'p1': unpatching complete",
    ]);
    expect(scoped(await step(() => disable('p2')))).toEqual([
      "patchwise: scoped-callbacks: pre-unpatch 'y' of 'p2'",
      'p2: pre-unpatch y',
      "patchwise: scoped-callbacks: post-unpatch 'y' of 'p2'",
      'p2: post-unpatch y',
    ]);
  });

  it('a blocked disable is refused before any callback runs', async () => {
    const { step, disable, enable, machine } = boot([patch('p1', { ...loggingIds(['x']), keep: { blockDisable: true } })]);
    await step(() => enable('p1'));
    expect(await step(() => disable('p1'), -1)).toEqual([
      "patchwise: scoped-callbacks: disable-blocked: patch 'p1' may not be disabled: it carries scoped-callback IDs marked `blockDisable`: keep",
      "patchwise: refusing to disable patch 'p1'",
    ]);
    expect(machine.livepatch.findPatch('p1')?.enabled).toBe(true);
  });

  it('with `blockDisable: ignore` the blocking ID unpatches like any other', async () => {
    const keep = { ...loggingIds(['keep']).keep, blockDisable: true };
    const { step, disable, enable } = boot([patch('p1', { keep })], { options: { blockDisable: 'ignore' } });
    await step(() => enable('p1'));
    expect(scoped(await step(() => disable('p1')))).toEqual([
      "patchwise: scoped-callbacks: pre-unpatch 'keep' of 'p1'",
      'p1: pre-unpatch keep',
      "patchwise: scoped-callbacks: post-unpatch 'keep' of 'p1'",
      'p1: post-unpatch keep',
    ]);
  });
});

describe('reverse', () => {
  it('a reversed enable runs no pre-unpatch, and post-unpatch for the IDs whose pre-patch ran', async () => {
    const { step, enable, disable, machine } = boot([patch('p1', loggingIds(['x'])), patch('p2', loggingIds(['x', 'y']))]);
    await step(() => enable('p1'));
    // Asleep in p1's function, which p2 replaces: p2's patching transition cannot finish.
    sleeper(machine, 'livepatch_cmdline_proc_show', 'p1');
    await step(() => enable('p2'));
    expect(machine.livepatch.transitionPatch?.name).toBe('p2');
    expect(await step(() => disable('p2'))).toEqual([
      "livepatch: 'p2': reversing transition from patching to unpatching",
      "livepatch: 'p2': starting unpatching transition",
      "livepatch: 'p2': completing unpatching transition",
      "patchwise: scoped-callbacks: post-unpatch 'y' of 'p2'",
      'p2: post-unpatch y',
      "livepatch: 'p2': unpatching complete",
    ]);
    expect(machine.livepatch.patches.map((p) => p.name)).toEqual(['p1']);
  });

  it('a reversed disable runs post-patch again for the IDs whose pre-unpatch ran', async () => {
    const { step, enable, disable, machine } = boot([patch('p1', loggingIds(['x'])), patch('p2', loggingIds(['x', 'y']))]);
    await step(() => enable('p1'));
    await step(() => enable('p2'));
    // Asleep in p2's own function: p2's unpatching transition cannot finish.
    sleeper(machine, 'livepatch_cmdline_proc_show', 'p2');
    expect(scoped(await step(() => disable('p2')))).toEqual(["patchwise: scoped-callbacks: pre-unpatch 'y' of 'p2'", 'p2: pre-unpatch y']);
    expect(await step(() => machine.write('/sys/kernel/livepatch/p2/enabled', '1'))).toEqual([
      "livepatch: 'p2': reversing transition from unpatching to patching",
      "livepatch: 'p2': starting patching transition",
      "livepatch: 'p2': completing patching transition",
      "patchwise: scoped-callbacks: post-patch 'y' of 'p2'",
      'p2: post-patch y',
      "livepatch: 'p2': patching complete",
    ]);
    expect(machine.livepatch.findPatch('p2')?.enabled).toBe(true);
  });

  it('an enable reversed twice completes like a plain enable: post-patch for the IDs whose pre-patch ran', async () => {
    const { step, enable, disable, machine } = boot([patch('p1', loggingIds(['x']))]);
    // Asleep in the function p1 replaces: p1's patching transition waits for it.
    const task = sleeper(machine, 'cmdline_proc_show');
    expect(scoped(await step(() => enable('p1')))).toEqual([
      'p1: tainting kernel with TAINT_LIVEPATCH',
      "patchwise: scoped-callbacks: pre-patch 'x' of 'p1'",
      'p1: pre-patch x',
    ]);
    const mark = machine.log.mark;
    expect(await disable('p1')).toBe(0);
    expect(await machine.write('/sys/kernel/livepatch/p1/enabled', '1')).toBe(0);
    machine.kill(task);
    machine.advance(2000);
    expect(machine.log.records(mark).map((r) => r.text)).toEqual([
      "livepatch: 'p1': reversing transition from patching to unpatching",
      "livepatch: 'p1': starting unpatching transition",
      "livepatch: 'p1': reversing transition from unpatching to patching",
      "livepatch: 'p1': starting patching transition",
      "livepatch: 'p1': completing patching transition",
      "patchwise: scoped-callbacks: post-patch 'x' of 'p1'",
      'p1: post-patch x',
      "livepatch: 'p1': patching complete",
    ]);
  });

  it('a reversed atomic replace restores the dropped IDs with post-patch and unpatches the new ones', async () => {
    const { step, enable, disable, machine } = boot([patch('A', loggingIds(['x', 'y'])), patch('B', loggingIds(['y', 'z']), { replace: true })]);
    await step(() => enable('A'));
    sleeper(machine, 'livepatch_cmdline_proc_show', 'A');
    expect(scoped(await step(() => enable('B')))).toEqual([
      "patchwise: scoped-callbacks: pre-patch 'z' of 'B'",
      'B: pre-patch z',
      "patchwise: scoped-callbacks: pre-unpatch 'x' of 'A' (replaced by 'B')",
      'A: pre-unpatch x',
    ]);
    expect(await step(() => disable('B'))).toEqual([
      "livepatch: 'B': reversing transition from patching to unpatching",
      "livepatch: 'B': starting unpatching transition",
      "livepatch: 'B': completing unpatching transition",
      "patchwise: scoped-callbacks: post-patch 'x' of 'A' (replace by 'B' undone)",
      'A: post-patch x',
      "patchwise: scoped-callbacks: post-unpatch 'z' of 'B'",
      'B: post-unpatch z',
      "livepatch: 'B': unpatching complete",
    ]);
    expect(machine.livepatch.patches.map((p) => p.name)).toEqual(['A']);
  });

  it('reversing the enable of a patch with a blocking ID is refused', async () => {
    const { step, enable, disable, machine } = boot([patch('p1', { keep: { blockDisable: true } })]);
    sleeper(machine, 'cmdline_proc_show');
    await step(() => enable('p1'));
    expect(await step(() => disable('p1'), -1)).toEqual([
      "patchwise: scoped-callbacks: disable-blocked: patch 'p1' may not be disabled: it carries scoped-callback IDs marked `blockDisable`: keep",
      "patchwise: refusing to reverse the transition of patch 'p1'",
    ]);
    expect(machine.livepatch.transitionPatch?.name).toBe('p1');
  });
});
