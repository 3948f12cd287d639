/**
 * Model-based property test of the core on the simulated machine: random sequences of livepatch
 * loads, disables, reverses, forces, rmmods, target-module loads and unloads, clock ticks and
 * sleeping tasks, over random patches (shared functions, atomic replace, system states, callbacks
 * that fail at random) and random refusing policies. After every step the invariants of
 * `invariants.ts` hold, and a refused or failed operation leaves the machine state deep-equal.
 *
 * `pnpm test` runs 1000 sequences; `FUZZ_RUNS=N pnpm fuzz` runs N. On failure fast-check prints
 * the shrunk counterexample and the seed: `FUZZ_SEED=<seed> FUZZ_PATH=<path>` replays it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fcParameters, numRuns, scenario, type Scenario } from './arbitraries.js';
import { runScenario, type RunStats } from './runner.js';

const runs = numRuns();
// Generous: about 3 ms a sequence here; the timeout only guards against a hang.
const timeout = 60_000 + runs * 60;

describe('the livepatch lifecycle under random operations', () => {
  it(`keeps every invariant over ${runs} random sequences`, { timeout }, async () => {
    const stats: RunStats = { steps: 0, failedOps: 0, completions: 0, replaces: 0, forces: 0 };
    await fc.assert(
      fc.asyncProperty(scenario, (s: Scenario) => runScenario(s, stats)),
      fcParameters<[Scenario]>(),
    );
    // The generator reaches the interesting paths (not a proof, a smoke alarm for a broken
    // generator; about 19 steps, 10 failed operations, 2 completions a sequence at 1000 runs).
    if (runs >= 500) {
      expect(stats.steps).toBeGreaterThan(runs * 10);
      expect(stats.failedOps).toBeGreaterThan(runs * 5);
      expect(stats.completions).toBeGreaterThan(runs);
      expect(stats.replaces).toBeGreaterThan(runs / 10);
      expect(stats.forces).toBeGreaterThan(runs / 20);
    }
  });
});
