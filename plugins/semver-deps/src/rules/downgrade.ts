/**
 * `downgrade`: an atomic replace within a lineage moves forward. A lower version replacing a higher
 * one usually means an old cumulative patch was loaded by mistake, dropping fixes the running one
 * carries; option `allowDowngrade` lets a deliberate rollback through.
 */
// The function alone, not the whole `semver` index (see versions.ts).
import lt from 'semver/functions/lt.js';
import type { PolicyReport } from '@patchwise/policy';
import type { PatchDeps } from '../deps.js';
import type { MessageId } from '../messages.js';

export function checkDowngrade(deps: PatchDeps, replaced: readonly PatchDeps[], report: PolicyReport<MessageId>): void {
  const to = deps.version;
  // Without both versions there is no order to go against (option `requireVersion` closes the gap).
  if (!to) return;
  for (const old of replaced) {
    if (old.lineage !== deps.lineage || !old.version || !lt(to, old.version)) continue;
    report({
      messageId: 'downgrade',
      data: {
        patch: deps.name,
        patches: [deps.name, old.name],
        lineage: deps.lineage,
        replacedPatch: old.name,
        from: old.version.version,
        to: to.version,
      },
      hint: `load a version of lineage \`${deps.lineage}\` at or above ${old.version.version}, or set option \`allowDowngrade: true\` for a deliberate rollback`,
    });
  }
}
