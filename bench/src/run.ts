/**
 * `pnpm bench`: every benchmark in one run, on this machine; writes bench/results.json and
 * BENCHMARKS.md (the numbers in it are this run's). Options (for development):
 *   --only gate,scaling,cli,sim,replay   run a subset (results.json/BENCHMARKS.md are not written)
 *   --write-baseline FILE                run everything and write the results to FILE only
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliStartup } from './cli-startup.js';
import { gateOverhead } from './gate-overhead.js';
import { currentLoad, machineInfo } from './machine-info.js';
import { replayAll } from './replay.js';
import { renderReport } from './report.js';
import { TARGETS, type Results } from './results.js';
import { scaling } from './scaling.js';
import { simOps } from './sim-ops.js';

const BENCH = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(BENCH, '..');

/** How much each benchmark samples (one run of everything stays well under 5 minutes on 2 cores). */
export const PLAN = {
  gate: { batches: 60, batchMs: 25, warmupMs: 1000 },
  cli: { runs: 15, importRuns: 5 },
  sim: { rounds: 5, ops: 6000, seed: 0x1badb002 },
  replay: { runs: 3 },
} as const;

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const only = flag('--only')?.split(',');
const baselineOut = flag('--write-baseline');
const wants = (name: string) => !only || only.includes(name);
const log = (line: string) => process.stdout.write(`${line}\n`);

const started = performance.now();
const machine = machineInfo();
log(`patchwise bench: node ${machine.node}, ${machine.cpuModel} x${machine.cores}, load ${machine.loadAtStart}`);
const details: { -readonly [K in keyof Results['details']]: Results['details'][K] } = {};

if (wants('gate')) {
  log('gate overhead: hooks with three policies vs one plain function ...');
  details.gate = await gateOverhead(PLAN.gate);
  log(`  ratio ${details.gate.ratio} (hooks ${(details.gate.hooksNs / 1000).toFixed(1)} µs, plain ${(details.gate.plainNs / 1000).toFixed(1)} µs)`);
}
if (wants('scaling')) {
  log('scaling: enable and replace decisions over 10^3 .. 10^6 installed functions (child process) ...');
  details.scaling = await scaling(log);
  log(`  marginal ratio ${details.scaling.marginalRatio} (enable ${details.scaling.enableMarginalRatio}), floor ratio ${details.scaling.floorRatio}`);
}
if (wants('cli')) {
  log(`cli startup: ${PLAN.cli.runs} interleaved runs of node -e 0 / check (YAML) / check (TS) ...`);
  details.cli = cliStartup(PLAN.cli);
  log(`  cold ratio ${details.cli.ratio}, warm ${details.cli.warmRatio} (TS config ${details.cli.tsRatio}); node ${details.cli.nodeMs} ms, check cold ${details.cli.coldMs} ms, warm ${details.cli.yamlMs} ms`);
}
if (wants('sim')) {
  log('simulator: random lifecycle operations ...');
  details.sim = await simOps(PLAN.sim);
  log(`  ${details.sim.opsPerSec} ops/s`);
}
if (wants('replay')) {
  log('replay: patchwise replay --check ...');
  details.replay = replayAll(PLAN.replay);
  log(`  ${details.replay.ms} ms (${details.replay.summary})`);
}
machine.loadAtEnd = currentLoad();
if (Math.max(machine.loadAtStart, machine.loadAtEnd) > machine.cores) {
  log(`WARNING: load average ${machine.loadAtStart} → ${machine.loadAtEnd} on ${machine.cores} cores: the figures are inflated and noisy; repeat the run on a quiet machine`);
}

const results: Results = {
  gateOverheadRatio: details.gate?.ratio ?? null,
  marginalScalingRatio: details.scaling?.marginalRatio ?? null,
  replaceFloorRatio: details.scaling?.floorRatio ?? null,
  cliStartupRatio: details.cli?.ratio ?? null,
  cliStartupWarmRatio: details.cli?.warmRatio ?? null,
  simOpsPerSec: details.sim?.opsPerSec ?? null,
  replayAllMs: details.replay?.ms ?? null,
  cliStartupTsRatio: details.cli?.tsRatio ?? null,
  targets: TARGETS,
  met: {
    gateOverheadRatio: details.gate ? details.gate.ratio <= TARGETS.gateOverheadRatio : null,
    marginalScalingRatio: details.scaling ? details.scaling.marginalRatio <= TARGETS.marginalScalingRatio : null,
    replaceFloorRatio: details.scaling ? details.scaling.floorRatio <= TARGETS.replaceFloorRatio : null,
    cliStartupRatio: details.cli ? details.cli.ratio <= TARGETS.cliStartupRatio : null,
  },
  generatedAt: new Date().toISOString(),
  durationSec: Math.round((performance.now() - started) / 100) / 10,
  machine,
  details,
};

if (baselineOut) {
  writeFileSync(resolve(baselineOut), `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${baselineOut}`);
} else if (!only) {
  writeFileSync(join(BENCH, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), renderReport(results, PLAN));
  log(`wrote bench/results.json and BENCHMARKS.md in ${results.durationSec} s`);
} else {
  log(JSON.stringify({ ...results.details, gate: results.details.gate && { ...results.details.gate, equivalence: undefined } }));
}
