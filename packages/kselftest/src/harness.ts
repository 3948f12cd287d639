/**
 * The selftest harness (functions.sh) on a simulated machine: runs a case's ops, writing the lines
 * the shell scripts write, and waiting the way they wait.
 */
import { strerror } from '@patchwise/core';
import { manifestModule } from '@patchwise/manifest';
import { FsError, Machine, selftestFilter, type MachineOptions, type Task } from '@patchwise/sim';
import type { SelftestCase } from './case.js';
import { insmodStrerror, type ModuleArg } from './ops.js';

/** functions.sh: `MAX_RETRIES=600`, `RETRY_INTERVAL=".1"`. */
export const MAX_RETRIES = 600;
export const RETRY_INTERVAL_MS = 100;

/** The case died (functions.sh `die`): an op failed or a wait timed out. */
export class HarnessFailure extends Error {
  readonly code = 'PW_CASE_DIED';
}

export interface CaseResult {
  readonly case: SelftestCase;
  /** The filtered kernel log the case produced. */
  readonly output: readonly string[];
  /** `expect`, with `$PIDS` replaced by the spawned pids. */
  readonly expected: readonly string[];
  readonly passed: boolean;
  /** Why the case died, when it did (the output is then partial). */
  readonly failure?: { readonly op: number; readonly message: string };
  /** Machine time the case took, in milliseconds. */
  readonly elapsedMs: number;
}

export class Harness {
  /** Tasks started by `spawn_tasks` and still alive. */
  readonly spawned: Task[] = [];
  /** Every pid `spawn_tasks` started, in order: what `$PIDS` expands to. */
  readonly pids: number[] = [];

  constructor(readonly machine: Machine) {}

  /** `echo MSG > /dev/kmsg`. */
  log(line: string): void {
    this.machine.log.printk('info', line);
  }

  die(message: string): never {
    throw new HarnessFailure(message);
  }

  /** `$PIDS`: the spawned tasks' pids, comma-separated. */
  substitute(text: string): string {
    return text.replaceAll('$PIDS', this.pids.join(','));
  }

  /** `__load_mod`: insmod that must succeed. */
  async insmod(m: ModuleArg): Promise<void> {
    const ret = await this.machine.insmod(m.name, this.substitute(m.params ?? ''));
    if (ret) this.die(`insmod: ERROR: could not insert module test_modules/${m.name}.ko: ${insmodStrerror(ret)}`);
  }

  /** `loop_until`: poll every 0.1 s of machine time, at most 600 times. */
  waitFor(condition: () => boolean, message: string): void {
    for (let i = 0; ; i += 1) {
      if (condition()) return;
      if (i === MAX_RETRIES) this.die(message);
      this.machine.advance(RETRY_INTERVAL_MS);
    }
  }

  /** `cat PATH` without the trailing newline (or the raw text), `undefined` if it cannot be read. */
  readOrUndefined(path: string, trim = true): string | undefined {
    try {
      const text = this.machine.read(path);
      return trim ? text.replace(/\n$/, '') : text;
    } catch (err) {
      if (err instanceof FsError) return undefined;
      throw err;
    }
  }

  /** `ls PATH | wc -l` (0 for a missing folder). */
  countDirs(path: string): number {
    try {
      return this.machine.readdir(path).length;
    } catch (err) {
      if (err instanceof FsError) return 0;
      throw err;
    }
  }

  describeActual(check: { kind: 'read' | 'count_dirs'; path: string }): string {
    return check.kind === 'count_dirs' ? String(this.countDirs(check.path)) : (this.readOrUndefined(check.path) ?? '(missing)');
  }
}

export interface RunOptions {
  /** Options for the fresh machine each case runs on. */
  readonly machine?: MachineOptions;
  /** Called with the machine before the first op (to attach observers, policies, ...). */
  readonly setup?: (machine: Machine) => void | Promise<void>;
}

/** Run one case on a fresh machine and compare its filtered log with `expect`. */
export async function runCase(c: SelftestCase, options: RunOptions = {}): Promise<CaseResult> {
  const machine = new Machine(options.machine);
  // The case's own patches are modules `insmod` can load, beside the selftest modules.
  for (const patch of c.patches ?? []) machine.addModule(manifestModule(patch));
  await options.setup?.(machine);
  const h = new Harness(machine);
  machine.log.printk('info', `===== TEST: ${c.title} =====`);
  const mark = machine.log.mark;
  const start = machine.clock.now;
  let failure: CaseResult['failure'];
  for (const op of c.ops) {
    try {
      await op.spec.run(h, op.args);
    } catch (err) {
      if (!(err instanceof HarnessFailure)) throw err;
      failure = { op: op.index, message: `op ${op.index + 1} \`${op.name}\`: ${err.message}` };
      break;
    }
  }
  const output = selftestFilter(machine.log.records(mark).map((r) => r.text));
  const expected = c.expect.map((line) => h.substitute(line));
  const passed = !failure && output.length === expected.length && output.every((line, i) => line === expected[i]);
  return { case: c, output, expected, passed, elapsedMs: machine.clock.now - start, ...(failure ? { failure } : {}) };
}

export { strerror };
