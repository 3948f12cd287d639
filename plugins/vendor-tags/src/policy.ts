/**
 * `vendor-tags`: compatibility by vendor and tags, the policy Petr Mladek floated in the 2018
 * atomic-replace discussion and Joe Lawrence suggested keeping out of the kernel, at the level of
 * the tools that build and load patches.
 */
import { definePolicy } from '@patchwise/policy';
import { tagIndexer } from './installed-tags.js';
import { messages } from './messages.js';
import { defaults, optionsSchema, settingsOf } from './options.js';
import { tagsOfNew } from './patch-facts.js';
import { checkReplace, checkReplaceSetTags, checkSetFunctions } from './rules/replace.js';
import { checkSameFunction } from './rules/same-function.js';
import { checkSignature } from './rules/signatures.js';
import { checkConflictingTags, checkRequiredTags, checkRequiredTagsKept } from './rules/tags.js';

export const vendorTags = definePolicy({
  name: 'vendor-tags',
  version: '0.1.0',
  meta: {
    docs: {
      description:
        'Which patches may coexist, by vendor and tags: who may patch a function already patched, which patches an atomic-replace patch may replace, tag requirements and conflicts, and vendor claims proven by Ed25519 signatures.',
    },
    messages,
    schema: optionsSchema,
    defaults,
    // `keys: {acme: ./keys/acme.pub}`: key files beside the config.
    fileOptions: ['keys.*'],
  },
  apply(hooks, options) {
    const settings = settingsOf(options);
    // Perf: which installed patches carry which tag, kept while the installed patches stay the same.
    const tagIndex = tagIndexer();

    hooks.prePatch((ctx, report) => {
      // A reversed disable keeps a patch that was judged when it was enabled; refusing it would
      // complete the disable the user just took back.
      if (ctx.operation !== 'enable') return;
      const { patch } = ctx;
      // Every other rule trusts the vendor and tags the manifest claims.
      if (!checkSignature(patch, settings, report)) return;
      if (!checkReplaceSetTags(patch, settings, report)) return;
      const tags = tagsOfNew(patch);
      if (!patch.replace) {
        checkSameFunction(ctx, patch, settings, report);
        checkSetFunctions(ctx, patch, settings, report);
        checkConflictingTags(ctx, patch, tags, settings, tagIndex, report);
      }
      checkRequiredTags(ctx, patch, tags, settings, tagIndex, report);
    });

    hooks.replace((ctx, report) => {
      if (ctx.operation !== 'enable') return;
      checkReplace(ctx, settings, report);
    });

    hooks.preUnpatch((ctx, report) => {
      // Reversing an enable removes a patch nothing could have come to rely on meanwhile: no
      // other patch can be enabled while a transition runs.
      if (ctx.operation !== 'disable') return;
      checkRequiredTagsKept(ctx, settings, tagIndex, report);
    });
  },
});
