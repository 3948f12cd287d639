/**
 * What `run --compare` compares after each step of a scenario, on the simulator and on a real
 * kernel alike: the step's filtered kernel log lines, the livepatch sysfs state (as
 * `@patchwise/sysfs` reads it, on both sides), the live owner of each function the scenario's
 * patches replace, the decisions made, and the result of a tolerant step.
 */
import type { Decision } from '@patchwise/core';
import { normalObjects, type PatchManifest } from '@patchwise/manifest';
import { selftestFilter } from '@patchwise/sim';
import type { SystemSnapshot } from '@patchwise/sysfs';

/** A decision as compared: its verdict and its findings, not its ids or times. */
export interface DecisionSummary {
  readonly operation: string;
  readonly target: string;
  readonly gate: string;
  readonly allowed: boolean;
  /** `policy/code severity`, in order. */
  readonly findings: readonly string[];
}

export interface StepObservation {
  /** 0-based. */
  readonly index: number;
  readonly name: string;
  readonly line?: number;
  /** Kernel log lines written during the step, filtered (see `compareLog`). */
  readonly log: readonly string[];
  /** The livepatch sysfs state after the step (see `stateLines`). */
  readonly state: readonly string[];
  /** `object:function` → the patch whose code a new task runs (`original` for none or a nop); absent during a transition. */
  readonly owners: Readonly<Record<string, string>>;
  readonly decisions: readonly DecisionSummary[];
  /** The result of a tolerant step (`ok`, `EPERM`, ...), when it has one. */
  readonly result?: string;
  /** Why the step could not be performed on a real kernel (the VM side only). */
  readonly notPerformable?: string;
}

export function summarizeDecision(d: Decision): DecisionSummary {
  return {
    operation: d.operation,
    target: d.patch ?? d.module ?? '',
    gate: d.gate,
    allowed: d.allowed,
    findings: d.findings.map((f) => `${f.policy}/${f.code} ${f.severity}`),
  };
}

export function decisionText(d: DecisionSummary): string {
  return `${d.allowed ? 'allowed' : 'denied'} ${d.operation} '${d.target}' (${d.gate})${d.findings.length ? `: ${d.findings.join(', ')}` : ''}`;
}

const TAINT = /taints kernel|tainting kernel/;

/**
 * The log lines compared: the simulator's own filter (the selftests' `livepatch:` and `test_klp`
 * lines), plus lines a scenario's patch or module writes under its own name (its callbacks'
 * messages), without taint notices.
 */
export function compareLog(lines: readonly string[], names: readonly string[]): string[] {
  const kept = new Set(selftestFilter(lines));
  return lines.filter((line) => kept.has(line) || (!TAINT.test(line) && names.some((n) => line.startsWith(`${n}: `))));
}

/**
 * The livepatch state as lines, in the kernel's order of the patches: each patch with `enabled`,
 * `transition` and (where the kernel has the file) `replace`, its objects and functions; then the
 * scenario's modules that are loaded.
 */
export function stateLines(snapshot: SystemSnapshot, modules: readonly string[]): string[] {
  const lines: string[] = [];
  const b = (v: boolean) => (v ? 1 : 0);
  for (const p of snapshot.patches) {
    lines.push(`patch ${p.name} enabled=${b(p.enabled)} transition=${b(p.transition)}${p.replace === undefined ? '' : ` replace=${b(p.replace)}`}`);
    for (const o of p.objects) {
      lines.push(`  object ${p.name}/${o.name} patched=${b(o.patched)}`);
      for (const f of o.functions) lines.push(`    func ${p.name}/${o.name}/${f.name},${f.sympos}`);
    }
  }
  const loaded = new Set(snapshot.modules.map((m) => m.name));
  for (const name of modules) if (loaded.has(name)) lines.push(`module ${name} loaded`);
  return lines;
}

/** Every function the scenario's patches replace, as `object:function`, sorted. */
export function patchedFunctions(patches: readonly PatchManifest[]): string[] {
  const all = new Set<string>();
  for (const p of patches) for (const o of normalObjects(p)) for (const f of o.functions) all.add(`${o.name}:${f.name}`);
  return [...all].sort();
}
