/**
 * The patch a livepatch module applies, recovered from its static initialisers: the `klp_patch`
 * handed to klp_enable_patch(), its `klp_object` array (vmlinux or a module), each object's
 * `klp_func` array and callbacks, and the `klp_state` array. Nothing is executed: every pointer is
 * a relocation followed to its target (see memory.ts), every count is capped.
 */
import { KmodError, MalformedError, TooLargeError } from './errors.js';
import { FUNC, OBJECT, PATCH, STATE, measuredStrides, type StrideSource } from './layout.js';
import { LIMITS } from './limits.js';
import { Memory, placeText, type Place } from './memory.js';
import { STT_OBJECT, type Relocation } from './elf.js';

export interface KlpFunction {
  /** `old_name`: the function replaced. */
  readonly name: string;
  /** `old_sympos`: 0 when the name is unique in its object, else its position (1-based). */
  readonly sympos: number;
  /** The replacement's symbol in this module (`new_func`). */
  readonly replacement: string | null;
}

export interface KlpCallbacks {
  readonly prePatch: string | null;
  readonly postPatch: string | null;
  readonly preUnpatch: string | null;
  readonly postUnpatch: string | null;
}

export interface KlpObject {
  /** `vmlinux` (a NULL name) or the target module's name. */
  readonly name: string;
  readonly functions: readonly KlpFunction[];
  /** The callbacks that exist, by the name of the function each points to. */
  readonly callbacks: KlpCallbacks;
}

export interface KlpState {
  readonly id: number;
  readonly version: number;
}

export interface KlpPatch {
  /** Where the patch was read from: a static `klp_patch`, or klp-build's tables (klp-tables.ts). */
  readonly source: 'klp_patch' | 'klp-build';
  /** Atomic replace; null when the module sets it in code (klp-build), not in its data. */
  readonly replace: boolean | null;
  readonly objects: readonly KlpObject[];
  readonly states: readonly KlpState[];
  /** Where the klp_patch was found, e.g. `.data+0x0 (patch)`. */
  readonly location: string;
  /** The array strides used and how they were derived (see layout.ts). */
  readonly layout: { readonly funcSize: number; readonly objectSize: number; readonly source: StrideSource };
}

const MAX_CANDIDATES = 16;

/**
 * Find and read the module's klp_patch: a data place whose first field points to `__this_module`
 * (`.mod = THIS_MODULE`) and whose second points to data (`.objs`). Returns null when no such place
 * exists; a place that has that shape but does not read as a patch is an error (fail closed).
 */
export function readPatch(mem: Memory, release: string | null): KlpPatch | null {
  const found: KlpPatch[] = [];
  let firstError: KmodError | undefined;
  let shaped = 0;
  for (const place of mem.referencesTo('__this_module')) {
    const objs = at(place, PATCH.objs);
    if (!shapedLikePatch(mem, objs)) continue;
    // Each candidate is read in full: a file cannot make the reader try millions of them.
    if (++shaped > MAX_CANDIDATES) throw new TooLargeError(`more than ${MAX_CANDIDATES} places look like a klp_patch`);
    try {
      found.push(readPatchAt(mem, place, release));
    } catch (err) {
      if (!(err instanceof KmodError)) throw err;
      firstError ??= err;
    }
  }
  if (found.length > 1) throw new MalformedError(`${found.length} klp_patch structures (${found.map((p) => p.location).join(', ')}): a livepatch module has one`);
  if (found[0]) return found[0];
  if (firstError) throw firstError;
  return null;
}

function shapedLikePatch(mem: Memory, objs: Place): boolean {
  try {
    const t = mem.pointer(objs, 'klp_patch.objs');
    return t !== null && t.kind === 'local' && !mem.isString(t) && (t.place.section.flags & 0x4n) === 0n;
  } catch (err) {
    if (err instanceof KmodError) return false;
    throw err;
  }
}

