/**
 * The policy's options. Scoped callbacks always run as the contract says; what a deployment may
 * tune is whether `blockDisable` is enforced.
 */
import * as z from 'zod';

export const optionsSchema = z.strictObject({
  /**
   * `enforce` (default): disabling a patch that carries a `blockDisable` ID, and an atomic replace
   * that drops one, are refused. `ignore`: both are allowed, and the ID's unpatch callbacks run
   * like any other's.
   */
  blockDisable: z.enum(['enforce', 'ignore']),
});

export type ScopedCallbacksOptions = z.output<typeof optionsSchema>;

export const defaultOptions: ScopedCallbacksOptions = { blockDisable: 'enforce' };

/** Refuses nothing (the callbacks still run): what the selftest replay loads the policy with. */
export const permissiveOptions: ScopedCallbacksOptions = { blockDisable: 'ignore' };
