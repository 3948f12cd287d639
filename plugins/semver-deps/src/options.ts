/**
 * The options of `semver-deps`. Every rule is on by default except the strict `requireVersion`; the
 * most permissive settings are `{ allowDowngrade: true, requireVersion: false, checkKernel: false }`.
 */
import * as z from 'zod';

export const OptionsSchema = z.strictObject({
  /** An atomic replace may install a lower version of a lineage than the one it replaces. */
  allowDowngrade: z.boolean(),
  /** Enabling a patch without a `version` is refused (`missing-version`). */
  requireVersion: z.boolean(),
  /** Enabling a patch whose `kernel` range excludes the running kernel is refused. */
  checkKernel: z.boolean(),
  /** Ranges in `requires` and `conflicts` also match prerelease versions (semver's `includePrerelease`). */
  includePrerelease: z.boolean(),
});

export type SemverDepsOptions = z.output<typeof OptionsSchema>;

export const defaults: SemverDepsOptions = {
  allowDowngrade: false,
  requireVersion: false,
  checkKernel: true,
  includePrerelease: false,
};

/** Settings under which the policy refuses the least (every bundled selftest replays unchanged). */
export const permissive: SemverDepsOptions = {
  allowDowngrade: true,
  requireVersion: false,
  checkKernel: false,
  includePrerelease: false,
};