function readPatchAt(mem: Memory, place: Place, release: string | null): KlpPatch {
  const names = mem.symbolsAt(place).filter((s) => s.type === STT_OBJECT).map((s) => s.name);
  const location = `${placeText(place)}${names.length ? ` (${names.join(', ')})` : ''}`;
  const bytes = mem.bytes(place.section);
  const replaceByte = bytes.u8(place.offset + PATCH.replace, 'klp_patch.replace');
  if (replaceByte > 1) throw new MalformedError(`klp_patch.replace at ${location} is ${replaceByte}, not a bool`);
  const objsBase = mem.dataPointer(at(place, PATCH.objs), 'klp_patch.objs');
  if (objsBase === null) throw new MalformedError(`klp_patch at ${location} has no objects`);
  const objStride = stride(mem, objsBase, 'object', release);
  const objects: KlpObject[] = [];
  let funcStride: { size: number; source: StrideSource } | undefined;
  // Objects sharing one funcs array (odd, but a file may say so) cost one stride derivation.
  const strides = new Map<string, Stride>();
  let total = 0;
  for (let i = 0; ; i++) {
    if (i >= LIMITS.objects) throw new TooLargeError(`more than ${LIMITS.objects} klp_objects`);
    const obj = at(objsBase, i * objStride.size);
    objStride.within(obj, OBJECT.minSize, `klp_object ${i}`);
    const what = `klp_object ${i}`;
    const name = mem.string(at(obj, OBJECT.name), `${what}.name`);
    const funcsBase = mem.dataPointer(at(obj, OBJECT.funcs), `${what}.funcs`);
    if (name === null && funcsBase === null) break;
    if (funcsBase === null) throw new MalformedError(`${what} (${name}) has no functions (the kernel refuses it: -EINVAL)`);
    const key = `${funcsBase.section.index}:${funcsBase.offset}`;
    const fs = strides.get(key) ?? stride(mem, funcsBase, 'func', release);
    strides.set(key, fs);
    funcStride ??= fs;
    const functions = readFunctions(mem, funcsBase, fs, `${what} (${name ?? 'vmlinux'})`);
    total += functions.length;
    if (total > LIMITS.functions) throw new TooLargeError(`more than ${LIMITS.functions} klp_funcs in all`);
    objects.push({
      name: name ?? 'vmlinux',
      functions,
      callbacks: {
        prePatch: mem.code(at(obj, OBJECT.prePatch), `${what}.callbacks.pre_patch`),
        postPatch: mem.code(at(obj, OBJECT.postPatch), `${what}.callbacks.post_patch`),
        preUnpatch: mem.code(at(obj, OBJECT.preUnpatch), `${what}.callbacks.pre_unpatch`),
        postUnpatch: mem.code(at(obj, OBJECT.postUnpatch), `${what}.callbacks.post_unpatch`),
      },
    });
  }
  const statesBase = mem.dataPointer(at(place, PATCH.states), 'klp_patch.states');
  return {
    source: 'klp_patch',
    replace: replaceByte === 1,
    objects,
    states: statesBase === null ? [] : readStates(mem, statesBase),
    location,
    layout: { funcSize: funcStride?.size ?? 0, objectSize: objStride.size, source: objStride.source === 'symbol' && (funcStride?.source ?? 'symbol') === 'symbol' ? 'symbol' : 'measured' },
  };
}

function readFunctions(mem: Memory, base: Place, fs: Stride, owner: string): KlpFunction[] {
  const out: KlpFunction[] = [];
  for (let i = 0; ; i++) {
    if (i >= LIMITS.functionsPerObject) throw new TooLargeError(`${owner}: more than ${LIMITS.functionsPerObject} klp_funcs`);
    const f = at(base, i * fs.size);
    fs.within(f, FUNC.minSize, `${owner} klp_func ${i}`);
    const what = `${owner} klp_func ${i}`;
    const name = mem.string(at(f, FUNC.oldName), `${what}.old_name`);
    const replacement = mem.code(at(f, FUNC.newFunc), `${what}.new_func`);
    const sympos = mem.bytes(f.section).u64(f.offset + FUNC.oldSympos, `${what}.old_sympos`);
    if (name === null && replacement === null && sympos === 0) break;
    if (name === null || replacement === null) throw new MalformedError(`${what} lacks ${name === null ? 'old_name' : 'new_func'} (the kernel refuses it: -EINVAL)`);
    out.push({ name, sympos, replacement });
  }
  return out;
}

