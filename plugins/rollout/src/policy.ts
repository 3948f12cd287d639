/**
 * `rollout`: when a patch may load, not only whether. A patch carries `published`, when its vendor
 * released it; a host waits `delay` (or its ring's delay) after that before enabling it, and refuses
 * patches published after a `cutoff`. Only enabling is judged: an installed patch is never refused
 * on disable because of its dates, and a cumulative patch is judged by its own `published`, not by
 * the patches it replaces (it passes the same `prePatch` gate as any other enable).
 */
import { definePolicy, formatDuration, type PolicyGate, type PrePatchContext } from '@patchwise/policy';
import { messages, type MessageId } from './messages.js';
import { defaults, effectiveDelay, OptionsSchema } from './options.js';
import { readPublished } from './published.js';

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

export const rollout = definePolicy({
  name: 'rollout',
  version: '0.1.0',
  meta: {
    docs: {
      description:
        'A patch may be enabled only once a delay after its publication has passed (per ring: edge, beta, stable…), and never when published after a cut-off.',
    },
    messages,
    schema: OptionsSchema,
    defaults,
  },
  apply(hooks, options) {
    const delay = effectiveDelay(options);
    const cutoff = options.cutoff === undefined ? undefined : Date.parse(options.cutoff);

    const gate: PolicyGate<PrePatchContext, MessageId> = (ctx, report) => {
      // A reversed disable returns a patch to where it was already accepted.
      if (ctx.operation !== 'enable') return;
      const patch = ctx.patch.name;
      const published = readPublished(ctx.patch);

      if (published.kind === 'absent') {
        report({
          messageId: 'unpublished',
          data: { patch, patches: [patch] },
          hint: 'have the vendor set `published` in the manifest (or `MODULE_INFO(patchwise_published, ...)` in the module)',
          ...(options.requirePublished ? {} : { severity: 'warn' as const }),
        });
        return;
      }
      if (published.kind === 'invalid') {
        // A date that cannot be read cannot be judged: refuse (fail closed), whatever `requirePublished` says.
        report({ messageId: 'invalid-published', data: { patch, patches: [patch], value: published.value }, hint: 'write it like `2026-03-01T12:00:00Z` or `2026-03-01T14:00:00+02:00`' });
        return;
      }

      if (cutoff !== undefined && published.ms > cutoff) {
        report({
          messageId: 'after-cutoff',
          data: { patch, patches: [patch], published: published.text, cutoff: options.cutoff },
          hint: 'move `cutoff` forward once this patch has been reviewed',
        });
      }

      const eligible = published.ms + delay.ms;
      if (ctx.now < eligible) {
        report({
          messageId: 'too-new',
          data: {
            patch,
            patches: [patch],
            published: published.text,
            delaySource: delay.source,
            eligible: iso(eligible),
            remaining: formatDuration(eligible - ctx.now),
            now: iso(ctx.now),
          },
          hint: `try again after ${iso(eligible)}`,
        });
      }
    };
    hooks.prePatch(gate);
  },
});
