/**
 * The index of the installed patches that policies query through `ctx.index`: patches by vendor,
 * by tag, by the names they answer to, each patch's function keys, and whatever a policy derives
 * from a patch (parsed versions, read tags), computed once while the patch stays installed.
 *
 * Kept incrementally: `add` when a patch joins `klp_patches`, `remove` when it leaves, so a gate
 * never rescans the installed set to answer "who carries tag `x`". Every list is oldest first (the
 * order of `klp_patches`: a patch is always added at the end). A policy that keeps no cache of its
 * own gets the same speed as one that did: the index is the cache, and there is only one.
 */
import { funcKey, type FuncRef, type PatchInfo } from './info.js';

/** What a gate reads of the index (`ctx.index`). Every list is a fresh array, oldest first. */
export interface PatchIndex {
  /** The installed patches whose `metadata.vendor` is `vendor` (names compared in Unicode NFC). */
  byVendor(vendor: string): readonly PatchInfo[];
  /** The installed patches whose `metadata.tags` hold `tag` (NFC, as vendors). */
  byTag(tag: string): readonly PatchInfo[];
  /**
   * The installed patches that answer to `name`: by their name, their `metadata.lineage`, or a
   * capability of `metadata.provides` (`name` or `name@version`). Candidates, each once: a policy
   * with stricter rules for a field (a capability whose version must parse) checks them itself.
   */
  byName(name: string): readonly PatchInfo[];
  /**
   * `read(patch)`, computed once per installed patch and reader and kept until the patch leaves
   * (`read` must be a pure function of the frozen snapshot; keep one function per setting that
   * changes its result). For a patch that is not installed (the one being decided), computed anew.
   */
  derived<T>(patch: PatchInfo, read: (patch: PatchInfo) => T): T;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A vendor or tag as the index compares it: the string in Unicode NFC, or `null` for what is not a
 * name (not a string, empty, or not valid Unicode: a lone surrogate has no NFC form).
 */
export function nameKey(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || LONE_SURROGATE.test(value)) return null;
  return value.normalize('NFC');
}

/** The keys a patch is listed under in one map, each once. */
type Keys = (patch: PatchInfo) => Iterable<string>;

const vendorKeys: Keys = (patch) => {
  const vendor = nameKey(patch.metadata.vendor);
  return vendor === null ? [] : [vendor];
};

const tagKeys: Keys = (patch) => {
  const tags = patch.metadata.tags;
  const keys = new Set<string>();
  if (Array.isArray(tags)) for (const tag of tags as unknown[]) if (nameKey(tag) !== null) keys.add(nameKey(tag) as string);
  return keys;
};

const nonBlank = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

const nameKeys: Keys = (patch) => {
  const { lineage, provides } = patch.metadata;
  const keys = new Set([patch.name]);
  if (nonBlank(lineage)) keys.add(lineage);
  if (Array.isArray(provides)) {
    for (const entry of provides as unknown[]) {
      if (typeof entry !== 'string') continue;
      const at = entry.lastIndexOf('@');
      const name = at <= 0 ? entry : entry.slice(0, at);
      if (nonBlank(name)) keys.add(name);
    }
  }
  return keys;
};

/** How the index lists patches: under their vendor, their tags, the names they answer to. */
export type Listed = 'vendor' | 'tag' | 'name';

const KEYS: Readonly<Record<Listed, Keys>> = { vendor: vendorKeys, tag: tagKeys, name: nameKeys };

/**
 * The patches of `patches` the index would list under `key` (normalised as the index does), in
 * their order: the index's answer for a list it does not keep (a context's snapshot after its gate).
 */
export function listedUnder(listed: Listed, key: string, patches: readonly PatchInfo[]): PatchInfo[] {
  const normal = listed === 'name' ? key : nameKey(key);
  if (normal === null) return [];
  return patches.filter((p) => [...KEYS[listed](p)].includes(normal));
}

