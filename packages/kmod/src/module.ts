/**
 * readKernelModule: everything patchwise needs to know about a livepatch `.ko`, read without
 * loading it. The module's bytes are untrusted: the only exceptions are KmodError subclasses.
 */
import { Elf, hasElfMagic } from './elf.js';
import { MalformedError, NotElfError, NotLivepatchError, TooLargeError } from './errors.js';
import { readKlpRelaSections, readKlpSymbols, type KlpRelaSection, type KlpSymbol } from './klp-rela.js';
import { LIMITS } from './limits.js';
import { Memory } from './memory.js';
import { readModinfo, readThisModuleName, readVersions, type ModinfoEntry, type SymbolVersion } from './modinfo.js';
import { readPatch, type KlpPatch } from './patch.js';
import { readKlpTables } from './klp-tables.js';
import { readSignature, splitSignature, type ModuleSignature } from './signature.js';

export interface KernelModule {
  /** The module's name (`struct module.name` in .gnu.linkonce.this_module). */
  readonly name: string;
  /** Every .modinfo entry, in file order. */
  readonly modinfo: readonly ModinfoEntry[];
  /** `vermagic`, e.g. `6.1.0-57-amd64 SMP preempt mod_unload modversions `. */
  readonly vermagic: string | null;
  /** The kernel release the module was built for: vermagic's first word. */
  readonly release: string | null;
  /** `livepatch=Y` in .modinfo (the loader's test). */
  readonly livepatch: boolean;
  /** `__versions`: the CRC of each symbol the module imports. */
  readonly versions: readonly SymbolVersion[];
  /**
   * The patch: from a static klp_patch, else from klp-build's tables. Null for a module that is not
   * a livepatch (read with `requireLivepatch: false`), and for one that builds its patch at run time
   * from tables this reader does not know (kpatch-build) but has `.klp.rela` sections.
   */
  readonly patch: KlpPatch | null;
  /** `.klp.rela.OBJ.SECTION` sections (kpatch-build / klp-build modules). */
  readonly klpRelocations: readonly KlpRelaSection[];
  /** `.klp.sym.OBJ.NAME,POS` symbols. */
  readonly klpSymbols: readonly KlpSymbol[];
  /** The appended signature, or null when the module is not signed. */
  readonly signature: ModuleSignature | null;
  /** Bytes of the file and of the ELF part (without the signature). */
  readonly size: number;
  readonly elfSize: number;
}

export interface ReadOptions {
  /** Refuse a module without `livepatch=Y` (NotLivepatchError). Default true. */
  readonly requireLivepatch?: boolean;
}

export function readKernelModule(bytes: Uint8Array, options: ReadOptions = {}): KernelModule {
  if (bytes.length > LIMITS.fileBytes) throw new TooLargeError(`${bytes.length} bytes (modules are read up to ${LIMITS.fileBytes})`);
  return read(bytes, options);
}

function read(bytes: Uint8Array, options: ReadOptions): KernelModule {
  // "Not ELF" first: a junk file that happens to end with the signature magic is not a module.
  if (!hasElfMagic(bytes)) throw new NotElfError();
  const { module: elfBytes } = splitSignature(bytes);
  const elf = new Elf(elfBytes);
  const modinfo = readModinfo(elf);
  const name = readThisModuleName(elf);
  const infoName = modinfoValue(modinfo, 'name');
  if (infoName !== undefined && infoName !== name) {
    throw new MalformedError(`.modinfo says name=${infoName} but .gnu.linkonce.this_module says ${name}`);
  }
  const livepatch = modinfoValue(modinfo, 'livepatch') === 'Y';
  if (!livepatch && options.requireLivepatch !== false) {
    throw new NotLivepatchError(`module ${name} has no \`livepatch=Y\` in .modinfo: not a livepatch module (the kernel would not load it as one)`);
  }
  const vermagic = modinfoValue(modinfo, 'vermagic') ?? null;
  const release = vermagic?.trim().split(/\s+/)[0] || null;
  const patch = livepatch ? readAnyPatch(new Memory(elf), release) : null;
  const klpRelocations = readKlpRelaSections(elf);
  if (livepatch && patch === null && klpRelocations.length === 0) {
    throw new MalformedError(
      `livepatch module ${name} has no klp_patch (no data pointing to __this_module and to klp_objects), no klp-build tables and no .klp.rela sections: nothing says what it patches`,
    );
  }
  return {
    name,
    modinfo,
    vermagic,
    release,
    livepatch,
    versions: readVersions(elf),
    patch,
    klpRelocations,
    klpSymbols: readKlpSymbols(elf),
    signature: readSignature(bytes),
    size: bytes.length,
    elfSize: elfBytes.length,
  };
}

/** A static klp_patch, else klp-build's tables (whose `replace` is in code: null). */
function readAnyPatch(mem: Memory, release: string | null): KlpPatch | null {
  const patch = readPatch(mem, release);
  if (patch) return patch;
  const tables = readKlpTables(mem);
  if (!tables) return null;
  return {
    source: 'klp-build',
    replace: null,
    objects: tables.objects,
    states: [],
    location: tables.location,
    layout: { funcSize: 24, objectSize: tables.objectSize, source: 'table' },
  };
}

/** The first value of a .modinfo key (as the kernel's get_modinfo returns it). */
export function modinfoValue(modinfo: readonly ModinfoEntry[], key: string): string | undefined {
  return modinfo.find((e) => e.key === key)?.value;
}

/** Every value of a .modinfo key. */
export function modinfoValues(modinfo: readonly ModinfoEntry[], key: string): string[] {
  return modinfo.filter((e) => e.key === key).map((e) => e.value);
}

/** .modinfo as one plain object: a key's value, or its values when it repeats (prototype-safe). */
export function modinfoRecord(modinfo: readonly ModinfoEntry[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const { key, value } of modinfo) {
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}
