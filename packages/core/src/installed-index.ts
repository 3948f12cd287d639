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
import { frozenList } from './frozen-list.js';
import { funcKey, nopsFor, type FuncRef, type PatchInfo } from './info.js';
import { markNop, nopBits, nopList, nopListOf, type NopList } from './nop-list.js';

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
  /**
   * The patch's function keys (`vmlinux:cmdline_proc_show`, see `funcKey`), each once, in patch
   * order: kept for an installed patch; for the patch being decided, computed once per context and
   * shared by every policy that asks.
   */
  functions(patch: PatchInfo): readonly string[];
}

/** `patch`'s function keys, each once, in patch order. */
export function functionKeys(patch: PatchInfo): string[] {
  const keys = new Set<string>();
  for (const obj of patch.objects) for (const f of obj.funcs) keys.add(funcKey(f));
  return [...keys];
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
  /**
   * Per installed patch: its functions (in patch order), the number of each function's key, and its
   * function keys (each once).
   */
  readonly #patches = new Map<
    PatchInfo,
    { readonly funcs: readonly FuncRef[]; readonly ids: Uint32Array; readonly keys: readonly string[] }
  >();
  /** What policies derived: by reader, then by installed patch. */
  readonly #derived = new Map<unknown, Map<PatchInfo, unknown>>();
  /**
   * A number per function key ever installed, so that `nopsFor` marks functions in a flat table
   * instead of hashing a million key strings into sets per decision. Kept while the index lives:
   * bounded by the functions the machine's patches ever patched.
   */
  readonly #ids = new Map<string, number>();
  /** `nopsFor`'s marks: `#marks[id] === #epoch` means seen in the current call. */
  #marks = new Uint32Array(1024);
  #epoch = 0;
  #version = 0;
  #installed: { readonly version: number; readonly list: readonly PatchInfo[] } | undefined;

  /** Changes with every `add` and `remove`: a context knows whether the index is as it saw it. */
  get version(): number {
    return this.#version;
  }

  add(patch: PatchInfo): void {
    this.#version += 1;
    const funcs = patch.objects.flatMap((obj) => obj.funcs);
    const ids = new Uint32Array(funcs.length);
    for (let i = 0; i < funcs.length; i += 1) ids[i] = this.#idOf(funcKey(funcs[i] as FuncRef));
    this.#patches.set(patch, { funcs, ids, keys: functionKeys(patch) });
    for (const listing of [this.#vendors, this.#tags, this.#names]) listing.add(patch);
  }

  remove(patch: PatchInfo): void {
    if (!this.#patches.delete(patch)) return;
    this.#version += 1;
    for (const readings of this.#derived.values()) readings.delete(patch);
    for (const listing of [this.#vendors, this.#tags, this.#names]) listing.remove(patch);
  }

  /**
   * The installed patches (`infos()`, read only when a patch came or went since the last call), as
   * one frozen list (see `frozen-list.ts`) shared by every gate context until then: structural
   * sharing instead of a frozen copy per decision.
   */
  installed(infos: () => PatchInfo[]): readonly PatchInfo[] {
    if (this.#installed?.version !== this.#version) this.#installed = { version: this.#version, list: frozenList(infos()) };
    return this.#installed.list;
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

  /** An installed patch's function keys, as kept (the core's own list: callers copy it). */
  functions(patch: PatchInfo): readonly string[] {
    return this.#patches.get(patch)?.keys ?? functionKeys(patch);
  }

  derived<T>(patch: PatchInfo, read: (patch: PatchInfo) => T): T {
    return this.derive(this.readings(read), patch, read);
  }

  /** The kept readings of `read` (a context keeps the last reader's: one lookup per `derived`). */
  readings(read: (patch: PatchInfo) => unknown): Map<PatchInfo, unknown> {
    let readings = this.#derived.get(read);
    if (!readings) {
      readings = new Map();
      this.#derived.set(read, readings);
    }
    return readings;
  }

  /** `derived`, given `read`'s readings. */
  derive<T>(readings: Map<PatchInfo, unknown>, patch: PatchInfo, read: (patch: PatchInfo) => T): T {
    const kept = readings.get(patch) as T | undefined;
    if (kept !== undefined || readings.has(patch)) return kept as T;
    const value = read(patch);
    if (this.#patches.has(patch)) readings.set(patch, value);
    return value;
  }

  /**
   * The functions an atomic-replace patch would turn into nops (`klp_add_nops`): every function an
   * installed patch patches that `patch` does not, each once, in the order of `installed` and of
   * each patch's functions (sympos 0 and 1 are the same function). See `nop-list.ts` for the form.
   *
   * Perf: marks function numbers in a flat table (a new mark value per call, so the table is never
   * cleared or reallocated) instead of building sets of key strings: at 10^6 installed functions
   * those sets cost more per function the bigger they grew (hashing, rehashing, cache misses, and
   * the garbage collection of a million-entry set per decision).
   */
  nopsFor(patch: PatchInfo, installed: readonly PatchInfo[]): NopList {
    const entries: { readonly funcs: readonly FuncRef[]; readonly ids: Uint32Array }[] = [];
    for (const old of installed) {
      const entry = this.#patches.get(old);
      if (!entry) return nopList(nopsFor(patch, installed));
      entries.push(entry);
    }
    const epoch = this.#nextEpoch();
    const marks = this.#marks;
    for (const obj of patch.objects) {
      for (const f of obj.funcs) {
        const id = this.#ids.get(funcKey(f));
        if (id !== undefined) marks[id] = epoch;
      }
    }
    let total = 0;
    for (const { ids } of entries) total += ids.length;
    const bits = nopBits(total);
    const ends = new Uint32Array(entries.length);
    let [position, count] = [0, 0];
    for (let e = 0; e < entries.length; e += 1) {
      const { ids } = entries[e] as (typeof entries)[number];
      for (let i = 0; i < ids.length; i += 1, position += 1) {
        const id = ids[i] as number;
        if (marks[id] === epoch) continue;
        marks[id] = epoch;
        markNop(bits, position);
        count += 1;
      }
      ends[e] = count;
    }
    return nopListOf(
      entries.map((e) => e.funcs),
      bits,
      ends,
    );
  }

  #idOf(key: string): number {
    let id = this.#ids.get(key);
    if (id === undefined) {
      id = this.#ids.size;
      this.#ids.set(key, id);
      if (id >= this.#marks.length) {
        const grown = new Uint32Array(this.#marks.length * 2);
        grown.set(this.#marks);
        this.#marks = grown;
      }
    }
    return id;
  }

  #nextEpoch(): number {
    if (this.#epoch === 0xffffffff) {
      this.#marks.fill(0);
      this.#epoch = 0;
    }
    this.#epoch += 1;
    return this.#epoch;
  }
}
