/**
 * `.modinfo` (NUL-separated `key=value` strings, what `modinfo` prints), `__versions` (the CRC of
 * each imported symbol) and `.gnu.linkonce.this_module` (the `struct module` the loader fills in,
 * whose `name` field is set at build time).
 */
import type { Elf } from './elf.js';
import { LIMITS } from './limits.js';
import { MalformedError, NotModuleError, TooLargeError } from './errors.js';

export interface ModinfoEntry {
  readonly key: string;
  readonly value: string;
}

/** Every entry in file order; keys may repeat (`alias`, `parm`, `depends` in old modules). */
export function readModinfo(elf: Elf): ModinfoEntry[] {
  const section = elf.section('.modinfo');
  if (!section) throw new NotModuleError('no .modinfo section: not a kernel module');
  const bytes = elf.contents(section);
  const entries: ModinfoEntry[] = [];
  let at = 0;
  while (at < bytes.length) {
    // Entries are aligned by the compiler: skip the NULs between them.
    if (bytes.data[at] === 0) {
      at++;
      continue;
    }
    const { text, next } = bytes.cstringAt(at, `.modinfo entry at ${at}`);
    at = next;
    const eq = text.indexOf('=');
    if (eq <= 0) throw new MalformedError(`.modinfo entry ${JSON.stringify(text.slice(0, 80))} is not key=value`);
    if (entries.length >= LIMITS.modinfoEntries) throw new TooLargeError(`more than ${LIMITS.modinfoEntries} .modinfo entries`);
    entries.push({ key: text.slice(0, eq), value: text.slice(eq + 1) });
  }
  return entries;
}

export interface SymbolVersion {
  readonly name: string;
  /** The CRC, 8 hex digits as modprobe --dump-modversions prints it. */
  readonly crc: string;
}

/** `__versions`: `struct modversion_info { unsigned long crc; char name[56]; }` per imported symbol. */
export function readVersions(elf: Elf): SymbolVersion[] {
  const section = elf.section('__versions');
  if (!section) return readExtendedVersions(elf);
  const bytes = elf.contents(section);
  const count = Math.floor(bytes.length / 64);
  if (count > LIMITS.versions) throw new TooLargeError(`${count} __versions entries (at most ${LIMITS.versions})`);
  const out: SymbolVersion[] = [];
  for (let i = 0; i < count; i++) {
    const crc = bytes.u64big(i * 64, `__versions entry ${i}`);
    const name = bytes.slice(i * 64 + 8, 56, `__versions entry ${i}`).cstring(0, `the name in __versions entry ${i}`, 55);
    out.push({ name, crc: `0x${crc.toString(16).padStart(8, '0')}` });
  }
  return out;
}

/**
 * CONFIG_EXTENDED_MODVERSIONS (6.13+): CRCs and names in two parallel sections, so names may be
 * longer than 55 bytes. Not emitted by 6.1 or 6.12; read when present.
 */
function readExtendedVersions(elf: Elf): SymbolVersion[] {
  const crcs = elf.section('__version_ext_crcs');
  const names = elf.section('__version_ext_names');
  if (!crcs || !names) return [];
  const crcBytes = elf.contents(crcs);
  const nameBytes = elf.contents(names);
  const count = Math.floor(crcBytes.length / 4);
  if (count > LIMITS.versions) throw new TooLargeError(`${count} extended version entries (at most ${LIMITS.versions})`);
  const out: SymbolVersion[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    // Names may be padded for alignment: skip the NULs between them.
    while (at < nameBytes.length && nameBytes.data[at] === 0) at++;
    const { text: name, next } = nameBytes.cstringAt(at, `__version_ext_names entry ${i}`);
    at = next;
    out.push({ name, crc: `0x${crcBytes.u32(i * 4).toString(16).padStart(8, '0')}` });
  }
  return out;
}

/**
 * `struct module.name`: after `enum module_state state` (4 bytes, padded to 8) and
 * `struct list_head list` (16 bytes), `char name[MODULE_NAME_LEN]` with MODULE_NAME_LEN = 56 on
 * 64-bit. Unchanged since 2.6 and the same on 6.1 and 6.12.
 */
const MODULE_NAME_OFFSET = 24;
const MODULE_NAME_LEN = 56;

export function readThisModuleName(elf: Elf): string {
  const section = elf.section('.gnu.linkonce.this_module');
  if (!section) throw new NotModuleError('no .gnu.linkonce.this_module section: not a kernel module');
  const bytes = elf.contents(section);
  return bytes.slice(MODULE_NAME_OFFSET, MODULE_NAME_LEN, '.gnu.linkonce.this_module name').cstring(0, 'the module name', MODULE_NAME_LEN - 1);
}
