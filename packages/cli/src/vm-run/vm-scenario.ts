/**
 * A scenario on a real kernel: the steps happen in a guest under QEMU, the policies decide on the
 * host before each gated operation from the guest's real state (read and restored as `patchwise
 * gate` does), a transition is watched and acted on as `gate watch` does, and the expectations are
 * checked against the guest. Everything is observed after each step for `run --compare`.
 */
import { Errno, patchInfo, strerror } from '@patchwise/core';
import { Diagnostic } from '@patchwise/diagnostics';
import { insmodStrerror, VM_LIBRARY, vmOpLine } from '@patchwise/kselftest';
import { parseFunctionRef, patchDefinition, type PatchManifest } from '@patchwise/manifest';
import type { PolicyEntry } from '@patchwise/policy';
import { ScenarioHarness, SCENARIO_STEPS, type Scenario } from '@patchwise/scenario';
import { Machine } from '@patchwise/sim';
import { errnoOfToolOutput, type SystemSnapshot } from '@patchwise/sysfs';
import { transitionPolicies, watchTransition, type WatchProgress } from '../commands/gate-watch.js';
import { RESULT_STEPS, resultName } from './sim-side.js';
import { compareLog, patchedFunctions, stateLines, summarizeDecision, type StepObservation } from './observation.js';
import { hostDecisions, type HostOperation } from './host-decisions.js';
import type { ScenarioPlan } from './plan.js';
import { expectOnKernel, type KernelView } from './vm-expect.js';
import { ownerFromProbe } from './probes.js';
import type { VmEnv, VmEvent, VmRun } from './vm-types.js';

export type { VmEnv, VmEvent, VmRun } from './vm-types.js';

/** How long a waiting step waits for a transition (as the selftests' 600 polls of 0.1 s). */
const WAIT_MS = 60_000;
const EXPECT = SCENARIO_STEPS.find((s) => s.name === 'expect');

class StepDied extends Error {}

const shellQuote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
/** A dmesg line without its timestamp. */
const untimed = (line: string) => line.replace(/^\[[ 0-9.]*\] ?/, '');

/** The errno of a failed command, from its message (busybox's shell says a missing folder its own way). */
function errnoOf(text: string): number {
  const name = /nonexistent directory/.test(text) ? 'ENOENT' : errnoOfToolOutput(text);
  const value = (Errno as Record<string, number>)[name];
  return -(value ?? Errno.EIO);
}

export class VmScenario {
  private readonly events: VmEvent[] = [];
  private readonly steps: StepObservation[] = [];
  private readonly notPerformable: { step: number; reason: string }[] = [];
  private readonly ledger: ScenarioHarness;
  private readonly manifests: ReadonlyMap<string, PatchManifest>;
  private readonly names: readonly string[];
  private readonly functions: readonly string[];
  private stepLog: string[] = [];
  private clock: number;
  private transition: { name: string; target: 'patched' | 'unpatched'; progress: WatchProgress } | undefined;
  private lastState: string[] = [];

  constructor(
    private readonly env: VmEnv,
    private readonly scenario: Scenario,
    private readonly plan: ScenarioPlan,
    private readonly policies: { readonly entries: readonly PolicyEntry[]; readonly audit: boolean },
  ) {
    // The ledger: what the run recorded (the guest's log, the host's decisions, results), for the
    // scenario package's own `expect` checks. Its machine is never run, only written to.
    this.ledger = new ScenarioHarness(new Machine({ release: env.release }));
    this.manifests = new Map(scenario.patches.map((p) => [p.name, p]));
    this.names = [...scenario.patches.map((p) => p.name), ...scenario.modules.map((m) => m.name)];
    this.functions = patchedFunctions(scenario.patches);
    this.clock = scenario.machine.time ? Date.parse(scenario.machine.time) : Date.now();
    for (const p of scenario.patches) if (p.published) this.ledger.published.set(p.name, Date.parse(p.published));
  }

  private log(text: string, source: 'kernel' | 'host'): void {
    this.ledger.machine.log.printk('info', text, source);
    this.events.push({ type: 'log', text, source });
    this.stepLog.push(text);
  }

  /**
   * The guest's state, read again only when it may have moved: after a command that can change it,
   * or while a transition runs (it completes on its own). A capture costs a second under TCG.
   */
  private async snapshot(): Promise<SystemSnapshot> {
    if (this.cached && !this.cached.patches.some((p) => p.transition)) return this.cached;
    this.cached = await this.env.machine.read();
    return this.cached;
  }

  private cached: SystemSnapshot | undefined;

  /** A command in the guest, then the kernel log it caused. */
  private async sh(command: string, timeoutMs?: number): Promise<{ status: number; stdout: string; stderr: string }> {
    this.cached = undefined;
    const r = await this.env.guest.exec(command, timeoutMs ? { timeoutMs } : {});
    await this.collect();
    return r;
  }

