/**
 * `conflict`: patches that declare each other incompatible are never enabled together. Both
 * directions count: the new patch's `conflicts` against the enabled patches, and every enabled
 * patch's `conflicts` against the new one (the enabled patch may have been written after the
 * conflict was found, or before).
 */
import type { PolicyReport } from '@patchwise/policy';
import type { DependencyRule, PatchDeps } from '../deps.js';
import type { Enabled } from '../enabled.js';
import { describeMatch, hits, matchesFor, quoted } from '../matches.js';
import type { MessageId } from '../messages.js';

/** The first way `target` answers to `rule` inside its range, if any. */
const hit = (rule: DependencyRule, target: PatchDeps) => matchesFor(rule.name, [target]).find((m) => hits(m, rule.range));

export function checkConflicts(deps: PatchDeps, enabled: Enabled, report: PolicyReport<MessageId>): void {
  const conflict = (declaredBy: PatchDeps, rule: DependencyRule, other: PatchDeps, match: string) =>
    report({
      messageId: 'conflict',
      data: {
        patch: deps.name,
        other: other.name,
        patches: [deps.name, other.name],
        declaredBy: declaredBy.name,
        name: rule.name,
        range: rule.text,
        match,
      },
      hint: `disable ${quoted(other.name)} first, or ship one patch that replaces both`,
    });
  for (const rule of deps.conflicts) {
    for (const other of enabled.answering(rule.name)) {
      const m = hit(rule, other);
      if (m) conflict(deps, rule, other, describeMatch(m));
    }
  }
  for (const other of enabled.all()) {
    for (const rule of other.conflicts) {
      const m = hit(rule, deps);
      if (m) conflict(other, rule, other, describeMatch(m));
    }
  }
}
