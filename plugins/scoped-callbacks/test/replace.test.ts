/**
 * Atomic replace, side by side: what the kernel does with per-object callbacks, and what scoped
 * callbacks do, on the same scenario (patch A with IDs x and y, replaced by patch B with y and z).
 */
import { describe, expect, it } from 'vitest';
import { boot, loggingIds, loggingObjectCallbacks, patch } from './support.js';

/** Each patch does the same work, once per-object (the kernel's way), once scoped by ID. */
const kernelStyle = (name: string, ids: string[], replace = false) => ({
  name,
  replace,
  objects: [{ name: 'vmlinux', functions: ['cmdline_proc_show'], callbacks: loggingObjectCallbacks(ids) }],
});
const scopedStyle = (name: string, ids: string[], replace = false) => patch(name, loggingIds(ids), { replace });

describe('atomic replace: kernel default vs scoped callbacks', () => {
  it('kernel default: only the replacing patch runs its callbacks, for every ID, and A never unpatches x', async () => {
    const { step, enable, machine } = boot([kernelStyle('A', ['x', 'y']), kernelStyle('B', ['y', 'z'], true)], false);
    await step(() => enable('A'));
    expect(await step(() => enable('B'))).toEqual([
      "livepatch: enabling patch 'B'",
      "livepatch: 'B': initializing patching transition",
      'B: pre-patch y',
      'B: pre-patch z',
      "livepatch: 'B': starting patching transition",
      "livepatch: 'B': completing patching transition",
      'B: post-patch y',
      'B: post-patch z',
      "livepatch: 'B': patching complete",
    ]);
    expect(machine.livepatch.patches.map((p) => p.name)).toEqual(['B']);
  });

  it('scoped: z runs its patch callbacks, x its unpatch callbacks with A’s implementation, y nothing', async () => {
    const { step, enable, machine } = boot([scopedStyle('A', ['x', 'y']), scopedStyle('B', ['y', 'z'], true)]);
    await step(() => enable('A'));
    expect(await step(() => enable('B'))).toEqual([
      "livepatch: enabling patch 'B'",
      "livepatch: 'B': initializing patching transition",
      "patchwise: scoped-callbacks: pre-patch 'z' of 'B'",
      'B: pre-patch z',
      "patchwise: scoped-callbacks: pre-unpatch 'x' of 'A' (replaced by 'B')",
      'A: pre-unpatch x',
      "livepatch: 'B': starting patching transition",
      "livepatch: 'B': completing patching transition",
      "patchwise: scoped-callbacks: post-unpatch 'x' of 'A' (replaced by 'B')",
      'A: post-unpatch x',
      "patchwise: scoped-callbacks: post-patch 'z' of 'B'",
      'B: post-patch z',
      "livepatch: 'B': patching complete",
    ]);
    expect(machine.livepatch.patches.map((p) => p.name)).toEqual(['B']);
  });

  it('scoped: after the replace, disabling B unpatches y and z with B’s implementation', async () => {
    const { step, enable, disable } = boot([scopedStyle('A', ['x', 'y']), scopedStyle('B', ['y', 'z'], true)]);
    await step(() => enable('A'));
    await step(() => enable('B'));
    expect(await step(() => disable('B'))).toEqual([
      "livepatch: 'B': initializing unpatching transition",
      "patchwise: scoped-callbacks: pre-unpatch 'y' of 'B'",
      'B: pre-unpatch y',
      "patchwise: scoped-callbacks: pre-unpatch 'z' of 'B'",
      'B: pre-unpatch z',
      "livepatch: 'B': starting unpatching transition",
      "livepatch: 'B': completing unpatching transition",
      "patchwise: scoped-callbacks: post-unpatch 'y' of 'B'",
      'B: post-unpatch y',
      "patchwise: scoped-callbacks: post-unpatch 'z' of 'B'",
      'B: post-unpatch z',
      "livepatch: 'B': unpatching complete",
    ]);
  });

  it('a dropped ID runs with the oldest replaced patch that carries it', async () => {
    const { step, enable } = boot([
      scopedStyle('A', ['x']),
      scopedStyle('A2', ['x', 'w']),
      scopedStyle('B', [], true),
    ]);
    await step(() => enable('A'));
    await step(() => enable('A2'));
    const lines = await step(() => enable('B'));
    expect(lines.filter((l) => !l.startsWith('livepatch:'))).toEqual([
      "patchwise: scoped-callbacks: pre-unpatch 'x' of 'A' (replaced by 'B')",
      'A: pre-unpatch x',
      "patchwise: scoped-callbacks: pre-unpatch 'w' of 'A2' (replaced by 'B')",
      'A2: pre-unpatch w',
      "patchwise: scoped-callbacks: post-unpatch 'x' of 'A' (replaced by 'B')",
      'A: post-unpatch x',
      "patchwise: scoped-callbacks: post-unpatch 'w' of 'A2' (replaced by 'B')",
      'A2: post-unpatch w',
    ]);
  });

  it('a replace cancelled by a failing per-object pre-patch restores the dropped IDs and unpatches the new ones', async () => {
    const failing = patch('B', loggingIds(['z']), {
      replace: true,
      functions: undefined,
      objects: [{ name: 'vmlinux', functions: ['cmdline_proc_show'], callbacks: { prePatch: [{ fail: 'ENODEV' }] } }],
    });
    const { step, enable, machine } = boot([scopedStyle('A', ['x', 'y']), failing]);
    await step(() => enable('A'));
    expect(await step(() => enable('B'), -19)).toEqual([
      "livepatch: enabling patch 'B'",
      "livepatch: 'B': initializing patching transition",
      "patchwise: scoped-callbacks: pre-patch 'z' of 'B'",
      'B: pre-patch z',
      "patchwise: scoped-callbacks: pre-unpatch 'x' of 'A' (replaced by 'B')",
      'A: pre-unpatch x',
      "patchwise: scoped-callbacks: pre-unpatch 'y' of 'A' (replaced by 'B')",
      'A: pre-unpatch y',
      "livepatch: pre-patch callback failed for object 'vmlinux'",
      "livepatch: failed to enable patch 'B'",
      "livepatch: 'B': canceling patching transition, going to unpatch",
      "livepatch: 'B': completing unpatching transition",
      "patchwise: scoped-callbacks: post-patch 'x' of 'A' (replace by 'B' undone)",
      'A: post-patch x',
      "patchwise: scoped-callbacks: post-patch 'y' of 'A' (replace by 'B' undone)",
      'A: post-patch y',
      "patchwise: scoped-callbacks: post-unpatch 'z' of 'B'",
      'B: post-unpatch z',
      "livepatch: 'B': unpatching complete",
    ]);
    expect(machine.livepatch.patches.map((p) => p.name)).toEqual(['A']);
  });
});