  private async collect(): Promise<void> {
    const r = await this.env.guest.exec('dmesg -c');
    for (const line of r.stdout.split('\n').map(untimed)) if (line) this.log(line, 'kernel');
  }

  private async decide(kind: HostOperation, name: string): Promise<boolean> {
    if (this.policies.entries.length === 0) return true;
    const snapshot = await this.snapshot();
    if (kind === 'disable' && !snapshot.patches.some((p) => p.name === name)) return true;
    const modules = this.scenario.modules.find((m) => m.name === name)?.functions ?? [];
    const kept = await hostDecisions(snapshot, { kind, name, functions: modules }, this.manifests, this.policies, this.clock);
    for (const d of kept) {
      this.ledger.decisions.push(d);
      this.ledger.decisionSteps.push(this.ledger.step);
      this.events.push({ type: 'decision', decision: d });
    }
    return kept.every((d) => d.allowed);
  }

  private async watch(name: string, target: 'patched' | 'unpatched', timeoutMs: number, progress?: WatchProgress): Promise<string> {
    const info = patchInfo(name, patchDefinition(this.manifests.get(name) as PatchManifest));
    const tracked = progress ?? { startedAt: Date.now(), retry: -1 };
    this.cached = undefined;
    this.transition = { name, target, progress: tracked };
    const outcome = await watchTransition(
      this.env.machine,
      info,
      target,
      // As the simulator logs a policy's action on a stalled transition.
      transitionPolicies(this.policies.entries, (action, by, event) =>
        this.log(`patchwise: ${by}: ${action} the ${target === 'patched' ? 'patching' : 'unpatching'} transition of '${name}' after ${event.retries} retries`, 'host'),
      ),
      (text) => this.events.push({ type: 'note', text }),
      { timeoutMs, pollMs: 100, progress: tracked },
    );
    await this.collect();
    if (outcome !== 'timeout') this.transition = undefined;
    return outcome;
  }

  private async load(a: { name: string; params?: string; wait: boolean }): Promise<void> {
    const h = this.ledger;
    const params = a.params ? ` ${a.params}` : '';
    this.log(`% insmod test_modules/${a.name}.ko${params}`, 'host');
    const isPatch = this.manifests.has(a.name);
    if (!(await this.decide(isPatch ? 'enable' : 'load-module', a.name))) {
      h.lastResult = -Errno.EPERM;
    } else {
      const ko = this.env.kos.get(a.name) as string;
      const words = (a.params ?? '').split(/\s+/).filter(Boolean).map(shellQuote).join(' ');
      const r = await this.sh(`pw-insmod ${shellQuote(ko)}${words ? ` ${words}` : ''}`);
      h.lastResult = r.status === 0 ? 0 : errnoOf(r.stderr);
    }
    if (h.lastResult) {
      this.log(`insmod: ERROR: could not insert module test_modules/${a.name}.ko: ${insmodStrerror(h.lastResult)}`, 'host');
      return;
    }
    if (!h.loadedAt.has(a.name)) h.loadedAt.set(a.name, this.clock);
    if (!isPatch) return;
    const progress = { startedAt: Date.now(), retry: -1 };
    if (!a.wait) {
      this.transition = { name: a.name, target: 'patched', progress };
      return;
    }
    const outcome = await this.watch(a.name, 'patched', WAIT_MS, progress);
    if (outcome === 'timeout' || outcome === 'error') throw new StepDied(`the transition of ${a.name} did not complete (use \`wait: false\` to go on)`);
  }

  private async echo(path: string, value: string, gate?: () => Promise<boolean>): Promise<number> {
    const h = this.ledger;
    this.log(`% echo ${value} > ${path}`, 'host');
    if (gate && !(await gate())) h.lastResult = -Errno.EPERM;
    else {
      const r = await this.sh(`echo ${value} > ${path}`);
      h.lastResult = r.status === 0 ? 0 : errnoOf(r.stderr);
    }
    if (h.lastResult) this.log(`bash: echo: write error: ${strerror(h.lastResult)}`, 'host');
    return h.lastResult;
  }

  private async disable(a: { name: string; wait: boolean }): Promise<void> {
    const ret = await this.echo(`/sys/kernel/livepatch/${a.name}/enabled`, '0', () => this.decide('disable', a.name));
    if (ret) return;
    const progress = { startedAt: Date.now(), retry: -1 };
    if (!a.wait) {
      this.transition = { name: a.name, target: 'unpatched', progress };
      return;
    }
    const outcome = await this.watch(a.name, 'unpatched', WAIT_MS, progress);
    if (outcome !== 'complete' && outcome !== 'forced') throw new StepDied(`${a.name} was not disabled (use \`wait: false\` to go on)`);
  }

