/**
 * A patch whose scoped callbacks cannot run is refused when it is enabled: running it would
 * silently skip the changes (or their undoing) it declares. Manifests are checked when they are
 * parsed; this catches TypeScript patches and `metadata:` overrides.
 */
import type { PrePatchContext } from '@patchwise/core';
import type { PolicyGate } from '@patchwise/policy';
import type { MessageId } from './messages.js';
import { scopedCallbacksOf } from './spec.js';

export const validationGate: PolicyGate<PrePatchContext, MessageId> = (ctx, report) => {
  // A reversed disable re-enables a patch that is already installed: nothing new to check.
  if (ctx.operation !== 'enable') return;
  const { problems } = scopedCallbacksOf(ctx.patch);
  if (problems.length === 0) return;
  const patch = ctx.patch.name;
  report({
    messageId: 'invalid-callbacks',
    data: {
      patch,
      patches: [patch],
      ids: problems.flatMap((p) => (p.id === null ? [] : [p.id])),
      problems: problems.map((p) => p.text),
    },
    hint: 'map each ID to `prePatch`, `postPatch`, `preUnpatch`, `postUnpatch` (functions or lists of actions) and `blockDisable`',
  });
};
