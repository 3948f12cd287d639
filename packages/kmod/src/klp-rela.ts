/**
 * The self-describing parts newer build tools (kpatch-build; the in-tree klp-build, 6.19+) put in a
 * livepatch module (Documentation/livepatch/module-elf-format.rst):
 * - `.klp.rela.OBJ.SECTION`: relocations the kernel applies when the object OBJ (vmlinux or a
 *   module) is present, against SECTION of the patch module;
 * - symbols named `.klp.sym.OBJ.NAME,SYMPOS` that those relocations resolve in OBJ.
 * Modules built out of tree from a plain klp_patch initialiser (ours) have neither.
 */
import type { Elf } from './elf.js';
import { LIMITS } from './limits.js';
import { TooLargeError } from './errors.js';

export interface KlpRelaSection {
  /** The section's full name. */
  readonly section: string;
  /** OBJ: `vmlinux` or a module name. */
  readonly object: string;
  /** SECTION: the patch module's section the relocations apply to, e.g. `.text.foo`. */
  readonly target: string;
}

export interface KlpSymbol {
  readonly object: string;
  readonly name: string;
  readonly sympos: number;
}

const RELA_PREFIX = '.klp.rela.';
// Module names never contain a dot, so OBJ ends at the first dot after the prefix.
const RELA = /^\.klp\.rela\.([^.]+)(\..*)$/;
const SYM = /^\.klp\.sym\.([^.]+)\.([^,]+),(\d+)$/;

export function readKlpRelaSections(elf: Elf): KlpRelaSection[] {
  return elf.sections.flatMap((s) => {
    if (!s.name.startsWith(RELA_PREFIX)) return [];
    const m = RELA.exec(s.name);
    return m ? [{ section: s.name, object: m[1] ?? '', target: m[2] ?? '' }] : [];
  });
}

export function readKlpSymbols(elf: Elf): KlpSymbol[] {
  const out: KlpSymbol[] = [];
  for (const s of elf.symbols()) {
    const m = SYM.exec(s.name);
    if (!m) continue;
    const sympos = Number(m[3]);
    if (!Number.isSafeInteger(sympos)) continue;
    if (out.length >= LIMITS.symbols) throw new TooLargeError('too many .klp.sym symbols');
    out.push({ object: m[1] ?? '', name: m[2] ?? '', sympos });
  }
  return out;
}
