/**
 * Scaling: the cost of one decision as the installed stack grows from 10^3 to 10^6 functions. The
 * stack is built on one simulated machine through real loads (`insmod` of manifest modules of 1,000
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
 * `replaceFloorRatio`: the replace decision at 10^6 over one plain loop that computes the same nops
 * from the same installed patches (a key per function, a set of the new patch's keys).
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

export interface ScalingResult {
  /** Replace decisions: marginal ns per function, last decade over first. */
  readonly marginalRatio: number;
  readonly enableMarginalRatio: number;
  /** Replace at the largest size over the plain nop loop there. */
  readonly floorRatio: number;
  /** The same marginal ratio for the plain nop loop (informational). */
  readonly floorMarginalRatio: number;
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

/**
 * What the plain loop is given, built before timing, as the core's index keeps it: a number per
 * function key, each installed patch's functions with their numbers, and a table to mark numbers in.
 */
export interface PlainNopIndex {
  readonly ids: ReadonlyMap<string, number>;
  readonly patches: readonly { readonly funcs: readonly FuncRef[]; readonly ids: Uint32Array }[];
  readonly marks: Uint32Array;
  epoch: number;
}

export function plainNopIndex(installed: readonly PatchInfo[]): PlainNopIndex {
  const ids = new Map<string, number>();
  const patches = installed.map((p) => {
    const funcs = p.objects.flatMap((obj) => obj.funcs);
    const numbers = new Uint32Array(funcs.length);
    funcs.forEach((f, i) => {
      const key = funcKey(f);
      if (!ids.has(key)) ids.set(key, ids.size);
      numbers[i] = ids.get(key) as number;
    });
    return { funcs, ids: numbers };
  });
  return { ids, patches, marks: new Uint32Array(ids.size), epoch: 0 };
}

/** The plain loop's nops: one bit per installed function, in the order the patches hold them. */
export interface PlainNops {
  readonly bits: Uint32Array;
  readonly count: number;
}

/**
 * The plain loop: the nops of `patch` over the installed patches of `index`, as anyone would write
 * it with that index and the core's form of the answer (a bit per installed function, see the
 * core's `nop-list.ts`): mark the new patch's functions, walk the installed ones, keep each
 * unmarked function once.
 */
export function plainNops(patch: PatchInfo, index: PlainNopIndex): PlainNops {
  const epoch = (index.epoch += 1);
  for (const obj of patch.objects) {
    for (const f of obj.funcs) {
      const id = index.ids.get(funcKey(f));
      if (id !== undefined) index.marks[id] = epoch;
    }
  }
  let total = 0;
  for (const { ids } of index.patches) total += ids.length;
  const bits = new Uint32Array((total + 31) >>> 5);
  let [position, count] = [0, 0];
  for (const { ids } of index.patches) {
    for (let i = 0; i < ids.length; i += 1, position += 1) {
      const id = ids[i] as number;
      if (index.marks[id] === epoch) continue;
      index.marks[id] = epoch;
      bits[position >>> 5] = (bits[position >>> 5] as number) | (1 << (position & 31));
      count += 1;
    }
  }
  return { bits, count };
}

/** The functions the plain loop's bits name, in order. */
export function plainNopFunctions(nops: PlainNops, index: PlainNopIndex): FuncRef[] {
  const out: FuncRef[] = [];
  let position = 0;
  for (const { funcs } of index.patches) {
    for (const func of funcs) {
      if (((nops.bits[position >>> 5] as number) & (1 << (position & 31))) !== 0) out.push(func);
      position += 1;
    }
  }
  return out;
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

const marginal = (rows: readonly ScalingRow[], pick: (r: ScalingRow) => number): number => {
  const [a, b] = [rows[0], rows[1]] as [ScalingRow, ScalingRow];
  const [c, d] = [rows[rows.length - 2], rows[rows.length - 1]] as [ScalingRow, ScalingRow];
  const first = (pick(b) - pick(a)) / (b.installedFunctions - a.installedFunctions);
  const last = (pick(d) - pick(c)) / (d.installedFunctions - c.installedFunctions);
  return round(last / first);
};

/** The measurement itself (in the worker). `sizes` and `samples` shrink it for the smoke test. */
export async function measureScaling(
  log: (line: string) => void = () => undefined,
  sizes: readonly number[] = SIZES,
  samples: (size: number) => number = samplesFor,
): Promise<ScalingResult> {
  const machine = new Machine();
  applyPolicies(machine.livepatch, threePolicies());
  const requests = ([true, false] as const).map((replace) => {
    const manifest = deciding(replace);
    return { operation: 'enable', name: manifest.name, patch: patchDefinition(manifest) } as const;
  });
  const [replaceRequest, enableRequest] = requests as [(typeof requests)[0], (typeof requests)[0]];
  const replacing = patchInfo(replaceRequest.name, replaceRequest.patch);
  const rows: ScalingRow[] = [];
  let patches = 0;
  for (const size of sizes) {
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
    // The decisions must be the ones we mean: allowed, the replace replacing every layer with
    // exactly the nops the plain loop finds.
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
    const n = samples(size);
    const enable = await sampled(n, () => machine.livepatch.check(enableRequest));
    const replace_ = await sampled(n, () => machine.livepatch.check(replaceRequest));
    const floor = await sampled(n, () => plainNops(replacing, nopIndex));
    const [enableMs, replaceMs, floorMs] = [enable.ms, replace_.ms, floor.ms];
    const heapUsedMb = process.memoryUsage().heapUsed / 2 ** 20;
    rows.push({
      installedFunctions: size,
      installedPatches: patches,
      samples: n,
      enableMs: round(enableMs, 3),
      replaceMs: round(replaceMs, 3),
      floorMs: round(floorMs, 3),
      replaceFaults: replace_.faults,
      floorFaults: floor.faults,
      replaceGcMs: round(replace_.gcMs, 3),
      replaceNsPerInstalledFunction: round((replaceMs * 1e6) / size, 1),
      buildMs: round(buildMs, 0),
      heapUsedMb: round(heapUsedMb, 0),
    });
    log(`  scaling: ${size} functions: enable ${enableMs.toFixed(2)} ms, replace ${replaceMs.toFixed(2)} ms, plain nop loop ${floorMs.toFixed(2)} ms (built in ${(buildMs / 1000).toFixed(1)} s)`);
  }
  gcObserver?.disconnect();
  gcObserver = undefined;
  const last = rows[rows.length - 1] as ScalingRow;
  return {
    marginalRatio: marginal(rows, (r) => r.replaceMs),
    enableMarginalRatio: marginal(rows, (r) => r.enableMs),
    floorRatio: round(last.replaceMs / last.floorMs),
    floorMarginalRatio: marginal(rows, (r) => r.floorMs),
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
