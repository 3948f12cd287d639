/**
 * Running a scenario: a fresh machine with its patches, modules and tasks, the policy set applied,
 * the steps performed, every log line and decision recorded in order.
 */
import { strerror, type Decision } from '@patchwise/core';
import { Diagnostic } from '@patchwise/diagnostics';
import { HarnessFailure } from '@patchwise/kselftest';
import { kernelFunctionsOf, manifestModule, moduleFunctionsOf } from '@patchwise/manifest';
import { applyPolicies, type AppliedPolicy, type PolicyEntry } from '@patchwise/policy';
import { getpidLoop, Machine, type LogRecord } from '@patchwise/sim';
import { ScenarioHarness, type ExpectationResult } from './harness.js';
import { functionStacks, type FunctionStack } from './stacks.js';
import { traceLifecycle, type TraceEvent } from './trace.js';
import type { Scenario } from './parse.js';
import { parseFunctionRef } from '@patchwise/manifest';

/** What happened, in order. */
export type ScenarioEvent =
  | { readonly type: 'log'; readonly record: LogRecord }
  | { readonly type: 'decision'; readonly decision: Decision }
  /** `time`: machine time (ms since boot) as the step starts. */
  | { readonly type: 'step'; readonly index: number; readonly name: string; readonly time: number; readonly line?: number }
  | { readonly type: 'expect'; readonly result: ExpectationResult }
  /** After a step that changed them: every patched function's stack, newest first. */
  | { readonly type: 'stacks'; readonly stacks: readonly FunctionStack[] }
  /** Only with `trace: true`. */
  | TraceEvent;

export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly events: readonly ScenarioEvent[];
  readonly decisions: readonly Decision[];
  readonly expectations: readonly ExpectationResult[];
  /** Why the scenario stopped early (a step died), if it did. */
  readonly failure?: { readonly step: number; readonly message: string };
  readonly passed: boolean;
  readonly policies: readonly AppliedPolicy[];
  readonly machine: Machine;
}

export interface RunScenarioOptions {
  /** The policy set (already resolved from the config). */
  readonly policies?: readonly PolicyEntry[];
  readonly audit?: boolean;
  /** Record a `stacks` event after every step that changes a function's patch stack (off: none). */
  readonly stacks?: boolean;
  /** Record the lifecycle trace a report draws: transitions, callbacks, modules, stack changes (off: none). */
  readonly trace?: boolean;
  /** Called after each step (also one that died), with the machine as the step left it: `run --compare` reads its state there. */
  readonly onStep?: (index: number, h: ScenarioHarness) => void | Promise<void>;
}

/** Build the machine a scenario describes (before any step). */
export async function scenarioMachine(scenario: Scenario): Promise<Machine> {
  const { machine: spec } = scenario;
  const epoch = spec.time ? Date.parse(spec.time) : undefined;
  const sleepers = scenario.tasks.flatMap((t) => (t.sleepsIn ? [parseFunctionRef(t.sleepsIn)] : []));
  const machine = new Machine({
    ...(spec.release ? { release: spec.release } : {}),
    ...(spec.cpus ? { cpus: spec.cpus } : {}),
    ...(epoch !== undefined ? { epoch } : {}),
    kernelFunctions: [...kernelFunctionsOf(scenario.patches), ...sleepers.filter((r) => r.object === 'vmlinux').map((r) => r.name)],
  });
  const fromPatches = moduleFunctionsOf(scenario.patches);
  for (const module of scenario.modules) {
    const functions = new Set([...module.functions, ...(fromPatches.get(module.name) ?? [])]);
    machine.addModule({ name: module.name, description: 'scenario target module', symbols: [...functions].map((name) => ({ name })) });
  }
  for (const manifest of scenario.patches) machine.addModule(manifestModule(manifest));
  for (const module of scenario.modules) {
    const ret = module.loaded ? await machine.insmod(module.name) : 0;
    if (ret) {
      throw new Diagnostic({
        code: 'PW_SCENARIO',
        file: scenario.file,
        reason: `module \`${module.name}\` (\`loaded: true\`) could not be loaded: ${strerror(ret)}`,
        hint: 'a patch the scenario lists may refuse it; load it with a `load` step instead',
      });
    }
  }
  return machine;
}

export async function runScenario(scenario: Scenario, options: RunScenarioOptions = {}): Promise<ScenarioResult> {
  const machine = await scenarioMachine(scenario);
  const events: ScenarioEvent[] = [];
  // First, so what changed is recorded before the log line or decision that follows from it.
  const trace = options.trace ? traceLifecycle(machine, (event) => events.push(event)) : undefined;
  machine.log.subscribe((record) => events.push({ type: 'log', record }));
  const h = new ScenarioHarness(machine);
  for (const patch of scenario.patches) if (patch.published) h.published.set(patch.name, Date.parse(patch.published));
  machine.livepatch.hooks.decision.tap({ name: 'scenario-events', order: 'post' }, (decision) => {
    if (decision.policies.length > 0 || decision.findings.length > 0) events.push({ type: 'decision', decision });
  });
  const policies = applyPolicies(machine.livepatch, options.policies ?? [], { audit: options.audit ?? false });
  for (const t of scenario.tasks) {
    const ref = t.sleepsIn ? parseFunctionRef(t.sleepsIn) : undefined;
    const addr = ref ? machine.kallsyms.address(ref.object, ref.name) : undefined;
    const task = machine.spawn({
      comm: t.comm ?? t.name,
      ...(t.kthread ? { kthread: true } : {}),
      ...(t.behavior === 'getpid-loop' ? { behavior: getpidLoop } : {}),
    });
    if (addr) machine.sleepIn(task, addr);
    h.tasks.set(t.name, task);
    h.pids.push(task.pid);
  }
  let failure: ScenarioResult['failure'];
  let lastStacks = '[]';
  const noteStacks = () => {
    if (!options.stacks) return;
    const stacks = functionStacks(machine);
    const key = JSON.stringify(stacks);
    if (key !== lastStacks) events.push({ type: 'stacks', stacks });
    lastStacks = key;
  };
  // Snapshots of the whole machine cost a walk of every task: taken only when a check needs them.
  const comparesSteps = scenario.steps.some((s) => s.name === 'expect' && (s.args as { unchanged?: unknown }).unchanged === true);
  for (const step of scenario.steps) {
    h.step = step.index;
    h.stepLine = step.line;
    events.push({ type: 'step', index: step.index, name: step.name, time: machine.clock.now, ...(step.line ? { line: step.line } : {}) });
    const before = h.expectations.length;
    if (comparesSteps && step.name !== 'expect') h.beforeStep = h.snapshot();
    try {
      await step.spec.run(h, step.args);
      if (step.spec.asserts) h.expectation(true, `${step.name}: ${step.spec.asserts(step.args)}`);
    } catch (err) {
      if (!(err instanceof HarnessFailure)) throw err;
      // A selftest assertion used as a step is an expectation like the others: the scenario goes on.
      if (step.spec.asserts) {
        h.expectation(false, `${step.name}: ${err.message}`);
        continue;
      }
      failure = { step: step.index, message: `step ${step.index + 1} \`${step.name}\`: ${err.message}` };
      break;
    } finally {
      for (const result of h.expectations.slice(before)) events.push({ type: 'expect', result });
      noteStacks();
      trace?.sync();
      await options.onStep?.(step.index, h);
    }
  }
  const passed = !failure && h.expectations.every((e) => e.passed);
  return {
    scenario,
    events,
    decisions: h.decisions,
    expectations: h.expectations,
    ...(failure ? { failure } : {}),
    passed,
    policies,
    machine,
  };
}
