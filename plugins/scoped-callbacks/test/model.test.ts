/**
 * Model-based test: random patches carrying scoped callback IDs (some `blockDisable`, some
 * malformed) and random enable/disable/reverse/advance sequences; every decision of the policy is
 * compared with the reference below, the README's gate rules written plainly (no index, no cache).
 * `pnpm test` runs 500 sequences, `FUZZ_RUNS=N pnpm fuzz` N.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PatchInfo } from '@patchwise/core';
import type { PatchManifest } from '@patchwise/manifest';
import { checkAgainstReference, findingKey, type ModelGate, type ModelState, type ModelRunStats } from '@patchwise/testing';
import { modelParameters, modelRuns, modelSteps } from '@patchwise/testing/model';
import scopedCallbacks from '@patchwise/plugin-scoped-callbacks';

const runs = modelRuns();
const FUNCTIONS = ['f0', 'f1'];

/** Callback specs, and whether the README's schema accepts them. */
const SPECS: readonly { readonly spec: unknown; readonly valid: boolean; readonly blocks: boolean }[] = [
  { spec: { prePatch: [{ log: 'on' }], postUnpatch: [{ log: 'off' }] }, valid: true, blocks: false },
  { spec: { blockDisable: true }, valid: true, blocks: true },
  { spec: { blockDisable: false, postPatch: [{ log: 'x' }] }, valid: true, blocks: false },
  { spec: { blockDisable: 'yes' }, valid: false, blocks: false },
  { spec: { onEnable: [{ log: 'x' }] }, valid: false, blocks: false },
];

const manifest = (n: number): fc.Arbitrary<PatchManifest> =>
  fc
    .record({
      callbacks: fc.dictionary(fc.constantFrom('id1', 'id2', 'id3'), fc.nat(SPECS.length - 1), { maxKeys: 2 }),
      functions: fc.uniqueArray(fc.constantFrom(...FUNCTIONS), { minLength: 1, maxLength: 2 }),
      replace: fc.boolean(),
    })
    .map((m) => ({
      name: `p${n}`,
      functions: m.functions,
      replace: m.replace,
      callbacks: Object.fromEntries(Object.entries(m.callbacks).map(([id, at]) => [id, (SPECS[at] as { spec: unknown }).spec])),
    }) as unknown as PatchManifest);

const steps = modelSteps(manifest, { maxLength: 12 });

// The reference: the README's rules, read off the patches as they are.

const specOf = (spec: unknown) => SPECS.find((s) => s.spec === spec || JSON.stringify(s.spec) === JSON.stringify(spec));
const ids = (p: PatchInfo) => Object.entries((p.metadata.callbacks ?? {}) as Record<string, unknown>);
const validIds = (p: PatchInfo) => ids(p).filter(([, spec]) => specOf(spec)?.valid).map(([id]) => id);
const blockingIds = (p: PatchInfo) => ids(p).filter(([, spec]) => specOf(spec)?.blocks).map(([id]) => id);

function reference({ gate, operation, patch }: ModelGate, { installed }: ModelState): string[] {
  if (gate === 'prePatch' && operation === 'enable' && validIds(patch).length < ids(patch).length) return [findingKey('invalid-callbacks', [patch.name])];
  if (gate === 'preUnpatch' && blockingIds(patch).length > 0) return [findingKey('disable-blocked', [patch.name])];
  if (gate === 'replace') {
    const carriers = installed.filter((q) => blockingIds(q).some((id) => !validIds(patch).includes(id)));
    if (carriers.length > 0) return [findingKey('replace-blocked', [patch.name, ...carriers.map((q) => q.name)])];
  }
  return [];
}

describe('scoped-callbacks against a plain reference of its gate rules', () => {
  it(`decides as the reference over ${runs} random sequences`, { timeout: 60_000 + runs * 100 }, async () => {
    const stats: ModelRunStats = { steps: 0, decisions: 0, refusals: 0 };
    await fc.assert(
      fc.asyncProperty(steps, (s) => checkAgainstReference({ policy: scopedCallbacks }, s, reference, { kernelFunctions: FUNCTIONS, stats })),
      modelParameters(runs),
    );
    expect(stats.decisions).toBeGreaterThan(runs * 2);
    expect(stats.refusals).toBeGreaterThan(runs / 2);
  });
});
