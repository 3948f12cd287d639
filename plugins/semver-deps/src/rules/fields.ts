/**
 * `invalid-field` and `missing-version`: the patch being enabled must say what it is in a form the
 * other rules can compare. A field that does not parse is refused rather than skipped, so a typo in
 * a range never silently turns a dependency rule off.
 */
import type { PolicyReport } from '@patchwise/policy';
import type { Expected, PatchDeps } from '../deps.js';
import type { MessageId } from '../messages.js';

const HINTS: Record<Expected, string> = {
  'semver version': 'write a semver version such as `1.2.0`',
  'semver range': 'write a semver range such as `>=1.2.0 <2` or `^1.2`',
  capability: 'write `name` or `name@1.2.0`',
  'kernel release range': 'write a kernel release range such as `>=6.1 <6.15` or `6.8.x`',
  lineage: 'name the lineage, or leave `lineage` out (it defaults to the patch name)',
  'map of ranges': 'write `{ name: range }`, e.g. `{ net-fix: ">=1.2.0" }`',
  'list of capabilities': 'write a list such as `[tracing, net-fix@1.2.0]`',
};

export function checkFields(deps: PatchDeps, requireVersion: boolean, report: PolicyReport<MessageId>): void {
  for (const problem of deps.problems) {
    report({
      messageId: 'invalid-field',
      data: { patch: deps.name, patches: [deps.name], field: problem.field, value: problem.value, expected: problem.expected, reason: problem.reason },
      hint: HINTS[problem.expected],
    });
  }
  if (requireVersion && deps.version === undefined && !deps.problems.some((p) => p.field === 'version')) {
    report({
      messageId: 'missing-version',
      data: { patch: deps.name, patches: [deps.name] },
      hint: 'give the patch a semver `version`, or set option `requireVersion: false`',
    });
  }
}
