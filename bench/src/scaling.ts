/**
 * Scaling: the cost of one decision as the installed stack grows from 10^3 to 10^6 functions. Each
 * size is its own simulated machine, built through real loads (`insmod` of manifest modules of 1,000
 * functions each, through the three policies' gates). At each size two decisions are measured with
 * `livepatch.check` (every gate of a real enable, nothing changed):
 * - `enable`: a non-replace patch of 1,000 functions, all already patched (the first layer's), of
 *   the same vendor: every owner stack is looked up, every installed patch's conflicts are read;
 * - `replace`: a cumulative patch of the same 1,000 functions (prePatch and replace gates, with
 *   every nop: 999,000 at 10^6).
 * Samples run back to back with no collection forced between them: GC is part of the cost.
 *
 * `marginalScalingRatio`: the marginal cost per installed function over the last decade
 * ((t(10^6) - t(10^5)) / 900,000) over that of the first ((t(10^4) - t(10^3)) / 9,000), for the
 * replace decision (the one whose work grows with the stack); the enable's is reported beside it.
 * Each difference is the median of paired runs, one decision on each machine back to back: the
 * first decade's difference is tenths of a millisecond, smaller than the drift between two
 * separately timed medians (which made the ratio swing from 0.2 to 3.7 between runs).
 * `replaceFloorRatio`: the replace decision at 10^6 over one plain loop that computes the same nops
 * from the same installed patches (`plain-nops.ts`).
 *
 * Runs in a child process (see `scaling-worker.ts`) with a larger heap.
 */
import { fork } from 'node:child_process';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { funcKey, patchInfo, type Decision, type FuncRef, type NopList, type PatchInfo } from '@patchwise/core';
import { manifestModule, parseManifest, patchDefinition, type PatchManifest } from '@patchwise/manifest';
import { applyPolicies } from '@patchwise/policy';
import { Machine } from '@patchwise/sim';
import { threePolicies } from './fixtures.js';
import { plainNopFunctions, plainNopIndex, plainNops } from './plain-nops.js';
import { median, round, timeMs } from './stats.js';

export const FUNCS_PER_PATCH = 1000;
export const SIZES = [1e3, 1e4, 1e5, 1e6] as const;
/** The heap the worker gets: the 10^6 stack (kallsyms, ftrace ops, klp structures) needs ~2 GB. */
export const WORKER_HEAP_MB = 6144;

export interface ScalingRow {
  readonly installedFunctions: number;
  readonly installedPatches: number;
  readonly samples: number;
  readonly enableMs: number;
  readonly replaceMs: number;
  /** The plain nop loop over the same installed patches. */
  readonly floorMs: number;
  /** Median minor page faults per run (fresh memory touched): replace decision, plain nop loop. */
  readonly replaceFaults: number;
  readonly floorFaults: number;
  /** Time in garbage collection per replace decision (during its samples). */
  readonly replaceGcMs: number;
  readonly replaceNsPerInstalledFunction: number;
  /** Wall time to load the patches added for this size (informational). */
  readonly buildMs: number;
  readonly heapUsedMb: number;
}

/** Marginal time per installed function from `from` to `to`: the median paired difference over the added functions. */
export interface DecadeMarginal {
  readonly from: number;
  readonly to: number;
  readonly pairs: number;
  readonly replaceNs: number;
  readonly enableNs: number;
  readonly floorNs: number;
}

