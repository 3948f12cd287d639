/**
 * Decisions: what a gate concluded, with the findings that led there.
 */
import type { NopList } from './nop-list.js';

/** `error` denies; `warn` reports and allows. (`off` policies do not run at all.) */
export type Severity = 'error' | 'warn';

/** The gates: points where policies may refuse an operation before anything changes. */
export type GateName = 'prePatch' | 'replace' | 'preUnpatch' | 'moduleComing';

/** What was asked for. */
export type Operation = 'enable' | 'disable' | 'reverse' | 'load-module';

/** What a finding is about: the patches, functions and ids involved, plus policy-specific data. */
export interface FindingData {
  readonly patches?: readonly string[];
  readonly functions?: readonly string[];
  readonly ids?: readonly (string | number)[];
  readonly [key: string]: unknown;
}

/** One reason for (or against) an operation. */
export interface Finding {
  /** The policy that reported it. */
  readonly policy: string;
  /** Stable code, unique within the policy. */
  readonly code: string;
  readonly message: string;
  /** The severity that applied (after the policy's configured severity and audit mode). */
  readonly severity: Severity;
  readonly data: FindingData;
  /** How to get the operation through, when the policy knows. */
  readonly hint?: string;
  /** In audit mode: this finding would have denied. */
  readonly audited?: boolean;
  /** The error of a policy that threw or rejected (not enumerable: not part of the record). */
  readonly cause?: unknown;
}

/** A policy that took part in a decision. */
export interface PolicyRef {
  readonly name: string;
  readonly version?: string;
}

export interface Decision {
  /** Sequence number, per machine. */
  readonly id: number;
  /** Machine time (ms since the epoch the machine was given). */
  readonly time: number;
  readonly gate: GateName;
  readonly operation: Operation;
  /** The patch concerned (`null` for a module load). */
  readonly patch: string | null;
  /** The loading module, for `moduleComing`. */
  readonly module?: string;
  /** For `replace`: the patches that would be replaced, and the functions that get nops. */
  readonly replaced?: readonly string[];
  readonly nops?: NopList;
  readonly allowed: boolean;
  /** Audit mode: errors were reported as warnings. */
  readonly audit: boolean;
  readonly findings: readonly Finding[];
  readonly policies: readonly PolicyRef[];
}

/** The JSON line an audit log keeps for a decision. */
export interface DecisionRecord {
  readonly id: number;
  readonly time: string;
  readonly operation: Operation;
  readonly gate: GateName;
  readonly patch: string | null;
  readonly module?: string;
  readonly policies: readonly PolicyRef[];
  readonly findings: readonly Finding[];
  readonly outcome: 'allowed' | 'denied';
  readonly audit: boolean;
}

export function decisionRecord(decision: Decision): DecisionRecord {
  return {
    id: decision.id,
    time: new Date(decision.time).toISOString(),
    operation: decision.operation,
    gate: decision.gate,
    patch: decision.patch,
    ...(decision.module === undefined ? {} : { module: decision.module }),
    policies: decision.policies,
    findings: decision.findings,
    outcome: decision.allowed ? 'allowed' : 'denied',
    audit: decision.audit,
  };
}

const verbs: Record<Operation, string> = {
  enable: 'enable patch',
  disable: 'disable patch',
  reverse: 'reverse the transition of patch',
  'load-module': 'load module',
};

/** The `patchwise:` kernel log lines of a decision (none for a clean allow). */
export function decisionLogLines(decision: Decision): { level: 'err' | 'warn' | 'notice'; text: string }[] {
  const lines = decision.findings.map((f) => ({
    level: f.severity === 'error' ? ('err' as const) : ('warn' as const),
    text: `patchwise: ${f.policy}: ${f.code}: ${f.message}${f.audited ? ' (audit: would deny)' : ''}`,
  }));
  if (!decision.allowed) {
    const what = decision.operation === 'load-module' ? decision.module : decision.patch;
    lines.push({ level: 'err', text: `patchwise: refusing to ${verbs[decision.operation]} '${what ?? ''}'` });
  }
  return lines;
}
