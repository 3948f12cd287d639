/**
 * The scenario harness: the selftest harness plus what experiments need — named tasks, the
 * decisions made, results of tolerant steps, and expectation outcomes.
 */
import { strerror, type Decision } from '@patchwise/core';
import { Harness } from '@patchwise/kselftest';
import type { Machine, Task } from '@patchwise/sim';
import { snapshotMachine, type MachineSnapshot } from './snapshot.js';

export interface ExpectationResult {
  /** 0-based step index. */
  readonly step: number;
  readonly line?: number;
  readonly passed: boolean;
  /** What was checked, and (when it failed) what was found instead. */
  readonly message: string;
}

export class ScenarioHarness extends Harness {
  readonly tasks = new Map<string, Task>();
  readonly decisions: Decision[] = [];
  /** The step index each of `decisions` was made in. */
  readonly decisionSteps: number[] = [];
  readonly expectations: ExpectationResult[] = [];
  /** The result (0 or -errno) of the last tolerant step (`load`, `disable`, `unload`, ...). */
  lastResult: number | undefined;
  /** Log mark of the previous `expect`, so `log:` checks only what came after. */
  logMark: number;
  /** The machine before the most recent step other than `expect` (kept only when `unchanged` is used). */
  beforeStep: MachineSnapshot | undefined;
  /** Each patch's `published` (ms since the epoch), for `timer` and `expect: {exposure}`. */
  readonly published = new Map<string, number>();
  /** When each patch was first loaded (machine wall-clock ms at its successful `insmod`). */
  readonly loadedAt = new Map<string, number>();
  /** Index of the step running, for expectation results. */
  step = 0;
  stepLine: number | undefined;

  constructor(machine: Machine) {
    super(machine);
    this.logMark = machine.log.mark;
    // A gate no policy looked at decided nothing worth reporting.
    machine.livepatch.hooks.decision.tap({ name: 'scenario', order: 'post' }, (d) => {
      if (d.policies.length > 0 || d.findings.length > 0) {
        this.decisions.push(d);
        this.decisionSteps.push(this.step);
      }
    });
  }

  task(name: string): Task {
    const task = this.tasks.get(name);
    if (!task) this.die(`no task named \`${name}\` (declare it under \`tasks\`)`);
    return task;
  }

  /**
   * `echo VALUE > PATH` as the shell runs it: the command line and, when the write is refused, the
   * shell's error go to the log; the result is recorded for `expect: {result}`.
   */
  async echo(path: string, value: string): Promise<number> {
    this.log(`% echo ${value} > ${path}`);
    this.lastResult = await this.machine.write(path, value);
    if (this.lastResult) this.log(`bash: echo: write error: ${strerror(this.lastResult)}`);
    return this.lastResult;
  }

  snapshot(): MachineSnapshot {
    return snapshotMachine(this.machine);
  }

  expectation(passed: boolean, message: string): void {
    this.expectations.push({ step: this.step, passed, message, ...(this.stepLine ? { line: this.stepLine } : {}) });
  }
}