  private async unload(name: string): Promise<void> {
    const h = this.ledger;
    this.log(`% rmmod ${name}`, 'host');
    const r = await this.sh(`rmmod ${name}`);
    h.lastResult = r.status === 0 ? 0 : errnoOf(r.stderr);
    if (h.lastResult === -Errno.EBUSY) this.log(`rmmod: ERROR: Module ${name} is in use`, 'host');
    else if (h.lastResult) this.log(`rmmod: ERROR: could not remove module ${name}: ${strerror(h.lastResult)}`, 'host');
  }

  /** Real time passes in the guest; a running transition is watched (and acted on by the policies) meanwhile. */
  private async advance(ms: number): Promise<void> {
    this.clock += ms;
    const started = Date.now();
    if (this.transition) await this.watch(this.transition.name, this.transition.target, ms, this.transition.progress);
    const left = ms - (Date.now() - started);
    if (left > 0) await this.sh(`sleep ${(left / 1000).toFixed(3)}`, left + 60_000);
  }

  private async timer(a: { every: number; until: number; load: readonly string[] }): Promise<void> {
    // The policies' clock moves by `every`; the guest does not sleep for days (nothing in it waits).
    for (let next = this.clock; next <= a.until; next += a.every) {
      this.clock = next;
      for (const name of a.load) {
        const published = this.ledger.published.get(name);
        if (this.ledger.loadedAt.has(name) || (published !== undefined && published > this.clock)) continue;
        await this.load({ name, wait: true });
      }
    }
  }

  /** modgen's control file of a task's kernel thread: `wake`, or `sleep FN`. */
  private async taskControl(task: string, command: string): Promise<void> {
    const thread = this.plan.threads.get(task);
    if (!thread) throw new StepDied(`task \`${task}\` has no kernel thread`);
    const file = `/proc/patchwise_${thread.module.replace(/-/g, '_')}/tasks/${task}`;
    const r = await this.sh(`echo ${shellQuote(command)} > ${shellQuote(file)}`);
    if (r.status !== 0) throw new StepDied(`\`${command}\` for task ${task} failed: ${r.stderr.trim()}`);
  }

  private async view(): Promise<KernelView> {
    const snapshot = await this.snapshot();
    return {
      snapshot,
      manifests: this.manifests,
      before: this.beforeStep,
      now: stateLines(snapshot, this.names),
      probe: (fn) => this.probe(fn),
      absent: (task) => {
        const reason = this.plan.absentTasks.get(task);
        return reason === undefined ? undefined : this.skip(this.ledger.step + 1, reason);
      },
      thread: async (task) => {
        const thread = this.plan.threads.get(task);
        return thread === undefined ? undefined : (await this.env.machine.tasks()).find((t) => t.comm === thread.comm);
      },
    };
  }

  private beforeStep: string[] | undefined;

  /** Runs modgen's probe of `fn` (reading a /proc file logs nothing: the log is collected with the step's). */
  private async probe(fn: string): Promise<{ runs: string } | { unobservable: string }> {
    const [object = '', name = ''] = fn.split(':');
    const probe = this.env.modgen.probeFor(object, name);
    if (!probe) return { unobservable: `no probe shows who runs ${fn}` };
    const r = await this.env.guest.exec(probe.command);
    return { runs: ownerFromProbe(r.stdout, object, name, this.scenario.patches, this.env.modgen.defaultOutput) };
  }

  private async observe(index: number, name: string, line: number | undefined, decisionsFrom: number, result: string | undefined, notPerformable?: string): Promise<void> {
    const snapshot = await this.snapshot();
    const state = stateLines(snapshot, this.names);
    const owners: Record<string, string> = {};
    if (!snapshot.patches.some((p) => p.transition)) {
      for (const fn of this.functions) {
        const seen = await this.probe(fn);
        if ('runs' in seen) owners[fn] = seen.runs;
      }
    }
    await this.collect();
    this.steps.push({
      index,
      name,
      ...(line ? { line } : {}),
      log: compareLog(this.stepLog, this.names),
      state,
      owners,
      decisions: this.ledger.decisions.slice(decisionsFrom).map(summarizeDecision),
      ...(result === undefined ? {} : { result }),
      ...(notPerformable ? { notPerformable } : {}),
    });
    this.lastState = state;
  }

  private skip(step: number, reason: string): string {
    const text = `not performable on ${this.env.release}: ${reason}`;
    this.notPerformable.push({ step, reason: text });
    this.events.push({ type: 'not-performable', step, reason: text });
    return text;
  }

