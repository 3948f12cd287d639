/**
 * When a patch was published, read from `PatchInfo.metadata.published` (a manifest's `published:`,
 * or a real module's `MODULE_INFO(patchwise_published, ...)`).
 */
import type { PatchInfo } from '@patchwise/policy';
import * as z from 'zod';

const ISO_WITH_OFFSET = z.iso.datetime({ offset: true });

export type Published =
  | { readonly kind: 'absent' }
  | { readonly kind: 'invalid'; readonly value: string }
  | { readonly kind: 'valid'; readonly text: string; readonly ms: number };

export function readPublished(patch: PatchInfo): Published {
  const value = patch.metadata.published;
  if (value === undefined) return { kind: 'absent' };
  if (typeof value !== 'string' || !ISO_WITH_OFFSET.safeParse(value).success) {
    return { kind: 'invalid', value: typeof value === 'string' ? value : JSON.stringify(value) ?? String(value) };
  }
  return { kind: 'valid', text: value, ms: Date.parse(value) };
}
