/**
 * `blockDisable`: an ID whose change cannot be safely undone. Its patch may not be disabled, and an
 * atomic replace may not drop it (the kernel's proposed `block_disable` flag of a state, where a
 * replacing patch that does not support the state is incompatible).
 */
import type { GateContext, PatchInfo, PreUnpatchContext, ReplaceContext } from '@patchwise/core';
import type { PolicyGate } from '@patchwise/policy';
import type { MessageId } from './messages.js';
import { scopedCallbacksOf } from './spec.js';

/** The IDs of `patch` marked `blockDisable`, read once per installed patch through the core's index. */
const blockingIds = (ctx: GateContext, patch: PatchInfo): string[] =>
  ctx.index
    .derived(patch, scopedCallbacksOf)
    .ids.filter(({ callbacks }) => callbacks.blockDisable === true)
    .map(({ id }) => id);

/**
 * `preUnpatch`: refuses disabling a patch that carries a blocking ID, and reversing its patching
 * transition too (that would run the ID's unpatch callbacks just the same). Refused even when
 * another patch carries the ID: the flag says this patch cannot be taken out.
 */
export const disableGate: PolicyGate<PreUnpatchContext, MessageId> = (ctx, report) => {
  const ids = blockingIds(ctx, ctx.patch);
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
  const kept = new Set(scopedCallbacksOf(ctx.patch).ids.map(({ id }) => id));
  const ids = new Set<string>();
  const carriers: PatchInfo[] = [];
  for (const old of ctx.replaced) {
    const dropped = blockingIds(ctx, old).filter((id) => !kept.has(id));
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
