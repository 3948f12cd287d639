/**
 * replayAllMs (informational): every bundled selftest case through `patchwise replay --check`, as
 * a spawned CLI process (startup included), median wall time of a few runs.
 */
import { spawnSync } from 'node:child_process';
import { CLI } from './cli-startup.js';
import { median, round } from './stats.js';

export interface ReplayResult {
  readonly ms: number;
  readonly runs: number;
  readonly samplesMs: readonly number[];
  /** The CLI's own summary line (`N passed, M failed`). */
  readonly summary: string;
  readonly exitCode: number;
}

export function replayAll(options: { runs: number }): ReplayResult {
  const times: number[] = [];
  let summary = '';
  let exitCode = 0;
  for (let i = 0; i < options.runs; i += 1) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [CLI, 'replay', '--check'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    const lines = r.stdout.trim().split('\n');
    summary = lines[lines.length - 1] ?? '';
    exitCode = r.status ?? -1;
  }
  return { ms: round(median(times), 0), runs: options.runs, samplesMs: times.map((t) => round(t, 0)), summary, exitCode };
}