  async run(): Promise<VmRun> {
    const h = this.ledger;
    // As the selftests: the livepatch core's pr_debug lines, but not the per-task retry chatter.
    await this.env.guest.exec(
      "echo 'file kernel/livepatch/* +p' > /sys/kernel/debug/dynamic_debug/control; echo 'func klp_try_switch_task -p' > /sys/kernel/debug/dynamic_debug/control; dmesg -c > /dev/null",
    );
    const setup: string[] = [...this.plan.absentTasks.values()];
    for (const m of this.scenario.modules) {
      if (!m.loaded) continue;
      const ko = this.env.kos.get(m.name);
      if (!ko) {
        setup.push(this.plan.missing.get(m.name) ?? `module \`${m.name}\` was not built`);
        continue;
      }
      const r = await this.sh(`pw-insmod ${shellQuote(ko)}`);
      if (r.status !== 0) {
        throw new Diagnostic({ code: 'PW_SCENARIO', file: this.scenario.file, reason: `module \`${m.name}\` (\`loaded: true\`) could not be loaded on ${this.env.release}: ${r.stderr.trim()}` });
      }
    }
    const setupReason = setup.length ? setup.map((r) => this.skip(0, r)).join('; ') : undefined;
    await this.observe(-1, 'setup', undefined, 0, undefined, setupReason);
    let failure: VmRun['failure'];
    for (const step of this.scenario.steps) {
      h.step = step.index;
      h.stepLine = step.line;
      this.stepLog = [];
      this.events.push({ type: 'step', index: step.index, name: step.name, ...(step.line ? { line: step.line } : {}) });
      const decisionsFrom = h.decisions.length;
      const expectationsFrom = h.expectations.length;
      if (step.name !== 'expect') this.beforeStep = this.lastState;
      const reason = this.plan.steps.get(step.index);
      if (reason) {
        const text = this.skip(step.index + 1, reason);
        if (step.name === 'expect') h.expectation(false, `expect: ${text}`);
        await this.observe(step.index, step.name, step.line, decisionsFrom, undefined, text);
        for (const result of h.expectations.slice(expectationsFrom)) this.events.push({ type: 'expect', result });
        continue;
      }
      try {
        await this.perform(step.name, step.args, step);
      } catch (err) {
        if (!(err instanceof StepDied)) throw err;
        failure = { step: step.index, message: `step ${step.index + 1} \`${step.name}\`: ${err.message}` };
      }
      for (const result of h.expectations.slice(expectationsFrom)) this.events.push({ type: 'expect', result });
      const result = RESULT_STEPS.has(step.name) && h.lastResult !== undefined ? resultName(h.lastResult) : undefined;
      await this.observe(step.index, step.name, step.line, decisionsFrom, result);
      if (failure) break;
    }
    const passed = !failure && this.notPerformable.length === 0 && h.expectations.every((e) => e.passed);
    return {
      scenario: this.scenario,
      release: this.env.release,
      events: this.events,
      steps: this.steps,
      expectations: h.expectations,
      decisions: h.decisions,
      notPerformable: this.notPerformable,
      ...(failure ? { failure } : {}),
      passed,
    };
  }

  private async perform(name: string, args: unknown, step: Scenario['steps'][number]): Promise<void> {
    switch (name) {
      case 'load':
        return this.load(args as { name: string; params?: string; wait: boolean });
      case 'disable':
        return this.disable(args as { name: string; wait: boolean });
      case 'unload':
        return this.unload((args as { name: string }).name);
      case 'advance':
        return this.advance(args as number);
      case 'timer':
        return this.timer(args as { every: number; until: number; load: readonly string[] });
      case 'force':
        return void (await this.echo(`/sys/kernel/livepatch/${args as string}/force`, '1'));
      case 'reverse': {
        const r = await this.env.guest.exec(`cat /sys/kernel/livepatch/${args as string}/enabled`);
        return void (await this.echo(`/sys/kernel/livepatch/${args as string}/enabled`, r.stdout.trim() === '1' ? '0' : '1'));
      }
      case 'wake':
        return this.taskControl(args as string, 'wake');
      case 'sleep': {
        const a = args as { task: string; in: string };
        return this.taskControl(a.task, `sleep ${parseFunctionRef(a.in).name}`);
      }
      case 'expect':
        return expectOnKernel(
          this.ledger,
          args as Record<string, unknown>,
          () => this.view(),
          (h, part) => EXPECT?.run(h as never, part as never) as void,
        );
      default: {
        // A selftest op, as `replay --vm` runs it: one line of its shell library.
        const line = vmOpLine(step);
        if ('unsupported' in line) throw new StepDied(line.unsupported);
        const r = await this.sh(`${VM_LIBRARY}\n${line.line}`);
        if (r.status !== 0) throw new StepDied(r.stderr.trim() || `exit status ${r.status}`);
      }
    }
  }
}
