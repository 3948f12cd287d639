/**
 * Tag rules between coexisting patches. `requiresTag` is an invariant over the enabled patches:
 * while one of them carries tag `a`, every tag that `a` requires is carried by some enabled patch
 * (possibly the same one). It is checked when a patch comes (its own requirements) and when one goes (the
 * requirements of those that stay). `conflictsWithTag` forbids two distinct enabled patches from
 * carrying a conflicting pair, in either direction.
 */
import type { PatchInfo, PrePatchContext, PreUnpatchContext } from '@patchwise/core';
import type { PolicyReport } from '@patchwise/policy';
import { carriedByOther, type TagIndex } from '../installed-tags.js';
import type { MessageId } from '../messages.js';
import type { Settings } from '../options.js';
import { code, listText, quoted, tagList, thaw } from '../patch-facts.js';

const conflictCarried = (conflicts: ReadonlySet<string> | undefined, index: TagIndex, except: string): boolean => {
  if (conflicts === undefined) return false;
  for (const other of conflicts) if (carriedByOther(index, other, except)) return true;
  return false;
};

/**
 * A patch being enabled, with its tags: its own requirements, met by the patches enabled after the
 * operation (itself alone for an atomic-replace patch, which replaces all the others).
 */
export function checkRequiredTags(
  ctx: PrePatchContext,
  patch: PatchInfo,
  tags: readonly string[],
  settings: Settings,
  index: (patches: readonly PatchInfo[]) => TagIndex,
  report: PolicyReport<MessageId>,
): void {
  if (settings.requiresTag.size === 0) return;
  for (const tag of tags) {
    for (const required of settings.requiresTag.get(tag) ?? []) {
      // Perf: met by the patch itself, or (unless it replaces them all) by an installed patch of
      // another name, looked up in the tag index instead of asking each installed patch.
      if (tags.includes(required) || (!patch.replace && carriedByOther(index(ctx.installed), required, patch.name))) continue;
      report({
        messageId: 'required-tag-missing',
        data: { patch: patch.name, patches: [patch.name], tag, required },
        hint: patch.replace
          ? `${quoted(patch.name)} replaces every installed patch, so only a tag of its own can meet this: tag it ${code(required)}, or drop ${code(tag)}`
          : `enable a patch tagged ${code(required)} first`,
      });
    }
  }
}

/** A patch being disabled: the requirements it alone met for the patches that stay. */
export function checkRequiredTagsKept(
  ctx: PreUnpatchContext,
  settings: Settings,
  index: (patches: readonly PatchInfo[]) => TagIndex,
  report: PolicyReport<MessageId>,
): void {
  if (settings.requiresTag.size === 0) return;
  const { patch } = ctx;
  let remaining: PatchInfo[] | undefined;
  for (const required of tagList(patch)) {
    // Perf: the tag index answers whether a remaining patch (another name) carries it.
    if (carriedByOther(index(ctx.installed), required, patch.name)) continue;
    remaining ??= thaw(ctx.installed).filter((p) => p.name !== patch.name);
    const dependents = remaining.flatMap((p) => {
      const needing = tagList(p).filter((tag) => settings.requiresTag.get(tag)?.includes(required));
      return needing.length > 0 ? [{ patch: p, tags: needing }] : [];
    });
    if (dependents.length === 0) continue;
    report({
      messageId: 'required-tag-removed',
      data: {
        patch: patch.name,
        patches: [patch.name, ...dependents.map((d) => d.patch.name)],
        required,
        dependents: dependents.map((d) => d.patch.name),
        dependentText: listText(dependents.map((d) => `${quoted(d.patch.name)} (tagged ${listText(d.tags.map(code))})`)),
      },
      hint: `disable ${listText(dependents.map((d) => quoted(d.patch.name)))} first, or enable another patch tagged ${code(required)}`,
    });
  }
}

/** A non-replace patch being enabled against every enabled patch (a replace patch coexists with none). */
export function checkConflictingTags(
  ctx: PrePatchContext,
  patch: PatchInfo,
  tags: readonly string[],
  settings: Settings,
  index: (patches: readonly PatchInfo[]) => TagIndex,
  report: PolicyReport<MessageId>,
): void {
  if (settings.conflictsWithTag.size === 0) return;
  // Perf: whether any installed patch (another name) carries a tag conflicting with one of the
  // patch's, from the tag index; only then is every installed patch compared, in order.
  if (!tags.some((tag) => conflictCarried(settings.conflictsWithTag.get(tag), index(ctx.installed), patch.name))) return;
  const own = tags.map((tag) => ({ tag, conflicts: settings.conflictsWithTag.get(tag) }));
  for (const other of thaw(ctx.installed)) {
    if (other.name === patch.name) continue;
    const theirs = tagList(other);
    for (const { tag, conflicts } of own) {
      for (const otherTag of theirs) {
        if (!conflicts?.has(otherTag)) continue;
        report({
          messageId: 'conflicting-tag',
          data: { patch: patch.name, other: other.name, patches: [patch.name, other.name], tag, otherTag },
          hint: `disable ${quoted(other.name)} first`,
        });
      }
    }
  }
}
