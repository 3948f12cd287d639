/**
 * `semver-deps`: dependency rules between patches, by semver version and kernel release.
 *
 * Gates: `prePatch` checks the enabled patch's own fields and kernel range, then (for a patch that
 * stacks on the others) its requirements and conflicts; `replace` checks an atomic replace, after
 * which only the replacing patch remains; `preUnpatch` keeps a patch that others depend on.
 */
import { definePolicy } from '@patchwise/policy';
import { DepsReader } from './deps.js';
import { enabledReader } from './enabled.js';
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
    const reader = new DepsReader(options.includePrerelease);

    // Perf: the enabled patches read, and indexed by name, once per installed list (enabled.ts).
    const enabled = enabledReader((p) => reader.read(p));

    hooks.prePatch((ctx, report) => {
      // A reversed disable returns a patch to where it was already accepted.
      if (ctx.operation !== 'enable') return;
      const deps = reader.readDecided(ctx.patch);
      checkFields(deps, options.requireVersion, report);
      if (options.checkKernel) checkKernel(deps, ctx.kernelRelease, report);
      // An atomic replace is judged against what remains after it, at the `replace` gate.
      if (deps.replace) return;
      const others = enabled(ctx, ctx.installed, ctx.patch);
      checkRequirements(deps, others, report);
      checkConflicts(deps, others, report);
    });

    hooks.replace((ctx, report) => {
      const deps = reader.readDecided(ctx.patch);
      const replaced = enabled(ctx, ctx.replaced, ctx.patch).list;
      // Conflicts need no check: every patch the replacing one could conflict with is removed by it.
      checkReplaceRequirements(deps, replaced, report);
      if (!options.allowDowngrade) checkDowngrade(deps, replaced, report);
    });

    hooks.preUnpatch((ctx, report) => {
      checkDependents(reader.read(ctx.patch), enabled(ctx, ctx.installed, ctx.patch).list, report);
    });
  },
});
