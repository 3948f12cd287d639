/**
 * `unmet-requirement` and `requires-replaced`: what a patch requires must be enabled with it.
 *
 * A patch never satisfies its own requirement: a requirement names something the patch relies on
 * and does not carry (a base patch, the previous patch of an incremental lineage), so its own name,
 * lineage and capabilities do not count. An atomic replace leaves the replacing patch alone on the
 * system, so its requirements can only have been met by patches the replace removes.
 */
import type { PolicyReport } from '@patchwise/policy';
import type { DependencyRule, PatchDeps } from '../deps.js';
import type { Enabled } from '../enabled.js';
import { describeMatch, matchesFor, meets, patchNames, quoted, type Match } from '../matches.js';
import type { MessageId } from '../messages.js';

const candidates = (found: readonly Match[]) =>
  found.map((m) => ({ patch: m.patch.name, via: m.via, version: m.version?.version ?? null }));

function reportUnmet(deps: PatchDeps, rule: DependencyRule, found: readonly Match[], report: PolicyReport<MessageId>): void {
  report({
    messageId: 'unmet-requirement',
    data: {
      patch: deps.name,
      patches: [deps.name, ...patchNames(found)],
      requirement: rule.name,
      range: rule.text,
      found: found.length ? found.map(describeMatch) : [`no enabled patch is named, of lineage or provides \`${rule.name}\``],
      candidates: candidates(found),
    },
    hint: `enable a patch that is (or provides) \`${rule.name}\` at a version in \`${rule.text}\` first`,
  });
}

/** Enabling a patch (not an atomic replace) alongside `others`, the patches that stay enabled. */
export function checkRequirements(deps: PatchDeps, enabled: Enabled, report: PolicyReport<MessageId>): void {
  for (const rule of deps.requires) {
    const found = matchesFor(rule.name, enabled.answering(rule.name));
    if (!found.some((m) => meets(m, rule.range))) reportUnmet(deps, rule, found, report);
  }
}

/** `label` of a match that satisfies: `'a' 1.2.0`, ``'x' (provides `a` 1.2.0)``. */
function satisfierLabel(match: Match): string {
  const version = match.version?.version ?? '(no version)';
  return match.via === 'provides' ? `${quoted(match.patch.name)} (provides \`${match.name}\` ${version})` : `${quoted(match.patch.name)} ${version}`;
}

/** An atomic replace of `replaced`: nothing but the replacing patch remains. */
export function checkReplaceRequirements(deps: PatchDeps, replaced: readonly PatchDeps[], report: PolicyReport<MessageId>): void {
  for (const rule of deps.requires) {
    const found = matchesFor(rule.name, replaced);
    const satisfying = found.filter((m) => meets(m, rule.range));
    if (satisfying.length === 0) {
      reportUnmet(deps, rule, found, report);
      continue;
    }
    report({
      messageId: 'requires-replaced',
      data: {
        patch: deps.name,
        patches: [deps.name, ...patchNames(satisfying)],
        requirement: rule.name,
        range: rule.text,
        satisfiedBy: satisfying.map(satisfierLabel),
        replaced: replaced.map((p) => p.name),
      },
      hint: `a cumulative patch is all that remains after it: carry what ${patchNames(satisfying).map(quoted).join(', ')} does in ${quoted(deps.name)} and drop the requirement, or enable ${quoted(deps.name)} without \`replace\``,
    });
  }
}
