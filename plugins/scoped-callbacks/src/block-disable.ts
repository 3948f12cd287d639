/**
 * `blockDisable`: an ID whose change cannot be safely undone. Its patch may not be disabled, and an
 * atomic replace may not drop it (the kernel's proposed `block_disable` flag of a state, where a
 * replacing patch that does not support the state is incompatible).
 */
import type { PatchInfo, PreUnpatchContext, ReplaceContext } from '@patchwise/core';
import type { PolicyGate } from '@patchwise/policy';
import type { MessageId } from './messages.js';
import { blockingIds, carriedIds } from './spec.js';

/**
 * `preUnpatch`: refuses disabling a patch that carries a blocking ID, and reversing its patching
 * transition too (that would run the ID's unpatch callbacks just the same). Refused even when
 * another patch carries the ID: the flag says this patch cannot be taken out.
 */
export const disableGate: PolicyGate<PreUnpatchContext, MessageId> = (ctx, report) => {
  const ids = blockingIds(ctx.patch);
  if (ids.length === 0) return;
  const patch = ctx.patch.name;
  const list = ids.join(', ');
  report({
    messageId: 'disable-blocked',
    data: { patch, patches: [patch], ids, operation: ctx.operation },
    hint:
      ctx.operation === 'reverse'
        ? `let the patching transition of '${patch}' complete, or force it`
        : `replace '${patch}' with a cumulative patch whose \`callbacks\` carry ${list}`,
  });
};

/** `replace`: refuses an atomic replace that drops a blocking ID of any replaced patch. */
export const replaceGate: PolicyGate<ReplaceContext, MessageId> = (ctx, report) => {
  const kept = carriedIds([ctx.patch]);
  const ids = new Set<string>();
  const carriers: PatchInfo[] = [];
  for (const old of ctx.replaced) {
    const dropped = blockingIds(old).filter((id) => !kept.has(id));
    if (dropped.length === 0) continue;
    carriers.push(old);
    for (const id of dropped) ids.add(id);
  }
  if (ids.size === 0) return;
  const patch = ctx.patch.name;
  const replaced = carriers.map((p) => p.name);
  report({
    messageId: 'replace-blocked',
    data: { patch, patches: [patch, ...replaced], replaced, ids: [...ids] },
    hint: `add ${[...ids].join(', ')} to the \`callbacks\` of '${patch}' so it takes them over`,
  });
};
