/**
 * The part of ELF64 a kernel module needs: the header, section headers and names, the symbol table
 * and RELA relocations. x86_64 little-endian only (the reader's scope); anything else is refused
 * with the reason. Program headers are irrelevant to relocatable objects and are not read.
 */
import { Bytes } from './bytes.js';
import { LIMITS } from './limits.js';
import { MalformedError, NotElfError, NotModuleError, TooLargeError, WrongArchError } from './errors.js';

export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
/** st_shndx values at and above this are special (undefined is 0; ABS, COMMON, XINDEX...). */
const SHN_LORESERVE = 0xff00;
const ET_REL = 1;
const EM_X86_64 = 62;
const EM_NAMES: Readonly<Record<number, string>> = {
  3: 'i386',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC64',
  22: 's390',
  40: 'ARM',
  43: 'SPARC64',
  183: 'AArch64',
  243: 'RISC-V',
  258: 'LoongArch',
};

export interface Section {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: bigint;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly entsize: number;
}

export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  /** STT_* (low 4 bits of st_info). */
  readonly type: number;
  /** STB_* (high 4 bits). */
  readonly bind: number;
  /** The section it is defined in; undefined for undefined/absolute/common symbols. */
  readonly section: number | undefined;
  readonly value: number;
  readonly size: number;
}

export interface Relocation {
  /** Offset in the section the relocations apply to. */
  readonly offset: number;
  readonly type: number;
  readonly symbol: number;
  readonly addend: number;
}

export const STT_SECTION = 3;
export const STT_FUNC = 2;
export const STT_OBJECT = 1;
export const R_X86_64_64 = 1;

export class Elf {
  readonly file: Bytes;
  readonly sections: readonly Section[];
  private symbolCache: readonly ElfSymbol[] | undefined;

  constructor(data: Uint8Array) {
    this.file = new Bytes(data, 'the file');
    if (!hasElfMagic(data)) throw new NotElfError();
    const f = this.file;
    const klass = f.u8(4, 'EI_CLASS');
    const endian = f.u8(5, 'EI_DATA');
    f.check(0, 64, 'the ELF header');
    const machine = f.u16(18, 'e_machine');
    if (klass !== 2 || endian !== 1 || machine !== EM_X86_64) {
      const arch = machine === EM_X86_64 ? 'x86_64' : (EM_NAMES[machine] ?? `machine ${machine}`);
      const bits = klass === 1 ? '32-bit' : klass === 2 ? '64-bit' : `class ${klass}`;
      const order = endian === 1 ? 'little-endian' : endian === 2 ? 'big-endian' : `data encoding ${endian}`;
      throw new WrongArchError(`built for ${arch} (${bits}, ${order}); only x86_64 modules are read`);
    }
    const type = f.u16(16, 'e_type');
    if (type !== ET_REL) throw new NotModuleError(`ELF type ${type} is not a relocatable object (ET_REL): kernel modules are relocatable`);
    const shoff = f.u64(40, 'e_shoff');
    const shentsize = f.u16(58, 'e_shentsize');
    const shnum = f.u16(60, 'e_shnum');
    const shstrndx = f.u16(62, 'e_shstrndx');
    if (shnum === 0) throw new NotModuleError('no section headers');
    if (shentsize !== 64) throw new MalformedError(`section header size ${shentsize}, expected 64`);
    if (shnum > LIMITS.sections) throw new TooLargeError(`${shnum} sections (at most ${LIMITS.sections} are read)`);
    f.check(shoff, shnum * 64, 'the section header table');
    const raw = Array.from({ length: shnum }, (_, i) => {
      const at = shoff + i * 64;
      const what = `section header ${i}`;
      return {
        index: i,
        nameOffset: f.u32(at, what),
        type: f.u32(at + 4, what),
        flags: f.u64big(at + 8, what),
        offset: f.u64(at + 24, what),
        size: f.u64(at + 32, what),
        link: f.u32(at + 40, what),
        info: f.u32(at + 44, what),
        entsize: f.u64(at + 56, what),
      };
    });
    const shstr = raw[shstrndx];
    if (shstrndx >= shnum || shstr === undefined || shstr.type !== SHT_STRTAB) {
      throw new MalformedError(`e_shstrndx ${shstrndx} is not a string table`);
    }
    const names = f.slice(shstr.offset, shstr.size, 'the section name table');
    this.sections = raw.map(({ nameOffset, ...s }) => ({ ...s, name: i0(s.index) ? '' : names.cstring(nameOffset, `the name of section ${s.index}`) }));
  }

