/**
 * What the rules read from a patch: its vendor, its tags, its replace set, its functions. Metadata
 * comes from manifests or from patches assembled in code, so nothing about its shape is assumed.
 */
import { funcKey, type FuncRef, type GateContext, type PatchInfo } from '@patchwise/core';
import { isWellFormed } from '@patchwise/manifest';

/**
 * A plain copy of a snapshot's array (`ctx.installed`, a patch's `objects`, `funcs`, `tags`).
 * Perf: on Node 20, V8 runs `filter`, `some`, `for...of` and the like on frozen arrays on a slow
 * path (about 10x slower, plus a fixed cost per call); a spread copies one fast.
 */
export const thaw = <T>(list: readonly T[]): T[] => [...list];

/** Printable ASCII only. Perf: a loop (cheaper than a regular expression for names this short); names are read at every gate. */
function isPlainAscii(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/**
 * A vendor or tag name as the rules compare it: the exact string in Unicode NFC, or `null` for
 * what is not a name (not a string, empty, or not valid Unicode text). NFC makes the two ways of
 * writing one text (`é` as one character, or `e` and a combining accent, as keyboards and file
 * systems differ) one name; it never joins characters that look different (NFKC would: `ﬁ` and
 * `fi`, full-width letters), and case is kept. See the README, "Names".
 */
export function nameOf(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0) return null;
  // Perf: printable ASCII (nearly every name) is already NFC.
  if (isPlainAscii(value)) return value;
  return isWellFormed(value) ? value.normalize('NFC') : null;
}

/** The vendor a patch claims, or `null` when it declares none (or something that is not a name). */
export function vendorOf(patch: Pick<PatchInfo, 'metadata'>): string | null {
  return nameOf(patch.metadata.vendor);
}

/** The patch's tags, each once, in the order written. */
export function tagsOf(patch: Pick<PatchInfo, 'metadata'>): string[] {
  return [...tagList(patch)];
}

const NO_TAGS: readonly string[] = Object.freeze([]);
/** Tags read from frozen `tags` arrays (the snapshots'), which can never change. */
const tagCache = new WeakMap<readonly unknown[], readonly string[]>();

/**
 * `tagsOf` without the copy, for the rules. Perf: the tag rules read the tags of every installed
 * patch on every decision; a snapshot's `tags` array is frozen, so it is read once (a `Set` and a
 * filter per patch per decision were most of this policy's time).
 */
export function tagList(patch: Pick<PatchInfo, 'metadata'>): readonly string[] {
  const tags = patch.metadata.tags;
  if (!Array.isArray(tags)) return NO_TAGS;
  let list = tagCache.get(tags);
  if (list === undefined) {
    list = [...new Set(thaw(tags).map(nameOf).filter((t): t is string => t !== null))];
    if (Object.isFrozen(tags)) tagCache.set(tags, list);
  }
  return list;
}

/**
 * `tagList` without the cache, for the patch being decided. Perf: its snapshot is new at every
 * gate, so caching its tags only added an entry to the cache per decision; an index loop over a
 * short list replaces the copy, filter, `Set` and spread.
 */
export function tagsOfNew(patch: Pick<PatchInfo, 'metadata'>): readonly string[] {
  const tags = patch.metadata.tags;
  if (!Array.isArray(tags)) return NO_TAGS;
  // A long list keeps the `Set` (the loop below compares each tag with those before it).
  if (tags.length > 32) return tagList(patch);
  const list: string[] = [];
  for (let i = 0; i < tags.length; i += 1) {
    const tag = nameOf(tags[i]);
    if (tag !== null && !list.includes(tag)) list.push(tag);
  }
  return list;
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

/**
 * vmlinux function name → its key. Bounded: once full, keys of further names are built each time
 * (clearing it instead would make stacks of many new functions pay for inserts that never pay off).
 */
const vmlinuxKeys = new Map<string, string>();
const MAX_KEYS = 10_000;

/**
 * `funcKey(func)`. Perf: for a vmlinux function (the usual case), the same key string on every
 * decision, so the owner index's lookup finds its hash already computed (V8 keeps it in the string);
 * a new template string is hashed at each lookup, which made a lookup about 3x slower.
 */
export function keyOf(func: FuncRef): string {
  if (func.object !== null || func.sympos > 1) return funcKey(func);
  let key = vmlinuxKeys.get(func.name);
  if (key === undefined) {
    key = funcKey(func);
    if (vmlinuxKeys.size < MAX_KEYS) vmlinuxKeys.set(func.name, key);
  }
  return key;
}

/** The patch's function keys (`vmlinux:cmdline_proc_show`), each once, in patch order. */
export function functionsOf(patch: PatchInfo): string[] {
  // Perf: one loop and one Set, without the intermediate arrays of flatMap/map/spread.
  const keys = new Set<string>();
  for (const obj of thaw(patch.objects)) for (const func of thaw(obj.funcs)) keys.add(keyOf(func));
  return [...keys];
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
export function sharersOf(ctx: Pick<GateContext, 'owners'>, patch: PatchInfo): Sharer[] {
  const byName = new Map<string, { other: PatchInfo; functions: string[] }>();
  for (const func of functionsOf(patch)) {
    for (const other of ctx.owners(func)) {
      if (other.name === patch.name) continue;
      const entry = byName.get(other.name) ?? { other, functions: [] };
      entry.functions.push(func);
      byName.set(other.name, entry);
    }
  }
  return [...byName.values()];
}