/** One map of key → installed patches, oldest first. */
class Listing {
  readonly #lists = new Map<string, PatchInfo[]>();
  constructor(readonly keys: Keys) {}

  add(patch: PatchInfo): void {
    for (const key of this.keys(patch)) {
      const list = this.#lists.get(key);
      if (list) list.push(patch);
      else this.#lists.set(key, [patch]);
    }
  }

  remove(patch: PatchInfo): void {
    for (const key of this.keys(patch)) {
      const list = this.#lists.get(key);
      const at = list ? list.indexOf(patch) : -1;
      if (!list || at < 0) continue;
      list.splice(at, 1);
      if (list.length === 0) this.#lists.delete(key);
    }
  }

  get(key: string): readonly PatchInfo[] {
    return this.#lists.get(key) ?? [];
  }
}

/** The core's index (only the core calls `add` and `remove`). */
export class InstalledIndex {
  readonly #vendors = new Listing(vendorKeys);
  readonly #tags = new Listing(tagKeys);
  readonly #names = new Listing(nameKeys);
  /** Per installed patch: its function keys (in patch order), and what policies derived from it. */
  readonly #patches = new Map<PatchInfo, { readonly funcs: readonly FuncRef[]; readonly keys: readonly string[]; readonly derived: Map<unknown, unknown> }>();
  #version = 0;

  /** Changes with every `add` and `remove`: a context knows whether the index is as it saw it. */
  get version(): number {
    return this.#version;
  }

  add(patch: PatchInfo): void {
    this.#version += 1;
    const funcs = patch.objects.flatMap((obj) => obj.funcs);
    this.#patches.set(patch, { funcs, keys: funcs.map(funcKey), derived: new Map() });
    for (const listing of [this.#vendors, this.#tags, this.#names]) listing.add(patch);
  }

  remove(patch: PatchInfo): void {
    if (!this.#patches.delete(patch)) return;
    this.#version += 1;
    for (const listing of [this.#vendors, this.#tags, this.#names]) listing.remove(patch);
  }

  byVendor(vendor: string): readonly PatchInfo[] {
    const key = nameKey(vendor);
    return key === null ? [] : this.#vendors.get(key);
  }

  byTag(tag: string): readonly PatchInfo[] {
    const key = nameKey(tag);
    return key === null ? [] : this.#tags.get(key);
  }

  byName(name: string): readonly PatchInfo[] {
    return this.#names.get(name);
  }

  derived<T>(patch: PatchInfo, read: (patch: PatchInfo) => T): T {
    const entry = this.#patches.get(patch);
    if (!entry) return read(patch);
    if (entry.derived.has(read)) return entry.derived.get(read) as T;
    const value = read(patch);
    entry.derived.set(read, value);
    return value;
  }

  /**
   * The functions an atomic-replace patch would turn into nops (`klp_add_nops`): every function an
   * installed patch patches that `patch` does not, each once, in the order of `installed` and of
   * each patch's functions (sympos 0 and 1 are the same function). Reads each installed patch's
   * keys as built when it was added, instead of building a million key strings per decision.
   */
  nopsFor(patch: PatchInfo, installed: readonly PatchInfo[]): FuncRef[] {
    const own = new Set<string>();
    for (const obj of patch.objects) for (const f of obj.funcs) own.add(funcKey(f));
    const seen = new Set<string>();
    const nops: FuncRef[] = [];
    for (const old of installed) {
      const entry = this.#patches.get(old);
      const funcs = entry?.funcs ?? old.objects.flatMap((obj) => obj.funcs);
      const keys = entry?.keys ?? funcs.map(funcKey);
      for (let i = 0; i < keys.length; i += 1) {
        const key = keys[i] as string;
        if (own.has(key) || seen.has(key)) continue;
        seen.add(key);
        nops.push(funcs[i] as FuncRef);
      }
    }
    return nops;
  }
}
