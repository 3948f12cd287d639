/**
 * `semver-deps`: dependency rules between patches, by semver version and kernel release.
 *
 * Gates: `prePatch` checks the enabled patch's own fields and kernel range, then (for a patch that
 * stacks on the others) its requirements and conflicts; `replace` checks an atomic replace, after
 * which only the replacing patch remains; `preUnpatch` keeps a patch that others depend on.
 */
import { definePolicy, type PatchInfo } from '@patchwise/policy';
import { readDeps, type PatchDeps } from './deps.js';
import { enabledBeside } from './enabled.js';
import { messages } from './messages.js';
import { defaults, OptionsSchema } from './options.js';
import { checkConflicts } from './rules/conflicts.js';
import { checkDependents } from './rules/dependents.js';
import { checkDowngrade } from './rules/downgrade.js';
import { checkFields } from './rules/fields.js';
import { checkKernel } from './rules/kernel.js';
import { checkReplaceRequirements, checkRequirements } from './rules/requires.js';

export const policy = definePolicy({
  name: 'semver-deps',
  version: '0.1.0',
  meta: {
    docs: {
      description:
        'Patches declare a semver version, what they require and conflict with, and the kernel releases they are built for; enable, disable and atomic replace respect them.',
    },
    messages,
    schema: OptionsSchema,
    defaults,
  },
  apply(hooks, options) {
    // One reader per instance: the core's index keeps each installed patch's reading under it.
    const read = (patch: PatchInfo): PatchDeps => readDeps(patch, options.includePrerelease);

    hooks.prePatch((ctx, report) => {
      // A reversed disable returns a patch to where it was already accepted.
      if (ctx.operation !== 'enable') return;
      const deps = read(ctx.patch);
      checkFields(deps, options.requireVersion, report);
      if (options.checkKernel) checkKernel(deps, ctx.kernelRelease, report);
      // An atomic replace is judged against what remains after it, at the `replace` gate.
      if (deps.replace) return;
      const enabled = enabledBeside(ctx, ctx.patch, read);
      checkRequirements(deps, enabled, report);
      checkConflicts(deps, enabled, report);
    });

    hooks.replace((ctx, report) => {
      const deps = read(ctx.patch);
      const replaced = enabledBeside(ctx, ctx.patch, read).among(ctx.replaced);
      // Conflicts need no check: every patch the replacing one could conflict with is removed by it.
      checkReplaceRequirements(deps, replaced, report);
      if (!options.allowDowngrade) checkDowngrade(deps, replaced, report);
    });

    hooks.preUnpatch((ctx, report) => {
      checkDependents(ctx.index.derived(ctx.patch, read), enabledBeside(ctx, ctx.patch, read).all(), report);
    });
  },
});
