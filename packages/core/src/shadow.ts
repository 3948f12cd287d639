/**
 * Shadow variables (shadow.c): data attached to any object, keyed by `<object, id>`.
 *
 * The table is global and belongs to no patch: replacing or disabling a patch never touches it.
 */
import type { LogSink } from './log.js';

/** A shadow variable's data: a zeroed buffer of `size` bytes in the kernel, a record here. */
export interface ShadowData {
  readonly size: number;
  /** What the constructor (or the author) stores. */
  value: unknown;
}

/**
 * What a shadow variable is attached to: in the kernel a pointer; here any object (compared by
 * identity) or a string/number naming one.
 */
export type ShadowKey = object | string | number;

/** Constructor: returns 0, or a negative errno to refuse the allocation. */
export type ShadowCtor = (obj: ShadowKey, data: ShadowData, ctorData: unknown) => number;
export type ShadowDtor = (obj: ShadowKey, data: ShadowData) => void;

interface ShadowEntry {
  readonly obj: ShadowKey;
  readonly id: number;
  readonly data: ShadowData;
}

const warnSite = 'klp_shadow_alloc';

/** The global shadow variable table and its API. */
export class ShadowTable {
  // Insertion-ordered, like a hash bucket walk in the common single-bucket case.
  readonly #entries: ShadowEntry[] = [];

  constructor(
    private readonly log: LogSink,
    private readonly formatPointer: (value: unknown) => string,
  ) {}

  /** `klp_shadow_get`: the data of `<obj, id>`, or `null`. */
  get(obj: ShadowKey, id: number): ShadowData | null {
    return this.#find(obj, id)?.data ?? null;
  }

  /** `klp_shadow_alloc`: `null` (with a WARN) when `<obj, id>` exists, or when `ctor` fails. */
  alloc(obj: ShadowKey, id: number, size: number, ctor?: ShadowCtor, ctorData?: unknown): ShadowData | null {
    return this.#getOrAlloc(obj, id, size, ctor, ctorData, true);
  }

  /** `klp_shadow_get_or_alloc`: the existing data (its ctor not called), or a new variable. */
  getOrAlloc(obj: ShadowKey, id: number, size: number, ctor?: ShadowCtor, ctorData?: unknown): ShadowData | null {
    return this.#getOrAlloc(obj, id, size, ctor, ctorData, false);
  }

  /** `klp_shadow_free`: remove `<obj, id>`, calling `dtor` on its data first. */
  free(obj: ShadowKey, id: number, dtor?: ShadowDtor): void {
    const at = this.#entries.findIndex((e) => e.obj === obj && e.id === id);
    if (at < 0) return;
    const [entry] = this.#entries.splice(at, 1);
    if (entry) dtor?.(entry.obj, entry.data);
  }

  /** `klp_shadow_free_all`: remove every `<*, id>`. */
  freeAll(id: number, dtor?: ShadowDtor): void {
    for (let i = 0; i < this.#entries.length; ) {
      const entry = this.#entries[i];
      if (entry && entry.id === id) {
        this.#entries.splice(i, 1);
        dtor?.(entry.obj, entry.data);
      } else {
        i += 1;
      }
    }
  }

  /** Every live variable, for inspection. */
  entries(): readonly { obj: ShadowKey; id: number; data: ShadowData }[] {
    return this.#entries.map((e) => ({ ...e }));
  }

  get size(): number {
    return this.#entries.length;
  }

  #find(obj: ShadowKey, id: number): ShadowEntry | undefined {
    return this.#entries.find((e) => e.obj === obj && e.id === id);
  }

  #getOrAlloc(
    obj: ShadowKey,
    id: number,
    size: number,
    ctor: ShadowCtor | undefined,
    ctorData: unknown,
    warnOnExist: boolean,
  ): ShadowData | null {
    const existing = this.#find(obj, id);
    if (existing) {
      if (warnOnExist) {
        this.log.printk('warn', `Duplicate shadow variable <${this.formatPointer(obj)}, ${id.toString(16)}>`, warnSite);
        return null;
      }
      return existing.data;
    }
    const data: ShadowData = { size, value: undefined };
    if (ctor) {
      const err = ctor(obj, data, ctorData);
      if (err) {
        this.log.printk(
          'err',
          `livepatch: Failed to construct shadow variable <${this.formatPointer(obj)}, ${id.toString(16)}> (${err})`,
          warnSite,
        );
        return null;
      }
    }
    this.#entries.push({ obj, id, data });
    return data;
  }
}
