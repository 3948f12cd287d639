/**
 * Random operation sequences for `checkAgainstReference`, with fast-check (`@patchwise/testing/model`;
 * fast-check is a peer dependency: install it beside patchwise to use this entry point).
 *
 * A policy's model test supplies only what is its own, the patches it cares about; the sequence
 * around them (enables, disables, reverses of a transition, time passing) is the same for every
 * policy, and so is how many runs `pnpm test` and `pnpm fuzz` ask for.
 */
import fc from 'fast-check';
import type { PatchManifest } from '@patchwise/manifest';
import type { ModelStep } from './model-check.js';

/** How long a sequence may be; `manifest(n)` makes the `n`th step's patch (name it `p${n}`). */
export interface ModelStepsOptions {
  readonly maxLength: number;
}

/**
 * Sequences of 1 to `maxLength` steps: mostly enables of `manifest(i)` at step `i`, then disables
 * and re-enables (a reverse, while a transition runs) of an installed patch, and time passing (0,
 * 500 or 3,000 ms, so that transitions finish, retry or stay).
 */
export function modelSteps(manifest: (n: number) => fc.Arbitrary<PatchManifest>, { maxLength }: ModelStepsOptions): fc.Arbitrary<ModelStep[]> {
  const step = (n: number): fc.Arbitrary<ModelStep> =>
    fc.oneof(
      { weight: 5, arbitrary: manifest(n).map((m) => ({ kind: 'enable' as const, manifest: m })) },
      { weight: 3, arbitrary: fc.nat(9).map((target) => ({ kind: 'disable' as const, target })) },
      { weight: 1, arbitrary: fc.nat(9).map((target) => ({ kind: 'reenable' as const, target })) },
      { weight: 3, arbitrary: fc.constantFrom(0, 500, 3000).map((ms) => ({ kind: 'advance' as const, ms })) },
    );
  return fc.integer({ min: 1, max: maxLength }).chain((length) => fc.tuple(...Array.from({ length }, (_, i) => step(i))));
}

/** Runs per property: `FUZZ_RUNS` when set to a positive number (`pnpm fuzz`), else `fallback`. */
export function modelRuns(fallback = 500): number {
  const runs = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(runs) && runs > 0 ? runs : fallback;
}

/** `fc.assert` parameters: `runs` runs, and `FUZZ_SEED` as the seed when set (to replay a failure). */
export function modelParameters(runs: number): fc.Parameters<unknown> {
  const seed = Number(process.env.FUZZ_SEED);
  return { numRuns: runs, ...(process.env.FUZZ_SEED && Number.isInteger(seed) ? { seed } : {}) };
}
