/**
 * Tag rules between coexisting patches. `requiresTag` is an invariant over the enabled patches:
 * while one of them carries tag `a`, every tag that `a` requires is carried by some enabled patch
 * (possibly the same one). It is checked when a patch comes (its own requirements) and when one goes (the
 * requirements of those that stay). `conflictsWithTag` forbids two distinct enabled patches from
 * carrying a conflicting pair, in either direction.
 */
import type { PatchInfo, PrePatchContext, PreUnpatchContext } from '@patchwise/core';
import type { PolicyReport } from '@patchwise/policy';
import type { MessageId } from '../messages.js';
import type { Settings } from '../options.js';
import { code, listText, quoted, tagList, thaw } from '../patch-facts.js';

const carries = (patches: readonly PatchInfo[], tag: string): boolean => patches.some((p) => tagList(p).includes(tag));

/**
 * A patch being enabled: its own requirements, met by the patches enabled after the operation
 * (itself alone for an atomic-replace patch, which replaces all the others).
 */
export function checkRequiredTags(ctx: PrePatchContext, patch: PatchInfo, settings: Settings, report: PolicyReport<MessageId>): void {
  if (settings.requiresTag.size === 0) return;
  // Perf: built only when one of the patch's tags has a requirement.
  let after: readonly PatchInfo[] | undefined;
  for (const tag of tagList(patch)) {
    for (const required of settings.requiresTag.get(tag) ?? []) {
      after ??= patch.replace ? [patch] : [...thaw(ctx.installed).filter((p) => p.name !== patch.name), patch];
      if (carries(after, required)) continue;
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
export function checkRequiredTagsKept(ctx: PreUnpatchContext, settings: Settings, report: PolicyReport<MessageId>): void {
  if (settings.requiresTag.size === 0) return;
  const { patch } = ctx;
  const remaining = thaw(ctx.installed).filter((p) => p.name !== patch.name);
  for (const required of tagList(patch)) {
    if (carries(remaining, required)) continue;
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
export function checkConflictingTags(ctx: PrePatchContext, patch: PatchInfo, settings: Settings, report: PolicyReport<MessageId>): void {
  if (settings.conflictsWithTag.size === 0) return;
  // Perf: each own tag's conflicts looked up once, not per installed patch; none, nothing to check.
  const own = tagList(patch).map((tag) => ({ tag, conflicts: settings.conflictsWithTag.get(tag) }));
  if (own.every((o) => o.conflicts === undefined)) return;
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
