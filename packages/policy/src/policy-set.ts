/**
 * Applying a set of policies to a machine's livepatch core: options validated first (all or
 * nothing), severities and failure handling bound to each policy's taps, then the hooks sealed.
 */
import { MAX_TIMEOUT_MS, type LifecycleHooks, type TapOptions } from '@patchwise/core';
import { Diagnostic, type SourcePlace } from '@patchwise/diagnostics';
import { isPolicy, type Policy } from './define.js';
import { validateOptions, type Severity } from './options.js';
import { policyHooks } from './policy-hooks.js';

/** One policy of a set, as a config file or a program chooses it. */
export interface PolicyEntry {
  readonly policy: Policy;
  readonly options?: unknown;
  /** Default `error`. `off` does not apply the policy at all. */
  readonly severity?: Severity;
  /** A throwing, rejecting or timed-out gate allows instead of denying. */
  readonly failOpen?: boolean;
  /** Gate timeout in ms (default 5000). */
  readonly timeoutMs?: number;
  /** Where the entry came from (a config file and the place in it), for error messages. */
  readonly source?: SourcePlace;
}

/** What the livepatch core offers for policies (a `Livepatch` instance). */
export interface PolicyTarget {
  readonly hooks: LifecycleHooks;
  audit: boolean;
  sealHooks(): void;
}

export interface AppliedPolicy {
  readonly name: string;
  readonly version?: string;
  readonly severity: Exclude<Severity, 'off'>;
  readonly options: unknown;
}

export interface ApplyOptions {
  /** Report every error as a warning (a dry run of the policy set). */
  readonly audit?: boolean;
  /** Leave the hooks open for more taps (tests that add observers afterwards). */
  readonly seal?: boolean;
}

/**
 * Validate every entry, then apply the enabled ones in order. Throws a `Diagnostic` before
 * touching the target when any entry is invalid.
 */
export function applyPolicies(target: PolicyTarget, entries: readonly PolicyEntry[], options: ApplyOptions = {}): AppliedPolicy[] {
  const seen = new Set<string>();
  const prepared = entries.map((entry, index) => {
    const where = entry.source ?? { path: `policies[${index}]` };
    if (!isPolicy(entry.policy)) {
      throw new Diagnostic({
        code: 'PW_NOT_A_POLICY',
        ...where,
        reason: 'this is not a policy made with `definePolicy`',
        hint: 'export `definePolicy({...})` from the plugin',
      });
    }
    const { policy } = entry;
    if (seen.has(policy.name)) {
      throw new Diagnostic({
        code: 'PW_DUPLICATE_POLICY',
        ...where,
        reason: `policy \`${policy.name}\` is listed twice`,
        hint: 'keep one entry per policy',
      });
    }
    seen.add(policy.name);
    const severity = entry.severity ?? 'error';
    if (!['error', 'warn', 'off'].includes(severity)) {
      throw new Diagnostic({
        code: 'PW_SEVERITY',
        ...where,
        reason: `severity of \`${policy.name}\` must be \`error\`, \`warn\` or \`off\` (got \`${String(severity)}\`)`,
      });
    }
    const { timeoutMs } = entry;
    if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs >= 1 && timeoutMs <= MAX_TIMEOUT_MS)) {
      throw new Diagnostic({
        code: 'PW_TIMEOUT',
        ...where,
        reason: `\`timeoutMs\` of \`${policy.name}\` must be a whole number of ms from 1 to ${MAX_TIMEOUT_MS} (got ${String(timeoutMs)})`,
        hint: 'a timer cannot wait longer than 2^31-1 ms',
      });
    }
    const validated = severity === 'off' ? undefined : validateOptions(policy, entry.options, where);
    return { entry, policy, severity, validated };
  });
  target.audit = options.audit ?? false;
  const applied: AppliedPolicy[] = [];
  for (const [index, { entry, policy, severity, validated }] of prepared.entries()) {
    if (severity === 'off') continue;
    const tap: TapOptions = {
      name: policy.name,
      ...(policy.version === undefined ? {} : { version: policy.version }),
      severity,
      failOpen: entry.failOpen ?? false,
      ...(entry.timeoutMs === undefined ? {} : { timeoutMs: entry.timeoutMs }),
      ...(policy.order === undefined ? {} : { order: policy.order }),
    };
    try {
      policy.apply(policyHooks(target.hooks, tap, policy.meta.messages), validated, { name: policy.name, severity });
    } catch (err) {
      // A plugin that throws while it taps its hooks is bad input for the command, not a crash.
      if (err instanceof Diagnostic) throw err;
      throw new Diagnostic({
        code: 'PW_POLICY_APPLY',
        ...(entry.source ?? { path: `policies[${index}]` }),
        reason: `policy \`${policy.name}\` failed while applying its hooks: ${err instanceof Error ? err.message : String(err)}`,
        hint: 'the plugin is broken: report it to its author, or switch it off with `severity: off`',
        cause: err,
      });
    }
    applied.push({ name: policy.name, ...(policy.version ? { version: policy.version } : {}), severity, options: validated });
  }
  if (options.seal ?? true) target.sealHooks();
  return applied;
}
