/**
 * `replace`: whom an atomic-replace patch may replace. The kernel replaces every installed patch
 * and runs none of their callbacks (livepatch-semantics §2.8), which is what Petr Mladek worried
 * about in 2018: one vendor's cumulative patch silently removing another vendor's fixes. Either the
 * replaced patches are all the new patch's own vendor's, or all of its own replace set (the 2026
 * "replace set" proposal), or the replace is refused, naming every patch it would have removed.
 */
import type { PatchInfo, PrePatchContext, ReplaceContext } from '@patchwise/core';
import type { PolicyReport } from '@patchwise/policy';
import type { MessageId } from '../messages.js';
import type { Settings } from '../options.js';
import { code, listText, quoted, replaceSetOf, setText, sharersOf, vendorOf, vendorText, type ReplaceSet } from '../patch-facts.js';

/** A replace set as compared: its name, `null` for none; an ambiguous one equals nothing. */
const setName = (set: ReplaceSet): string | null | undefined => ('name' in set ? set.name : undefined);
const describeSet = (set: ReplaceSet): string => ('name' in set ? setText(set.name) : `conflicting replace-set tags ${listText(set.invalid.map(code))}`);

/** Whom it would replace, each with `describe(patch)`, for the message. */
const replacedText = (patches: readonly PatchInfo[], describe: (p: PatchInfo) => string): string =>
  listText(patches.map((p) => `${quoted(p.name)} (${describe(p)})`));

/** `replace: same-set`: a patch names at most one replace set. */
export function checkReplaceSetTags(patch: PatchInfo, settings: Settings, report: PolicyReport<MessageId>): boolean {
  if (settings.replace !== 'same-set') return true;
  const set = replaceSetOf(patch, settings.replaceSetPrefix);
  if ('name' in set) return true;
  report({
    messageId: 'replace-set-invalid',
    data: { patch: patch.name, patches: [patch.name], tags: set.invalid, prefix: settings.replaceSetPrefix, tagText: listText(set.invalid.map(code)) },
    hint: `keep one \`${settings.replaceSetPrefix}<name>\` tag`,
  });
  return false;
}

/** The `replace` gate. */
export function checkReplace(ctx: ReplaceContext, settings: Settings, report: PolicyReport<MessageId>): void {
  const { patch } = ctx;
  const replaced = ctx.replaced.filter((p) => p.name !== patch.name);
  if (settings.replace === 'any' || replaced.length === 0) return;
  if (settings.replace === 'same-vendor') {
    const vendor = vendorOf(patch);
    const others = vendor === null ? replaced : replaced.filter((p) => vendorOf(p) !== vendor);
    if (others.length === 0) return;
    const data = {
      patch: patch.name,
      patches: [patch.name, ...others.map((p) => p.name)],
      replaced: others.map((p) => p.name),
      vendor,
      vendors: Object.fromEntries(others.map((p) => [p.name, vendorOf(p)])),
      replacedText: replacedText(others, (p) => vendorText(vendorOf(p))),
    };
    if (vendor === null) {
      report({ messageId: 'replace-vendor-missing', data, hint: `declare \`vendor\` in the manifest of ${quoted(patch.name)}` });
    } else {
      report({
        messageId: 'replace-vendor-mismatch',
        data,
        hint: `disable ${listText(others.map((p) => quoted(p.name)))} first, or ship ${quoted(patch.name)} as a non-replace patch`,
      });
    }
    return;
  }
  const set = replaceSetOf(patch, settings.replaceSetPrefix);
  // An ambiguous set was refused at the prePatch gate already.
  if (!('name' in set)) return;
  const others = set.name === null ? replaced : replaced.filter((p) => setName(replaceSetOf(p, settings.replaceSetPrefix)) !== set.name);
  if (others.length === 0) return;
  const data = {
    patch: patch.name,
    patches: [patch.name, ...others.map((p) => p.name)],
    replaced: others.map((p) => p.name),
    set: set.name,
    prefix: settings.replaceSetPrefix,
    sets: Object.fromEntries(others.map((p) => [p.name, setName(replaceSetOf(p, settings.replaceSetPrefix)) ?? null])),
    replacedText: replacedText(others, (p) => describeSet(replaceSetOf(p, settings.replaceSetPrefix))),
  };
  if (set.name === null) {
    report({ messageId: 'replace-set-missing', data, hint: `tag ${quoted(patch.name)} with \`${settings.replaceSetPrefix}<name>\`` });
  } else {
    report({
      messageId: 'replace-set-mismatch',
      data,
      hint: `disable ${listText(others.map((p) => quoted(p.name)))} first, or ship ${quoted(patch.name)} as a non-replace patch`,
    });
  }
}

/**
 * `replace: same-set`, second half: a non-replace patch never patches a function a patch of
 * another replace set patches, so replacing one set can never pull a function from under another.
 * Patches without a set are one group here: stacking such off-band fixes is `sameFunction`'s call.
 */
export function checkSetFunctions(ctx: PrePatchContext, patch: PatchInfo, settings: Settings, report: PolicyReport<MessageId>): void {
  if (settings.replace !== 'same-set') return;
  const set = replaceSetOf(patch, settings.replaceSetPrefix);
  if (!('name' in set)) return;
  for (const { other, functions } of sharersOf(ctx, patch)) {
    const otherSet = replaceSetOf(other, settings.replaceSetPrefix);
    if (setName(otherSet) === set.name) continue;
    report({
      messageId: 'function-set-mismatch',
      data: {
        patch: patch.name,
        other: other.name,
        patches: [patch.name, other.name],
        functions,
        set: set.name,
        otherSet: setName(otherSet) ?? null,
        functionText: listText(functions.map(code)),
        setText: setText(set.name),
        otherSetText: describeSet(otherSet),
      },
      hint:
        setName(otherSet) === undefined || setName(otherSet) === null
          ? `disable ${quoted(other.name)} first`
          : `tag ${quoted(patch.name)} with \`${settings.replaceSetPrefix}${setName(otherSet) as string}\`, or disable ${quoted(other.name)} first`,
    });
  }
}
