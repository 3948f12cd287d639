/**
 * The options of `rollout`. With none set, every published patch may load at once and an
 * unpublished one loads with a warning: the policy only says what it sees until told otherwise.
 */
import * as z from 'zod';
import { MAX_DURATION_MS, parseDuration } from '@patchwise/policy';

const duration = z
  .string()
  .refine((text) => parseDuration(text) !== undefined, {
    message: `expected a duration such as \`90m\`, \`48h\`, \`7d\`, \`2w\` or \`1d12h\`, at most ${MAX_DURATION_MS / 86_400_000} days`,
  });

const dateTime = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time with an offset, e.g. `2026-03-01T00:00:00Z`' });

export const OptionsSchema = z
  .strictObject({
    /** A patch may be enabled only once `published + delay` has passed. */
    delay: duration,
    /** Patches published after this date-time are refused (an installed patch is never affected). */
    cutoff: dateTime.optional(),
    /** Ring name → delay; with `ring`, the ring's delay applies instead of `delay`. */
    rings: z.record(z.string().min(1), duration).optional(),
    /** The ring this host is in: a key of `rings`. */
    ring: z.string().min(1).optional(),
    /** A patch without `published` is refused instead of allowed with a warning. */
    requirePublished: z.boolean(),
  })
  .superRefine((options, ctx) => {
    if (options.ring !== undefined && options.rings === undefined) {
      ctx.addIssue({ code: 'custom', path: ['ring'], message: 'option `ring` names a ring, but no `rings` are configured; add `rings: {NAME: DELAY}`' });
    } else if (options.ring !== undefined && options.rings !== undefined && !Object.hasOwn(options.rings, options.ring)) {
      const known = Object.keys(options.rings).map((r) => `\`${r}\``).join(', ');
      ctx.addIssue({ code: 'custom', path: ['ring'], message: `unknown ring \`${options.ring}\`; the configured rings are ${known}` });
    } else if (options.ring === undefined && options.rings !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['rings'], message: 'option `rings` is set but `ring` is not: say which ring this host is in' });
    }
  });

export type RolloutOptions = z.output<typeof OptionsSchema>;

export const defaults: RolloutOptions = { delay: '0m', requirePublished: false };

/** The delay that applies on this host, and where it comes from (for messages). */
export function effectiveDelay(options: RolloutOptions): { ms: number; source: string } {
  if (options.ring !== undefined && options.rings !== undefined) {
    const text = options.rings[options.ring] as string;
    return { ms: parseDuration(text) as number, source: `ring \`${options.ring}\` (\`${text}\`)` };
  }
  return { ms: parseDuration(options.delay) as number, source: `\`delay\` (\`${options.delay}\`)` };
}
