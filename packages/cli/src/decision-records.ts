/**
 * Decision records a fleet can collect: every decision of `--decisions FILE` and `--format json`,
 * with what an operator needs to file and compare it across a thousand hosts — a unique id, the
 * labels of the host's config and command line, the host facts known, and the policy revision (a
 * hash of the resolved policy set, so two hosts that decided differently can be told apart by
 * configuration). The format is `schema/decision-record.schema.json` in this package.
 */
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { decisionRecord, type Decision, type DecisionRecord } from '@patchwise/core';
import { LABEL_KEY } from '@patchwise/config';
import { Diagnostic } from '@patchwise/diagnostics';
import type { ResolvedConfig } from '@patchwise/config';

export const RECORD_FORMAT = 'patchwise-decision/1';

/** What is known of the machine that decided. */
export interface HostFacts {
  /** `simulated`: a scenario's or `check`'s machine; `real`: a kernel read through /sys and /proc. */
  readonly kind: 'simulated' | 'real';
  readonly kernelRelease: string;
  /** The real host's name (a simulated machine has none of its own). */
  readonly hostname?: string;
  /** `/proc/sys/kernel/random/boot_id` of a real host: tells two boots of one host apart. */
  readonly bootId?: string;
}

export interface RecordContext {
  readonly labels: Readonly<Record<string, string>>;
  readonly policyRevision: string;
  readonly host: HostFacts;
}

export interface FleetDecisionRecord extends DecisionRecord {
  readonly format: typeof RECORD_FORMAT;
  readonly decisionId: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly host: HostFacts;
  readonly policyRevision: string;
}

export function fleetRecord(decision: Decision, context: RecordContext): FleetDecisionRecord {
  return {
    format: RECORD_FORMAT,
    decisionId: randomUUID(),
    ...decisionRecord(decision),
    labels: context.labels,
    host: context.host,
    policyRevision: context.policyRevision,
  };
}

/** A simulated machine's facts. */
export const simulatedHost = (kernelRelease: string): HostFacts => ({ kind: 'simulated', kernelRelease });

/** A real host's facts: its name, and what was read of its kernel. */
export const realHost = (kernelRelease: string, bootId?: string): HostFacts => ({
  kind: 'real',
  kernelRelease,
  hostname: hostname(),
  ...(bootId ? { bootId } : {}),
});

/**
 * JSON with sorted keys, for hashing: the same policy set gives the same revision whatever the
 * order its config file wrote options in. What JSON cannot say (a function given as an option in a
 * TypeScript config) is named by its kind, so it still counts.
 */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  if (typeof value === 'function') return '"[function]"';
  return JSON.stringify(value) ?? '"[undefined]"';
}

/**
 * `sha256:HEX` of what decides: each policy's name, version, severity, options, fail-open and
 * timeout, in order, and audit mode. Labels are not part of it (they say where a host is, not how
 * it decides); nor is the config file's path.
 */
export function policyRevision(config: Pick<ResolvedConfig, 'plugins' | 'audit'> | undefined): string {
  const decides = {
    audit: config?.audit ?? false,
    policies: (config?.plugins ?? [])
      .filter((p) => p.severity !== 'off')
      .map((p) => ({ name: p.name, version: p.version ?? null, severity: p.severity, options: p.options ?? null, failOpen: p.failOpen, timeoutMs: p.timeoutMs })),
  };
  return `sha256:${createHash('sha256').update(stable(decides)).digest('hex')}`;
}

/** `--label key=value`, repeated: later ones win; each is checked like the config's `labels`. */
export function parseLabelFlag(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  const key = eq < 0 ? value : value.slice(0, eq);
  if (eq < 0 || !LABEL_KEY.test(key) || value.length - eq - 1 > 256) {
    throw new Diagnostic({
      code: 'PW_USAGE',
      reason: `\`--label ${value}\` is not \`key=value\` with a key of 1 to 63 letters, digits, \`_\`, \`-\`, \`.\` or \`/\` (starting with a letter or digit) and a value of at most 256 characters`,
      hint: 'e.g. `--label ring=beta --label site=fra1`',
    });
  }
  return { ...previous, [key]: value.slice(eq + 1) };
}

export const LABEL_OPTION = ['--label <key=value>', "add a label to every decision record (repeatable; overrides the config's `labels`)", parseLabelFlag] as const;