export interface ScalingResult {
  /** Replace decisions: marginal ns per function, last decade over first. */
  readonly marginalRatio: number;
  readonly enableMarginalRatio: number;
  /** Replace at the largest size over the plain nop loop there. */
  readonly floorRatio: number;
  /** The same marginal ratio for the plain nop loop (informational). */
  readonly floorMarginalRatio: number;
  /** The first and the last decade's marginal times. */
  readonly decades: readonly [DecadeMarginal, DecadeMarginal];
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

/** The patch decided on: 1,000 functions (the first layer's), vendor acme; cumulative or not. */
function deciding(replace: boolean): PatchManifest {
  return parseManifest({
    name: replace ? 'acme-cumulative' : 'acme-stacked',
    vendor: 'acme',
    version: '2.0.0',
    replace,
    tags: ['production'],
    functions: Array.from({ length: FUNCS_PER_PATCH }, (_, i) => name(0, i)),
  });
}

/** Whether a decision's nops name the same functions as `b`, in the same order. */
const sameFunctions = (a: NopList | undefined, b: readonly FuncRef[]): boolean => {
  const list = a?.toArray();
  return list !== undefined && a?.length === b.length && list.length === b.length && list.every((f, i) => funcKey(f) === funcKey(b[i] as FuncRef));
};

const samplesFor = (size: number) => (size >= 1e6 ? 15 : size >= 1e5 ? 41 : 201);

interface Sampled {
  /** Median wall time of one run. */
  readonly ms: number;
  /** Median minor page faults of one run (fresh memory the process touched for the first time). */
  readonly faults: number;
  /** Garbage collection during the runs, per run (every kind, from `perf_hooks` GC entries). */
  readonly gcMs: number;
}

/** GC entries as they come (delivered asynchronously, after the work that caused them). */
const gcEntries: { start: number; duration: number }[] = [];
let gcObserver: PerformanceObserver | undefined;

/** Median of `samples` back-to-back runs (after a warm-up), GC included. */
async function sampled(samples: number, fn: () => unknown): Promise<Sampled> {
  gcObserver ??= new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcEntries.push({ start: e.startTime, duration: e.duration });
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  // Warm-up until the code is optimised: at least 5 runs and 200 ms (a small stack's first runs
  // would otherwise weigh tier-up into the first decade's marginal time).
  const warmUntil = performance.now() + 200;
  for (let i = 0; i < 5 || performance.now() < warmUntil; i += 1) fn();
  const times: number[] = [];
  const faults: number[] = [];
  const from = performance.now();
  for (let i = 0; i < samples; i += 1) {
    const before = process.resourceUsage().minorPageFault;
    times.push(timeMs(fn));
    faults.push(process.resourceUsage().minorPageFault - before);
  }
  const to = performance.now();
  // Let the GC entries of the runs arrive.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const gcMs = gcEntries.filter((e) => e.start >= from && e.start < to).reduce((sum, e) => sum + e.duration, 0);
  gcEntries.length = 0;
  return { ms: median(times), faults: median(faults), gcMs: gcMs / samples };
}

/**
 * The median of `n` paired differences t(b) − t(a), the two runs of each pair back to back, in
 * alternating order (so that neither side always runs second), after a warm-up of both.
 */
function pairedDeltaMs(n: number, a: () => unknown, b: () => unknown): number {
  const warmUntil = performance.now() + 200;
  for (let i = 0; i < 5 || performance.now() < warmUntil; i += 1) {
    a();
    b();
  }
  const deltas: number[] = [];
  for (let i = 0; i < n; i += 1) {
    if (i % 2) {
      const tb = timeMs(b);
      deltas.push(tb - timeMs(a));
    } else {
      const ta = timeMs(a);
      deltas.push(timeMs(b) - ta);
    }
  }
  return median(deltas);
}

/** One machine with `size` installed functions, and what is decided on it. */
interface Stack {
  readonly size: number;
  readonly patches: number;
  readonly buildMs: number;
  readonly enable: () => unknown;
  readonly replace: () => unknown;
  readonly floor: () => unknown;
}

const requestFor = (replace: boolean) => {
  const manifest = deciding(replace);
  return { operation: 'enable', name: manifest.name, patch: patchDefinition(manifest) } as const;
};

/**
 * Builds a machine with `size` installed functions through real loads, and checks that the
 * decisions are the ones meant: allowed, the replace replacing every layer with exactly the nops
 * the plain loop finds.
 */
async function buildStack(size: number): Promise<Stack> {
  const started = performance.now();
  const machine = new Machine();
  applyPolicies(machine.livepatch, threePolicies());
  let patches = 0;
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
  const [replaceRequest, enableRequest] = [requestFor(true), requestFor(false)];
  const replacing = patchInfo(replaceRequest.name, replaceRequest.patch);
  const installed = machine.livepatch.patches.map((p) => machine.livepatch.patchInfo(p.name) as PatchInfo);
  const nopIndex = plainNopIndex(installed);
  const floorNops = plainNopFunctions(plainNops(replacing, nopIndex), nopIndex);
  const replaced = machine.livepatch.check(replaceRequest) as Decision[];
  const replace = replaced.find((d) => d.gate === 'replace');
  if (!replaced.every((d) => d.allowed) || replace?.replaced?.length !== patches || !sameFunctions(replace.nops, floorNops)) {
    throw new Error(`scaling: unexpected replace decision at ${size}: ${JSON.stringify(replaced.map((d) => [d.gate, d.allowed, d.findings.map((f) => f.code)]))}`);
  }
  const enabled = machine.livepatch.check(enableRequest) as Decision[];
  if (!enabled.every((d) => d.allowed)) {
    throw new Error(`scaling: unexpected enable decision at ${size}: ${JSON.stringify(enabled.map((d) => [d.gate, d.allowed, d.findings.map((f) => f.code)]))}`);
  }
  return {
    size,
    patches,
    buildMs,
    enable: () => machine.livepatch.check(enableRequest),
    replace: () => machine.livepatch.check(replaceRequest),
    floor: () => plainNops(replacing, nopIndex),
  };
}

/** A decade's marginal time per installed function, each decision's, from paired differences. */
function decade(a: Stack, b: Stack, pairs: number): DecadeMarginal {
  const perFunction = (delta: number) => round((delta * 1e6) / (b.size - a.size), 2);
  return {
    from: a.size,
    to: b.size,
    pairs,
    replaceNs: perFunction(pairedDeltaMs(pairs, a.replace, b.replace)),
    enableNs: perFunction(pairedDeltaMs(pairs, a.enable, b.enable)),
    floorNs: perFunction(pairedDeltaMs(pairs, a.floor, b.floor)),
  };
}

/** The measurement itself (in the worker). `sizes` and `samples` shrink it for the smoke test. */
export async function measureScaling(
  log: (line: string) => void = () => undefined,
  sizes: readonly number[] = SIZES,
  samples: (size: number) => number = samplesFor,
): Promise<ScalingResult> {
  // A machine per size, all kept: a decade's two ends are measured side by side.
  const stacks: Stack[] = [];
  const rows: ScalingRow[] = [];
  for (const size of sizes) {
    const stack = await buildStack(size);
    stacks.push(stack);
    const n = samples(size);
    const enable = await sampled(n, stack.enable);
    const replace = await sampled(n, stack.replace);
    const floor = await sampled(n, stack.floor);
    const heapUsedMb = process.memoryUsage().heapUsed / 2 ** 20;
    rows.push({
      installedFunctions: size,
      installedPatches: stack.patches,
      samples: n,
      enableMs: round(enable.ms, 3),
      replaceMs: round(replace.ms, 3),
      floorMs: round(floor.ms, 3),
      replaceFaults: replace.faults,
      floorFaults: floor.faults,
      replaceGcMs: round(replace.gcMs, 3),
      replaceNsPerInstalledFunction: round((replace.ms * 1e6) / size, 1),
      buildMs: round(stack.buildMs, 0),
      heapUsedMb: round(heapUsedMb, 0),
    });
    log(`  scaling: ${size} functions: enable ${enable.ms.toFixed(2)} ms, replace ${replace.ms.toFixed(2)} ms, plain nop loop ${floor.ms.toFixed(2)} ms (built in ${(stack.buildMs / 1000).toFixed(1)} s)`);
  }
  gcObserver?.disconnect();
  gcObserver = undefined;
  const [a, b, c, d] = [stacks[0], stacks[1], stacks[stacks.length - 2], stacks[stacks.length - 1]] as [Stack, Stack, Stack, Stack];
  const first = decade(a, b, samples(a.size) * 2);
  const last = decade(c, d, samples(c.size) * 2);
  const ratio = (pick: (m: DecadeMarginal) => number) => round(pick(last) / pick(first));
  const top = rows[rows.length - 1] as ScalingRow;
  return {
    marginalRatio: ratio((m) => m.replaceNs),
    enableMarginalRatio: ratio((m) => m.enableNs),
    floorRatio: round(top.replaceMs / top.floorMs),
    floorMarginalRatio: ratio((m) => m.floorNs),
    decades: [first, last],
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
