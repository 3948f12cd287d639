/**
 * Scoped callbacks as functions (TypeScript patches) and as actions with shadow variables.
 */
import { describe, expect, it } from 'vitest';
import { Errno, type PatchDefinition } from '@patchwise/core';
import { applyPolicies } from '@patchwise/policy';
import { Machine } from '@patchwise/sim';
import scopedCallbacks, { type ScopedCallbackContext, type ScopedCallbacksById } from '@patchwise/plugin-scoped-callbacks';
import { boot, patch } from './support.js';

/** Every call, as `stage id of patch for transition (reason)`. */
function recorder() {
  const calls: string[] = [];
  const contexts: ScopedCallbackContext[] = [];
  const record = (ctx: ScopedCallbackContext) => {
    contexts.push(ctx);
    calls.push(`${ctx.stage} ${ctx.id} of ${ctx.patch.name} for ${ctx.transition.name} (${ctx.reason})`);
  };
  const fns = { prePatch: record, postPatch: record, preUnpatch: record, postUnpatch: record };
  return { calls, contexts, fns };
}

describe('function callbacks', () => {
  it('receive the ID, the stage, the reason, the implementing and the transition patch, and the kernel', async () => {
    const { calls, contexts, fns } = recorder();
    const { step, enable, disable, machine } = boot([
      patch('A', { x: fns, y: fns }),
      patch('B', { y: fns, z: fns }, { replace: true }),
    ]);
    await step(() => enable('A'));
    await step(() => enable('B'));
    await step(() => disable('B'));
    expect(calls).toEqual([
      'prePatch x of A for A (enable)',
      'prePatch y of A for A (enable)',
      'postPatch x of A for A (enable)',
      'postPatch y of A for A (enable)',
      'prePatch z of B for B (enable)',
      'preUnpatch x of A for B (enable)',
      'postUnpatch x of A for B (enable)',
      'postPatch z of B for B (enable)',
      'preUnpatch y of B for B (disable)',
      'preUnpatch z of B for B (disable)',
      'postUnpatch y of B for B (disable)',
      'postUnpatch z of B for B (disable)',
    ]);
    expect(contexts[0]?.kernel.shadow).toBe(machine.livepatch.shadow);
  });

  it('a pre-patch returning a negative errno fails the enable with it', async () => {
    const { calls, fns } = recorder();
    const { step, enable, machine } = boot([patch('p1', { a: fns, b: { ...fns, prePatch: () => -Errno.EBUSY }, c: fns })]);
    const lines = await step(() => enable('p1'), -Errno.EBUSY);
    expect(lines).toContain("patchwise: scoped-callbacks: pre-patch callback failed for patch 'p1' (-16)");
    expect(calls).toEqual(['prePatch a of p1 for p1 (enable)', 'postUnpatch a of p1 for p1 (cancel)']);
    expect(machine.livepatch.patches).toHaveLength(0);
  });

  it('a pre-patch returning 0, nothing or a positive number goes on', async () => {
    const { calls, fns } = recorder();
    const ok = (ret: number | undefined) => ({ ...fns, prePatch: (ctx: ScopedCallbackContext) => (fns.prePatch(ctx), ret) });
    const { step, enable } = boot([patch('p1', { a: ok(0), b: ok(undefined), c: ok(1) })]);
    await step(() => enable('p1'));
    expect(calls.filter((c) => c.startsWith('postPatch'))).toEqual([
      'postPatch a of p1 for p1 (enable)',
      'postPatch b of p1 for p1 (enable)',
      'postPatch c of p1 for p1 (enable)',
    ]);
  });

  it('a throwing pre-patch fails the enable with -EINVAL; a throwing post callback is logged and the others still run', async () => {
    const { calls, fns } = recorder();
    const boom = () => {
      throw new Error('boom');
    };
    const failing = boot([patch('p1', { a: fns, b: { ...fns, prePatch: boom } })]);
    const lines = await failing.step(() => failing.enable('p1'), -Errno.EINVAL);
    expect(lines).toContain("patchwise: scoped-callbacks: pre-patch 'b' of 'p1' threw: boom");
    expect(calls).toEqual(['prePatch a of p1 for p1 (enable)', 'postUnpatch a of p1 for p1 (cancel)']);

    calls.length = 0;
    const noisy = boot([patch('p2', { a: { ...fns, postPatch: boom }, b: fns })]);
    const enabled = await noisy.step(() => noisy.enable('p2'));
    expect(enabled).toContain("patchwise: scoped-callbacks: post-patch 'a' of 'p2' threw: boom");
    expect(calls).toContain('postPatch b of p2 for p2 (enable)');
    expect(noisy.machine.livepatch.findPatch('p2')?.enabled).toBe(true);
  });

  it('work in a TypeScript patch module that is not a manifest', async () => {
    const { calls, fns } = recorder();
    const callbacks: ScopedCallbacksById = { knob: { ...fns, blockDisable: false } };
    const definition: PatchDefinition = {
      objects: [{ name: null, funcs: [{ oldName: 'cmdline_proc_show', newFunc: 'my_cmdline_proc_show' }] }],
      metadata: { callbacks },
    };
    const machine = new Machine();
    machine.addModule({
      name: 'ts_patch',
      livepatch: true,
      symbols: [{ name: 'my_cmdline_proc_show', body: () => 'patched\n' }],
      init: (m) => m.enablePatch(definition),
    });
    applyPolicies(machine.livepatch, [{ policy: scopedCallbacks }]);
    expect(await machine.insmod('ts_patch')).toBe(0);
    machine.advance(2000);
    expect(calls).toEqual(['prePatch knob of ts_patch for ts_patch (enable)', 'postPatch knob of ts_patch for ts_patch (enable)']);
    expect(machine.log.records().map((r) => r.text)).toContain("patchwise: scoped-callbacks: pre-patch 'knob' of 'ts_patch'");
  });
});

describe('action callbacks', () => {
  it('print with the implementing patch’s prefix and reach the shadow variables', async () => {
    const { step, enable, disable, machine } = boot([
      patch('p1', {
        counter: {
          prePatch: [{ log: 'allocating' }, { shadowAlloc: { obj: 'console', id: 7, value: 4 } }],
          postUnpatch: [{ shadowFree: { obj: 'console', id: 7 } }, { log: 'freed' }],
        },
      }),
    ]);
    const lines = await step(() => enable('p1'));
    expect(lines).toContain('p1: allocating');
    expect(machine.livepatch.shadow.get('console', 7)?.value).toBe(4);
    const printed = machine.log.records().find((r) => r.text === 'p1: allocating');
    expect(printed?.level).toBe('info');
    expect(await step(() => disable('p1'))).toContain('p1: freed');
    expect(machine.livepatch.shadow.get('console', 7)).toBeNull();
  });
});
