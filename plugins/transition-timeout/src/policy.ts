/**
 * A stalled transition, resolved by policy: kpatch hard-codes how long it waits for a transition;
 * here the wait, the nudge and the way out are configuration.
 */
import { definePolicy, type TransitionEvent } from '@patchwise/policy';
import * as z from 'zod';

const retries = z.number().int().positive();

export const optionsSchema = z.strictObject({
  /**
   * Send the blocking tasks fake signals at this retry (the kernel itself waits for the 15th);
   * `false` for none. Ignored unless it comes before `after`.
   */
  signalAfter: z.union([retries, z.literal(false)]),
  /** What to do once `after` retries have passed: reverse (safe), force (pins the module), or keep waiting. */
  then: z.enum(['reverse', 'force', 'wait']),
  /** The retry (about one per second) at which `then` happens. */
  after: retries,
  /** Only for transitions in this direction (default both). */
  direction: z.enum(['patching', 'unpatching', 'both']),
});

export type TransitionTimeoutOptions = z.output<typeof optionsSchema>;

export const defaults = { signalAfter: 5, then: 'reverse', after: 30, direction: 'both' } as const;

const directionOf = (event: TransitionEvent) => (event.target === 'patched' ? 'patching' : 'unpatching');

export const transitionTimeout = definePolicy({
  name: 'transition-timeout',
  version: '0.1.0',
  meta: {
    docs: { description: 'Signal the tasks a stalled transition waits for, then reverse or force it after a number of retries.' },
    messages: {},
    schema: optionsSchema,
    defaults,
  },
  apply(hooks, options) {
    hooks.transition((event) => {
      if (event.kind !== 'retry') return undefined;
      if (options.direction !== 'both' && options.direction !== directionOf(event)) return undefined;
      if (event.retries >= options.after && options.then !== 'wait') return options.then;
      if (event.retries === options.signalAfter) return 'signal';
      return undefined;
    });
  },
});
