/**
 * Tag rules between coexisting patches. `requiresTag` is an invariant over the enabled patches:
 * while one of them carries tag `a`, every tag that `a` requires is carried by some enabled patch
 * (possibly the same one). It is checked when a patch comes (its own requirements) and when one goes (the
 * requirements of those that stay). `conflictsWithTag` forbids two distinct enabled patches from
 * carrying a conflicting pair, in either direction.
 */
import type { GateContext, PatchInfo, PrePatchContext, PreUnpatchContext } from '@patchwise/core';
import type { PolicyReport } from '@patchwise/policy';
import type { MessageId } from '../messages.js';
import type { Settings } from '../options.js';
import { code, listText, quoted, tagsOf } from '../patch-facts.js';

/** The installed patches tagged `tag`, other than the patch named `except`. */
const carriers = (ctx: GateContext, tag: string, except: string): PatchInfo[] => ctx.index.byTag(tag).filter((p) => p.name !== except);

/**
 * A patch being enabled, with its tags: its own requirements, met by the patches enabled after the
 * operation (itself alone for an atomic-replace patch, which replaces all the others).
 */
export function checkRequiredTags(ctx: PrePatchContext, patch: PatchInfo, tags: readonly string[], settings: Settings, report: PolicyReport<MessageId>): void {
  for (const tag of tags) {
    for (const required of settings.requiresTag.get(tag) ?? []) {
      const met = tags.includes(required) || (!patch.replace && carriers(ctx, required, patch.name).length > 0);
      if (met) continue;
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
  const { patch } = ctx;
  const remaining = ctx.installed.filter((p) => p.name !== patch.name);
  for (const required of tagsOf(patch)) {
    if (carriers(ctx, required, patch.name).length > 0) continue;
    const dependents = remaining.flatMap((p) => {
      const needing = tagsOf(p).filter((tag) => settings.requiresTag.get(tag)?.includes(required));
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

/**
 * A non-replace patch being enabled against every enabled patch (a replace patch coexists with
 * none): one finding per installed patch and conflicting pair of tags, in installed order.
 */
export function checkConflictingTags(ctx: PrePatchContext, patch: PatchInfo, tags: readonly string[], settings: Settings, report: PolicyReport<MessageId>): void {
  // The installed patches carrying a tag that conflicts with one of the patch's.
  const suspects = new Set(tags.flatMap((tag) => [...(settings.conflictsWithTag.get(tag) ?? [])].flatMap((other) => carriers(ctx, other, patch.name))));
  for (const other of ctx.installed.filter((p) => suspects.has(p))) {
    const theirs = tagsOf(other);
    for (const tag of tags) {
      for (const otherTag of theirs) {
        if (!settings.conflictsWithTag.get(tag)?.has(otherTag)) continue;
        report({
          messageId: 'conflicting-tag',
          data: { patch: patch.name, other: other.name, patches: [patch.name, other.name], tag, otherTag },
          hint: `disable ${quoted(other.name)} first`,
        });
      }
    }
  }
}