function readStates(mem: Memory, base: Place): KlpState[] {
  const bytes = mem.bytes(base.section);
  const out: KlpState[] = [];
  // The kernel walks states until id 0 (klp_for_each_state).
  for (let i = 0; ; i++) {
    if (i >= LIMITS.states) throw new TooLargeError(`more than ${LIMITS.states} klp_states`);
    const off = base.offset + i * STATE.size;
    const id = bytes.u64(off + STATE.id, `klp_state ${i}.id`);
    if (id === 0) break;
    out.push({ id, version: bytes.u32(off + STATE.version, `klp_state ${i}.version`) });
  }
  return out;
}

interface Stride {
  readonly size: number;
  readonly source: StrideSource;
  /** Throws unless an entry at `entry` (of at least `min` bytes) lies inside the array. */
  within(entry: Place, min: number, what: string): void;
}

/**
 * The stride of the klp_object or klp_func array at `base` (see layout.ts for why and how). The
 * anchor of an entry is its one pointer of a kind no other field has: old_name (a string) for a
 * klp_func, funcs (data) for a klp_object.
 */
function stride(mem: Memory, base: Place, kind: 'func' | 'object', release: string | null): Stride {
  const anchorField = kind === 'func' ? FUNC.oldName : OBJECT.funcs;
  const min = kind === 'func' ? FUNC.minSize : OBJECT.minSize;
  const isAnchor = (r: Relocation) => {
    const t = safePointer(mem, { section: base.section, offset: r.offset });
    if (t === null || t.kind !== 'local') return false;
    if (kind === 'func') return mem.isString(t);
    return !mem.isString(t) && (t.place.section.flags & 0x4n) === 0n;
  };
  const symbol = mem.objectAt(base);
  const label = `the klp_${kind} array at ${placeText(base)}${symbol ? ` (${symbol.name})` : ''}`;
  if (symbol) {
    const end = base.offset + symbol.size;
    if (end > base.section.size) throw new MalformedError(`${label}: its symbol ${symbol.name} (${symbol.size} bytes) runs past ${base.section.name}`);
    const anchors = mem
      .relocationsBetween(base.section, base.offset, end)
      .filter(isAnchor)
      .map((r) => r.offset);
    const entries = anchors.length + 1;
    const size = symbol.size / entries;
    if (Number.isInteger(size) && size >= min && anchors.every((off, i) => off === base.offset + i * size + anchorField)) {
      return bounded(size, 'symbol', base, end, label);
    }
  }
  const measured = measuredStrides(release)?.[kind];
  if (measured !== undefined) {
    const first = mem.relocationsIn(base.section).get(base.offset + anchorField);
    if (first && isAnchor(first)) return bounded(measured, 'measured', base, symbol ? base.offset + symbol.size : base.section.size, label);
  }
  throw new MalformedError(
    `${label}: cannot tell the size of a klp_${kind} (the symbol table does not size the array${measured === undefined ? ` and release ${release ?? '(no vermagic)'} has no measured layout` : ', and the measured layout does not fit'})`,
  );
}

function bounded(size: number, source: StrideSource, base: Place, end: number, label: string): Stride {
  return {
    size,
    source,
    within(entry, min, what) {
      if (entry.offset + min > end) throw new MalformedError(`${what} runs past the end of ${label} (no terminating entry)`);
      if (entry.section !== base.section) throw new MalformedError(`${what} is outside ${label}`);
    },
  };
}

function safePointer(mem: Memory, place: Place) {
  try {
    return mem.pointer(place, 'a pointer');
  } catch (err) {
    if (err instanceof KmodError) return null;
    throw err;
  }
}

function at(place: Place, delta: number): Place {
  return { section: place.section, offset: place.offset + delta };
}
