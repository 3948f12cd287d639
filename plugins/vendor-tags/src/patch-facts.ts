/**
 * What the rules read from a patch: its vendor, its tags, its replace set, its functions. Metadata
 * comes from manifests or from patches assembled in code, so nothing about its shape is assumed.
 */
import { nameKey, type GateContext, type PatchInfo } from '@patchwise/core';

/**
 * A vendor or tag name as the rules compare it: the exact string in Unicode NFC, or `null` for
 * what is not a name (not a string, empty, or not valid Unicode text). NFC makes the two ways of
 * writing one text (`é` as one character, or `e` and a combining accent, as keyboards and file
 * systems differ) one name; it never joins characters that look different (NFKC would: `ﬁ` and
 * `fi`, full-width letters), and case is kept. The core's index (`ctx.index.byVendor`, `byTag`)
 * compares names the same way. See the README, "Names".
 */
export const nameOf = (value: unknown): string | null => nameKey(value);

/** The vendor a patch claims, or `null` when it declares none (or something that is not a name). */
export function vendorOf(patch: Pick<PatchInfo, 'metadata'>): string | null {
  return nameOf(patch.metadata.vendor);
}

/** The patch's tags, each once, in the order written. */
export function tagsOf(patch: Pick<PatchInfo, 'metadata'>): string[] {
  const tags = patch.metadata.tags;
  if (!Array.isArray(tags)) return [];
  return [...new Set((tags as unknown[]).map(nameOf).filter((t): t is string => t !== null))];
}

/** A patch's replace set: its name, `null` for none, or the offending tags when it is ambiguous. */
export type ReplaceSet = { readonly name: string | null } | { readonly invalid: readonly string[] };

/**
 * The replace set named by the patch's `<prefix><name>` tag. More than one such tag, or one with
 * an empty name, makes the set invalid rather than guessed.
 */
export function replaceSetOf(patch: PatchInfo, prefix: string): ReplaceSet {
  const setTags = tagsOf(patch).filter((t) => t.startsWith(prefix));
  if (setTags.length === 0) return { name: null };
  const [only] = setTags;
  if (setTags.length > 1 || only === prefix) return { invalid: setTags };
  return { name: (only as string).slice(prefix.length) };
}

// Display helpers: messages quote patch names like the kernel does, and values in backticks.

export const quoted = (name: string): string => `'${name}'`;
export const code = (value: string): string => `\`${value}\``;
export const vendorText = (vendor: string | null): string => (vendor === null ? 'no vendor' : `vendor ${code(vendor)}`);
export const setText = (set: string | null): string => (set === null ? 'no replace set' : `replace set ${code(set)}`);

/** `a`, `a and b`, `a, b and c`. */
export function listText(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** An installed patch that patches some of the same functions as the patch in question. */
export interface Sharer {
  readonly other: PatchInfo;
  /** The shared function keys, in the order the patch in question lists them. */
  readonly functions: readonly string[];
}

/** The installed patches sharing a function with `patch`, in the order first met. */
export function sharersOf(ctx: Pick<GateContext, 'owners' | 'index'>, patch: PatchInfo): Sharer[] {
  const byName = new Map<string, { other: PatchInfo; functions: string[] }>();
  for (const func of ctx.index.functions(patch)) {
    for (const other of ctx.owners(func)) {
      if (other.name === patch.name) continue;
      const entry = byName.get(other.name) ?? { other, functions: [] };
      entry.functions.push(func);
      byName.set(other.name, entry);
    }
  }
  return [...byName.values()];
}
