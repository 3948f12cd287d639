/**
 * The tables the in-tree klp-build (6.19+) emits instead of a static klp_patch: `.init.klp_objects`
 * (`struct klp_object_ext { name; funcs; struct klp_callbacks callbacks; unsigned int nr_funcs; }`)
 * and `.init.klp_funcs` (`struct klp_func_ext { old_name; new_func; unsigned long sympos; }`); an
 * earlier revision named them `__klp_objects` / `__klp_funcs`. The module's init code builds the
 * klp_patch from them at run time, so `replace` is not in the data (see module.ts).
 *
 * The object record's size is derived like the arrays' strides (layout.ts): the section's size
 * divided by the number of `funcs` pointers in it, each of which must fall at offset 8 of its record.
 * `nr_funcs` is the record's last 4-byte field (offset size - 8, before the padding), which holds
 * whether or not a revision keeps `callbacks` in the record; callbacks are read only when the record
 * is large enough to hold them.
 */
import { KmodError, MalformedError, TooLargeError } from './errors.js';
import { LIMITS } from './limits.js';
import { Memory, placeText, type Place } from './memory.js';
import type { KlpFunction, KlpObject } from './patch.js';
import type { Section } from './elf.js';

const OBJECT_SECTIONS = ['.init.klp_objects', '__klp_objects'] as const;
const FUNC_SECTIONS = ['.init.klp_funcs', '__klp_funcs'] as const;
const FUNC_EXT_SIZE = 24;
/** name, funcs, nr_funcs: the smallest record a revision has had. */
const MIN_OBJECT_EXT = 20;
/** name + funcs + the four callback pointers. */
const WITH_CALLBACKS = 48;

export interface KlpTables {
  readonly objects: readonly KlpObject[];
  readonly location: string;
  readonly objectSize: number;
}

export function readKlpTables(mem: Memory): KlpTables | null {
  const objSection = findSection(mem, OBJECT_SECTIONS);
  if (!objSection) return null;
  const funcSection = findSection(mem, FUNC_SECTIONS);
  if (!funcSection) throw new MalformedError(`${objSection.name} without ${FUNC_SECTIONS.join(' or ')}`);
  const anchors = [...mem.relocationsIn(objSection).keys()]
    .filter((off) => {
      const t = safeTarget(mem, { section: objSection, offset: off });
      return t !== null && t.index === funcSection.index;
    })
    .sort((a, b) => a - b);
  if (anchors.length === 0) throw new MalformedError(`${objSection.name} has no object pointing to ${funcSection.name}`);
  if (anchors.length > LIMITS.objects) throw new TooLargeError(`more than ${LIMITS.objects} klp_object_ext records`);
  const size = objSection.size / anchors.length;
  if (!Number.isInteger(size) || size < MIN_OBJECT_EXT || size % 8 !== 0 || anchors.some((off, i) => off !== i * size + 8)) {
    throw new MalformedError(`${objSection.name}: ${anchors.length} records in ${objSection.size} bytes do not line up as klp_object_ext`);
  }
  const bytes = mem.bytes(objSection);
  const objects = anchors.map((_, i): KlpObject => {
    const at = (delta: number): Place => ({ section: objSection, offset: i * size + delta });
    const what = `${objSection.name} record ${i}`;
    const name = mem.string(at(0), `${what}.name`) ?? 'vmlinux';
    const funcs = mem.dataPointer(at(8), `${what}.funcs`) as Place;
    const count = bytes.u32(i * size + size - 8, `${what}.nr_funcs`);
    if (count === 0 || count > LIMITS.functionsPerObject) throw new MalformedError(`${what}: nr_funcs ${count}`);
    const callback = (delta: number, stage: string) => (size >= WITH_CALLBACKS + 8 ? mem.code(at(delta), `${what}.callbacks.${stage}`) : null);
    return {
      name,
      functions: readFuncs(mem, funcs, count, `${what} (${name})`),
      callbacks: { prePatch: callback(16, 'pre_patch'), postPatch: callback(24, 'post_patch'), preUnpatch: callback(32, 'pre_unpatch'), postUnpatch: callback(40, 'post_unpatch') },
    };
  });
  return { objects, location: placeText({ section: objSection, offset: 0 }), objectSize: size };
}

function readFuncs(mem: Memory, base: Place, count: number, owner: string): KlpFunction[] {
  mem.bytes(base.section).check(base.offset, count * FUNC_EXT_SIZE, `${owner}: ${count} klp_func_ext records`);
  return Array.from({ length: count }, (_, j) => {
    const f = { section: base.section, offset: base.offset + j * FUNC_EXT_SIZE };
    const what = `${owner} klp_func_ext ${j}`;
    const name = mem.string(f, `${what}.old_name`);
    const replacement = mem.code({ section: f.section, offset: f.offset + 8 }, `${what}.new_func`);
    if (name === null || replacement === null) throw new MalformedError(`${what} lacks ${name === null ? 'old_name' : 'new_func'}`);
    return { name, sympos: mem.bytes(f.section).u64(f.offset + 16, `${what}.sympos`), replacement };
  });
}

function findSection(mem: Memory, names: readonly string[]): Section | undefined {
  return mem.elf.sections.find((s) => names.includes(s.name));
}

function safeTarget(mem: Memory, place: Place): Section | null {
  try {
    const t = mem.pointer(place, 'a pointer');
    return t?.kind === 'local' ? t.place.section : null;
  } catch (err) {
    if (err instanceof KmodError) return null;
    throw err;
  }
}
