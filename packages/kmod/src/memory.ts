/**
 * The module's data as the loader would see it after relocation, without loading it: a pointer
 * field of an initialised static (a `klp_patch`, a `klp_func`...) holds zero in the file and gets
 * its value from an R_X86_64_64 relocation against a symbol (often a section symbol plus an
 * addend). Reading "the pointer at .data+0x8" therefore means finding that relocation.
 */
import type { Bytes } from './bytes.js';
import { MalformedError } from './errors.js';
import { R_X86_64_64, SHF_ALLOC, SHF_EXECINSTR, SHT_NOBITS, STT_FUNC, STT_OBJECT, STT_SECTION, type Elf, type ElfSymbol, type Relocation, type Section } from './elf.js';

/** A place in the module: a section and an offset in it. */
export interface Place {
  readonly section: Section;
  readonly offset: number;
}

/** Where a pointer points: a place in this module, or a symbol it imports. */
export type Target = { readonly kind: 'local'; readonly place: Place; readonly symbol: ElfSymbol } | { readonly kind: 'import'; readonly name: string };

const SHF_STRINGS = 0x20n;

export class Memory {
  private readonly relocs = new Map<number, Map<number, Relocation>>();
  private readonly contents = new Map<number, Bytes>();
  private readonly sorted = new Map<number, readonly Relocation[]>();
  private byPlace: Map<string, ElfSymbol[]> | undefined;

  constructor(readonly elf: Elf) {
    // Only allocated, non-executable sections can hold the patch's static structures; skipping the
    // rest (notably .rela.debug_*, most of a debug build) keeps reading fast.
    for (const s of elf.sections) {
      if ((s.flags & BigInt(SHF_ALLOC)) === 0n || (s.flags & BigInt(SHF_EXECINSTR)) !== 0n || s.type === SHT_NOBITS) continue;
      const list = elf.relocationsFor(s);
      if (list.length === 0) continue;
      const map = new Map<number, Relocation>();
      for (const r of list) if (r.type === R_X86_64_64) map.set(r.offset, r);
      this.relocs.set(s.index, map);
    }
  }

  bytes(section: Section): Bytes {
    let b = this.contents.get(section.index);
    if (!b) {
      b = this.elf.contents(section);
      this.contents.set(section.index, b);
    }
    return b;
  }

  /** Relocations of a section, by offset (R_X86_64_64 only). */
  relocationsIn(section: Section): ReadonlyMap<number, Relocation> {
    return this.relocs.get(section.index) ?? new Map();
  }

