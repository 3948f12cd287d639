/**
 * `required-by`: a patch that an enabled patch requires stays enabled while nothing else satisfies
 * that requirement (libpulp's rule, by version range rather than by exact patch id).
 */
import type { PolicyReport } from '@patchwise/policy';
import type { PatchDeps } from '../deps.js';
import { matchesFor, meets, quoted } from '../matches.js';
import type { MessageId } from '../messages.js';

/** `leaving` is about to be disabled; `remaining` are the patches that stay enabled. */
export function checkDependents(leaving: PatchDeps, remaining: readonly PatchDeps[], report: PolicyReport<MessageId>): void {
  for (const dependent of remaining) {
    const others = remaining.filter((p) => p !== dependent);
    for (const rule of dependent.requires) {
      // A requirement `leaving` does not meet was unmet already: disabling `leaving` changes nothing.
      if (!matchesFor(rule.name, [leaving]).some((m) => meets(m, rule.range))) continue;
      if (matchesFor(rule.name, others).some((m) => meets(m, rule.range))) continue;
      report({
        messageId: 'required-by',
        data: {
          patch: leaving.name,
          dependent: dependent.name,
          patches: [leaving.name, dependent.name],
          requirement: rule.name,
          range: rule.text,
        },
        hint: `disable ${quoted(dependent.name)} first`,
      });
    }
  }
}
