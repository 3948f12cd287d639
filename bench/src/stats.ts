/**
 * Timing primitives: medians, and interleaved batches so that two sides of a ratio see the same
 * machine noise. Every number in the report comes from these.
 */

export const median = (values: readonly number[]): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export const quantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))] as number;
};

/** Wall time of `fn()` in ms. */
export function timeMs(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export async function timeMsAsync(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Per-operation time (ns) of one batch of `n` calls. */
function batchNs(fn: () => unknown, n: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) fn();
  return Number(process.hrtime.bigint() - start) / n;
}

export interface InterleavedResult {
  /** Per side: per-operation ns of each batch. */
  readonly samples: Readonly<Record<string, number[]>>;
  /** Per side: median per-operation ns. */
  readonly medianNs: Readonly<Record<string, number>>;
  readonly batches: number;
  readonly opsPerBatch: number;
}

/**
 * Run the sides in interleaved batches: round r runs a batch of every side, in an order that
 * rotates each round, so drift and noise fall on every side alike. Calibrates `opsPerBatch` so a
 * batch of the slowest side takes about `batchMs`.
 */
export function interleaved(sides: Readonly<Record<string, () => unknown>>, options: { batches: number; batchMs: number; warmupMs: number }): InterleavedResult {
  const names = Object.keys(sides);
  // Warm up every side (JIT, caches), then calibrate on the slowest.
  const warmEnd = performance.now() + options.warmupMs;
  while (performance.now() < warmEnd) for (const name of names) batchNs(sides[name] as () => unknown, 16);
  let slowest = 0;
  for (const name of names) slowest = Math.max(slowest, median([1, 2, 3].map(() => batchNs(sides[name] as () => unknown, 64))));
  const opsPerBatch = Math.max(1, Math.round((options.batchMs * 1e6) / slowest));
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < options.batches; round += 1) {
    for (let k = 0; k < names.length; k += 1) {
      const name = names[(round + k) % names.length] as string;
      (samples[name] as number[]).push(batchNs(sides[name] as () => unknown, opsPerBatch));
    }
  }
  return {
    samples,
    medianNs: Object.fromEntries(names.map((n) => [n, median(samples[n] as number[])])),
    batches: options.batches,
    opsPerBatch,
  };
}

/** Median of the per-round ratios a/b (each round's batches ran back to back). */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return median(a.map((x, i) => x / (b[i] as number)));
}

export const round = (value: number, digits = 3): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};
