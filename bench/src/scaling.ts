/**
 * scalingRatio: the cost of an atomic-replace decision per installed function, as the installed
 * stack grows from 10^3 to 10^6 functions. The stack is built on one simulated machine through
 * real loads (`insmod` of manifest modules of 1,000 functions each, through the three policies'
 * gates); at each size the decision measured is `livepatch.check({ operation: 'enable', replace })`
 * for a cumulative patch of 1,000 functions (both gates: prePatch and replace, with every nop).
 *
 * Runs in a child process (see `scaling-worker.ts`) with a larger heap.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Decision } from '@patchwise/core';
import { manifestModule, parseManifest, patchDefinition, type PatchManifest } from '@patchwise/manifest';
import { applyPolicies } from '@patchwise/policy';
import { Machine } from '@patchwise/sim';
import { threePolicies } from './fixtures.js';
import { median, round, timeMs } from './stats.js';

export const FUNCS_PER_PATCH = 1000;
export const SIZES = [1e3, 1e4, 1e5, 1e6] as const;
/** The heap the worker gets: the 10^6 stack (kallsyms, ftrace ops, klp structures) needs ~2 GB. */
export const WORKER_HEAP_MB = 6144;

export interface ScalingRow {
  readonly installedFunctions: number;
  readonly installedPatches: number;
  readonly samples: number;
  readonly medianMs: number;
  readonly nsPerInstalledFunction: number;
  /** Wall time to load the patches added for this size (informational). */
  readonly buildMs: number;
  readonly heapUsedMb: number;
}

export interface ScalingResult {
  readonly ratio: number;
  readonly rows: readonly ScalingRow[];
  readonly replacingFunctions: number;
  readonly heapLimitMb: number;
}

const name = (k: number, i: number) => `sc${k}_fn_${i}`;

function layerManifest(k: number): PatchManifest {
  return parseManifest({
    name: `acme-layer-${k}`,
    vendor: 'acme',
    version: `1.${k}.0`,
    lineage: `acme-layer-${k}`,
    tags: ['production'],
    functions: Array.from({ length: FUNCS_PER_PATCH }, (_, i) => name(k, i)),
  });
}

/** The cumulative patch decided on: 1,000 functions (the first layer's), vendor acme. */
function cumulativeManifest(): PatchManifest {
  return parseManifest({
    name: 'acme-cumulative',
    vendor: 'acme',
    version: '2.0.0',
    replace: true,
    tags: ['production'],
    functions: Array.from({ length: FUNCS_PER_PATCH }, (_, i) => name(0, i)),
  });
}

const samplesFor = (size: number) => (size >= 1e6 ? 5 : size >= 1e5 ? 9 : 21);

/** The measurement itself (in the worker). */
export async function measureScaling(log: (line: string) => void = () => undefined): Promise<ScalingResult> {
  const machine = new Machine();
  applyPolicies(machine.livepatch, threePolicies());
  const cumulative = cumulativeManifest();
  const def = patchDefinition(cumulative);
  const request = { operation: 'enable', name: cumulative.name, patch: def } as const;
  const rows: ScalingRow[] = [];
  let patches = 0;
  for (const size of SIZES) {
    const started = performance.now();
    while (patches * FUNCS_PER_PATCH < size) {
      const manifest = layerManifest(patches);
      machine.addKernelFunctions(manifest.functions as string[]);
      machine.addModule(manifestModule(manifest));
      const ret = await machine.insmod(manifest.name);
      if (ret !== 0) throw new Error(`scaling: insmod ${manifest.name} failed (${ret})`);
      if (machine.livepatch.transitionPatch) machine.advance(1000);
      if (machine.livepatch.transitionPatch) throw new Error(`scaling: ${manifest.name} did not finish its transition`);
      patches += 1;
    }
    const buildMs = performance.now() - started;
    // Warm up, then check the decision is the one we mean: allowed, replacing every layer.
    const first = machine.livepatch.check(request) as Decision[];
    const replace = first.find((d) => d.gate === 'replace');
    if (!first.every((d) => d.allowed) || replace?.replaced?.length !== patches) {
      throw new Error(`scaling: unexpected decision at ${size}: ${JSON.stringify(first.map((d) => [d.gate, d.allowed, d.findings.map((f) => f.code)]))}`);
    }
    const times: number[] = [];
    for (let i = 0; i < samplesFor(size); i += 1) {
      (globalThis as { gc?: () => void }).gc?.();
      times.push(timeMs(() => machine.livepatch.check(request)));
    }
    const medianMs = median(times);
    const heapUsedMb = process.memoryUsage().heapUsed / 2 ** 20;
    rows.push({
      installedFunctions: size,
      installedPatches: patches,
      samples: times.length,
      medianMs: round(medianMs, 3),
      nsPerInstalledFunction: round((medianMs * 1e6) / size, 1),
      buildMs: round(buildMs, 0),
      heapUsedMb: round(heapUsedMb, 0),
    });
    log(`  scaling: ${size} functions: ${medianMs.toFixed(2)} ms/decision (built in ${(buildMs / 1000).toFixed(1)} s)`);
  }
  const first = rows[0] as ScalingRow;
  const last = rows[rows.length - 1] as ScalingRow;
  return {
    ratio: round(last.nsPerInstalledFunction / first.nsPerInstalledFunction),
    rows,
    replacingFunctions: FUNCS_PER_PATCH,
    heapLimitMb: WORKER_HEAP_MB,
  };
}

/** Run the measurement in a child process with `--max-old-space-size`. */
export function scaling(log: (line: string) => void): Promise<ScalingResult> {
  const worker = fileURLToPath(new URL('./scaling-worker.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = fork(worker, [], { execArgv: [`--max-old-space-size=${WORKER_HEAP_MB}`, '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: ScalingResult | undefined;
    child.on('message', (message: { log?: string; result?: ScalingResult; error?: string }) => {
      if (message.log) log(message.log);
      if (message.result) result = message.result;
      if (message.error) reject(new Error(message.error));
    });
    child.on('error', reject);
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`scaling worker exited with ${code}`))));
  });
}