  /**
   * The relocations of `section` at offsets in [start, end), by offset. Perf and safety: a binary
   * search in a sorted copy, so that reading N arrays costs N log R, not N × R on a file with
   * millions of relocations.
   */
  relocationsBetween(section: Section, start: number, end: number): readonly Relocation[] {
    let list = this.sorted.get(section.index);
    if (!list) {
      list = [...this.relocationsIn(section).values()].sort((a, b) => a.offset - b.offset);
      this.sorted.set(section.index, list);
    }
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((list[mid] as Relocation).offset < start) lo = mid + 1;
      else hi = mid;
    }
    const out: Relocation[] = [];
    for (let i = lo; i < list.length && (list[i] as Relocation).offset < end; i++) out.push(list[i] as Relocation);
    return out;
  }

  /** Every data place holding a pointer to the symbol `name` (with addend 0). */
  referencesTo(name: string): Place[] {
    const out: Place[] = [];
    const symbols = this.elf.symbols();
    for (const [index, map] of this.relocs) {
      const section = this.elf.sectionAt(index, 'a relocation section');
      for (const r of map.values()) if (r.addend === 0 && symbols[r.symbol]?.name === name) out.push({ section, offset: r.offset });
    }
    return out.sort((a, b) => a.section.index - b.section.index || a.offset - b.offset);
  }

  /** The pointer stored at `place`: null when it is zero and unrelocated. */
  pointer(place: Place, what: string): Target | null {
    const bytes = this.bytes(place.section);
    bytes.check(place.offset, 8, what);
    const r = this.relocs.get(place.section.index)?.get(place.offset);
    if (!r) {
      if (bytes.zero(place.offset, 8, what)) return null;
      throw new MalformedError(`${what} (${placeText(place)}) holds a constant where a relocated pointer belongs`);
    }
    const symbol = this.elf.symbols()[r.symbol];
    if (!symbol) throw new MalformedError(`${what}: relocation against symbol ${r.symbol}, which does not exist`);
    if (symbol.section === undefined) {
      if (symbol.name === '') throw new MalformedError(`${what}: relocation against an unnamed undefined symbol`);
      return { kind: 'import', name: symbol.name };
    }
    const section = this.elf.sectionAt(symbol.section, `symbol ${symbol.name || symbol.index}`);
    const offset = symbol.value + r.addend;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > section.size) {
      throw new MalformedError(`${what} points to ${section.name}+${offset}, outside that section`);
    }
    return { kind: 'local', place: { section, offset }, symbol };
  }

  /** A pointer that must point into this module's data (not code, not an import). */
  dataPointer(place: Place, what: string): Place | null {
    const t = this.pointer(place, what);
    if (t === null) return null;
    if (t.kind === 'import' || (t.place.section.flags & BigInt(SHF_EXECINSTR)) !== 0n) {
      throw new MalformedError(`${what} points to ${describe(t)}, not to data`);
    }
    return t.place;
  }

  /** A `const char *` field: the string it points to, or null. */
  string(place: Place, what: string): string | null {
    const t = this.pointer(place, what);
    if (t === null) return null;
    if (t.kind === 'import' || t.place.section.type === SHT_NOBITS) throw new MalformedError(`${what} points to ${describe(t)}, not to a string`);
    return this.bytes(t.place.section).cstring(t.place.offset, what);
  }

  /** A function pointer: the name of the function it points to (a section symbol resolved to the function at that address). */
  code(place: Place, what: string): string | null {
    const t = this.pointer(place, what);
    if (t === null) return null;
    if (t.kind === 'import') return t.name;
    if ((t.place.section.flags & BigInt(SHF_EXECINSTR)) === 0n) throw new MalformedError(`${what} points to ${describe(t)}, not to code`);
    const named = this.symbolsAt(t.place).find((s) => s.type === STT_FUNC);
    return named?.name ?? placeText(t.place);
  }

  /** True when `place` is in a string section (.rodata.str*: SHF_STRINGS). */
  isString(target: Target | null): boolean {
    return target !== null && target.kind === 'local' && (target.place.section.flags & SHF_STRINGS) !== 0n;
  }

  /** Named symbols (functions, objects) that start at `place`. */
  symbolsAt(place: Place): ElfSymbol[] {
    if (!this.byPlace) {
      this.byPlace = new Map();
      for (const s of this.elf.symbols()) {
        if (s.section === undefined || s.type === STT_SECTION || s.name === '') continue;
        const key = `${s.section}:${s.value}`;
        const list = this.byPlace.get(key);
        if (list) list.push(s);
        else this.byPlace.set(key, [s]);
      }
    }
    return this.byPlace.get(`${place.section.index}:${place.offset}`) ?? [];
  }

  /** The data object (a static array) that starts at `place`, with its size, if the symbol table names one. */
  objectAt(place: Place): ElfSymbol | undefined {
    return this.symbolsAt(place).find((s) => s.type === STT_OBJECT && s.size > 0);
  }
}

export function describe(t: Target): string {
  return t.kind === 'import' ? `the imported symbol ${t.name}` : placeText(t.place);
}

/** `.data+0xe0` */
export function placeText(place: Place): string {
  return `${place.section.name}+0x${place.offset.toString(16)}`;
}
