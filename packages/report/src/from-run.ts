/**
 * From a recorded run to the report's data: scenario events (with `trace: true`) become trace items
 * on one clock (ms since boot), decisions get an outcome, steps their text.
 */
import type { Decision } from '@patchwise/core';
import type { ScenarioEvent, ScenarioResult, TracedCase } from '@patchwise/scenario';
import type { DecisionItem, ReportScenario, RunTrace, TraceItem } from './model.js';

/** A step's parsed value in YAML's flow style: `acme_fix`, `{name: acme_fix, wait: true}`, `[a, b]`. */
function flow(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flow).join(', ')}]`;
  if (value !== null && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${k}: ${flow(v)}`).join(', ')}}`;
  return typeof value === 'string' ? value : String(value);
}

/** `load: {name: acme_fix, wait: true}`, `advance: 2000`: a step as short text. */
export function stepText(name: string, args: unknown): string {
  return args === undefined || args === null ? name : `${name}: ${flow(args)}`;
}

function decisionItem(decision: Decision, epoch: number): DecisionItem {
  const warned = decision.findings.length > 0;
  return {
    kind: 'decision',
    time: decision.time - epoch,
    id: decision.id,
    gate: decision.gate,
    operation: decision.operation,
    patch: decision.patch,
    ...(decision.module === undefined ? {} : { module: decision.module }),
    outcome: !decision.allowed ? 'denied' : warned ? 'warned' : 'allowed',
    audit: decision.audit,
    policies: decision.policies.map((p) => (p.version ? `${p.name} ${p.version}` : p.name)),
    findings: decision.findings.map((f) => ({
      policy: f.policy,
      code: f.code,
      message: f.message,
      severity: f.severity,
      ...(f.hint === undefined ? {} : { hint: f.hint }),
      ...(f.audited ? { audited: true } : {}),
    })),
    ...(decision.replaced?.length ? { replaced: decision.replaced } : {}),
  };
}

export interface TraceContext {
  /** The machine's boot time (decisions carry wall-clock time). */
  readonly epoch: number;
  /** Step texts by index. */
  readonly steps: readonly string[];
}

/** Scenario events as trace items (the per-step `stacks` snapshots are left out: `patches` is finer). */
export function traceItems(events: readonly ScenarioEvent[], context: TraceContext): TraceItem[] {
  const items: TraceItem[] = [];
  let now = 0;
  for (const e of events) {
    switch (e.type) {
      case 'step':
        now = e.time;
        items.push({ kind: 'step', time: e.time, index: e.index, name: e.name, text: context.steps[e.index] ?? e.name, ...(e.line ? { line: e.line } : {}) });
        break;
      case 'expect':
        items.push({ kind: 'expect', time: now, step: e.result.step, passed: e.result.passed, message: e.result.message, ...(e.result.line ? { line: e.result.line } : {}) });
        break;
      case 'log':
        now = e.record.time;
        items.push({ kind: 'log', time: e.record.time, level: e.record.level, text: e.record.text });
        break;
      case 'decision':
        items.push(decisionItem(e.decision, context.epoch));
        break;
      case 'transition':
        now = e.time;
        items.push({ kind: 'transition', time: e.time, phase: e.kind, patch: e.patch, target: e.target, retries: e.retries, tasks: e.tasks, switched: e.switched, pending: e.pending.map((p) => ({ ...p })) });
        break;
      case 'callback':
        items.push({ kind: 'callback', time: e.time, patch: e.patch, stage: e.stage, ...(e.object ? { object: e.object } : {}), ...(e.result === undefined ? {} : { result: e.result }) });
        break;
      case 'module':
        items.push({ kind: 'module', time: e.time, module: e.module, action: e.action });
        break;
      case 'patches':
        items.push({ kind: 'stacks', time: e.time, stacks: e.stacks.map((s) => ({ function: s.function, patches: s.patches.map((p) => ({ ...p })) })) });
        break;
      case 'stacks':
        break;
    }
  }
  return items;
}

/** Every function that ever had a patch, in the order they first did. */
export function patchedFunctions(items: readonly TraceItem[]): string[] {
  const seen = new Set<string>();
  for (const item of items) if (item.kind === 'stacks') for (const s of item.stacks) seen.add(s.function);
  return [...seen];
}

/** A scenario run (recorded with `trace: true`) as a report scenario with one simulator run. */
export function scenarioReport(result: ScenarioResult): ReportScenario {
  const { scenario, machine } = result;
  const events = traceItems(result.events, { epoch: machine.epoch, steps: scenario.steps.map((s) => stepText(s.name, s.args)) });
  const run: RunTrace = {
    label: 'simulator',
    source: 'sim',
    release: machine.release,
    policies: result.policies.map((p) => `${p.name}${p.version ? ` ${p.version}` : ''} (${p.severity})`),
    passed: result.passed,
    ...(result.failure ? { failure: result.failure.message } : {}),
    functions: patchedFunctions(events),
    events,
  };
  return { name: scenario.name, file: scenario.file, ...(scenario.description ? { description: scenario.description } : {}), runs: [run] };
}

/** A selftest case run with `traceCase` (the kernel alone: no policies, no decisions). */
export function caseReport(traced: TracedCase): ReportScenario {
  const { result, machine } = traced;
  const c = result.case;
  const events = traceItems(traced.events, { epoch: machine.epoch, steps: c.ops.map((op) => stepText(op.name, op.args)) });
  const run: RunTrace = {
    label: 'simulator',
    source: 'sim',
    release: machine.release,
    policies: [],
    passed: result.passed,
    ...(result.failure ? { failure: result.failure.message } : {}),
    functions: patchedFunctions(events),
    events,
  };
  return { name: `${c.id}: ${c.title}`, file: c.file, ...(c.comment ? { description: c.comment } : {}), runs: [run] };
}