  section(name: string): Section | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** A section's bytes (empty for SHT_NOBITS such as .bss). */
  contents(section: Section): Bytes {
    if (section.type === SHT_NOBITS) return new Bytes(new Uint8Array(0), `section ${section.name}`);
    return this.file.slice(section.offset, section.size, `section ${section.name}`);
  }

  sectionAt(index: number, what: string): Section {
    const s = this.sections[index];
    if (s === undefined) throw new MalformedError(`${what} refers to section ${index}, which does not exist`);
    return s;
  }

  /** The symbol table (.symtab), read once. Modules always keep it: the loader needs it. */
  symbols(): readonly ElfSymbol[] {
    if (this.symbolCache) return this.symbolCache;
    const symtab = this.sections.find((s) => s.type === SHT_SYMTAB);
    if (!symtab) throw new NotModuleError('no symbol table (.symtab): the kernel cannot load a module without one');
    if (symtab.entsize !== 24) throw new MalformedError(`symbol entry size ${symtab.entsize}, expected 24`);
    const count = Math.floor(symtab.size / 24);
    if (count > LIMITS.symbols) throw new TooLargeError(`${count} symbols (at most ${LIMITS.symbols} are read)`);
    const table = this.contents(symtab);
    const strtab = this.sectionAt(symtab.link, '.symtab');
    if (strtab.type !== SHT_STRTAB) throw new MalformedError(`.symtab's string table (section ${symtab.link}) is not a string table`);
    const strings = this.contents(strtab);
    const symbols: ElfSymbol[] = [];
    for (let i = 0; i < count; i++) {
      const at = i * 24;
      const what = `symbol ${i}`;
      const info = table.u8(at + 4, what);
      const shndx = table.u16(at + 6, what);
      symbols.push({
        index: i,
        name: strings.cstring(table.u32(at, what), `the name of ${what}`),
        type: info & 0xf,
        bind: info >> 4,
        section: shndx === 0 || shndx >= SHN_LORESERVE ? undefined : shndx,
        value: table.u64(at + 8, what),
        size: table.u64(at + 16, what),
      });
    }
    this.symbolCache = symbols;
    return symbols;
  }

  /** The RELA relocations applying to `target`, in file order (none when it has no .rela section). */
  relocationsFor(target: Section): Relocation[] {
    const rela = this.sections.find((s) => s.type === SHT_RELA && s.info === target.index);
    if (!rela) return [];
    if (rela.entsize !== 24) throw new MalformedError(`${rela.name}: entry size ${rela.entsize}, expected 24`);
    const count = Math.floor(rela.size / 24);
    if (count > LIMITS.relocationsPerSection) throw new TooLargeError(`${rela.name}: ${count} relocations (at most ${LIMITS.relocationsPerSection})`);
    const bytes = this.contents(rela);
    const out: Relocation[] = [];
    for (let i = 0; i < count; i++) {
      const what = `${rela.name} entry ${i}`;
      const info = bytes.u64big(i * 24 + 8, what);
      out.push({
        offset: bytes.u64(i * 24, what),
        type: Number(info & 0xffffffffn),
        symbol: Number(info >> 32n),
        addend: bytes.i64(i * 24 + 16, what),
      });
    }
    return out;
  }
}

export function hasElfMagic(data: Uint8Array): boolean {
  return data.length >= 4 && data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46;
}

/** Section 0 is the null section: it has no name. */
function i0(index: number): boolean {
  return index === 0;
}
