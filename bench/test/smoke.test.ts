/**
 * A smoke run of the benchmark code at tiny sizes, so it never rots between `pnpm bench` runs. No
 * timing is asserted (targets live in `pnpm bench` only): what is checked is that every benchmark
 * runs, that the gate benchmark's two sides agree finding by finding (it throws otherwise), that
 * the scaling decisions are the ones meant (it throws otherwise), and that the report renders.
 */
import { describe, expect, it } from 'vitest';
import { cliStartup } from '../src/cli-startup.js';
import { gateOverhead } from '../src/gate-overhead.js';
import { machineInfo } from '../src/machine-info.js';
import { renderReport } from '../src/report.js';
import { TARGETS, type Results } from '../src/results.js';
import { measureScaling } from '../src/scaling.js';
import { simOps } from '../src/sim-ops.js';

const plan = { gate: { batches: 2, batchMs: 5, warmupMs: 10 } };

describe('the benchmarks at tiny sizes', () => {
  it('run, agree with their baselines, and render a report', { timeout: 120_000 }, async () => {
    const gate = await gateOverhead(plan.gate);
    expect(gate.equivalence.length).toBeGreaterThan(5);
    const scaling = await measureScaling(undefined, [1000, 2000, 3000], () => 1);
    expect(scaling.rows.map((r) => r.installedPatches)).toEqual([1, 2, 3]);
    const cli = cliStartup({ runs: 1, importRuns: 1 });
    expect(cli.coldMs).toBeGreaterThan(0);
    // The launcher's chunks are seen, and a `check` parses only some of them.
    expect(cli.chunksLoaded).toBeGreaterThan(0);
    expect(cli.chunkKb).toBeLessThan(cli.shippedKb);
    expect(cli.profile.some((row) => row.where === 'zod')).toBe(true);
    const sim = await simOps({ rounds: 1, ops: 100, seed: 1 });
    const results: Results = {
      gateOverheadRatio: gate.ratio,
      marginalScalingRatio: scaling.marginalRatio,
      replaceFloorRatio: scaling.floorRatio,
      cliStartupRatio: cli.ratio,
      cliStartupWarmRatio: cli.warmRatio,
      simOpsPerSec: sim.opsPerSec,
      replayAllMs: null,
      cliStartupTsRatio: cli.tsRatio,
      targets: TARGETS,
      met: { gateOverheadRatio: null, marginalScalingRatio: null, replaceFloorRatio: null, cliStartupRatio: null },
      generatedAt: new Date(0).toISOString(),
      durationSec: 0,
      machine: machineInfo(),
      details: { gate, scaling, cli, sim },
    };
    const report = renderReport(results, plan);
    expect(report).toContain('replaceFloorRatio');
    expect(report).toContain('cold code cache');
  });
});
