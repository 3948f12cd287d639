/**
 * A minimal x86_64 relocatable "module" written from scratch, for shapes no compiler produces:
 * hostile counts and layouts around a klp_patch. Only what the reader looks at is there: .text,
 * .rodata.str1.1, .data + .rela.data, .modinfo, .gnu.linkonce.this_module, .symtab, .strtab.
 */
export type Target = { readonly to: 'text' | 'str' | 'data'; readonly addend: number } | { readonly to: 'this_module' };

export interface ModuleSpec {
  readonly name: string;
  readonly modinfo?: readonly string[];
  readonly data: Uint8Array;
  /** R_X86_64_64 relocations in .data. */
  readonly relocs: readonly { readonly offset: number; readonly target: Target }[];
  readonly strings: string;
  /** STT_OBJECT symbols in .data (the static arrays). */
  readonly objects?: readonly { readonly name: string; readonly value: number; readonly size: number }[];
}

const TEXT = 1;
const STR = 2;
const DATA = 3;
const THIS_MODULE = 6;

export function buildModule(spec: ModuleSpec): Uint8Array {
  const enc = new TextEncoder();
  const modinfo = enc.encode([...(spec.modinfo ?? ['livepatch=Y', 'vermagic=6.1.0-57-amd64 SMP preempt mod_unload modversions ']), `name=${spec.name}`].map((e) => `${e}\0`).join(''));
  const thisModule = new Uint8Array(0x500);
  thisModule.set(enc.encode(spec.name), 24);
  const strtab: number[] = [0];
  const addString = (s: string) => {
    const at = strtab.length;
    strtab.push(...enc.encode(s), 0);
    return at;
  };
  // Symbols: null, section symbols (.text, .rodata.str1.1, .data), local objects, then __this_module.
  const syms: { name: number; info: number; shndx: number; value: number; size: number }[] = [
    { name: 0, info: 0, shndx: 0, value: 0, size: 0 },
    { name: 0, info: 3, shndx: TEXT, value: 0, size: 0 },
    { name: 0, info: 3, shndx: STR, value: 0, size: 0 },
    { name: 0, info: 3, shndx: DATA, value: 0, size: 0 },
    ...(spec.objects ?? []).map((o) => ({ name: addString(o.name), info: 1, shndx: DATA, value: o.value, size: o.size })),
  ];
  const thisModuleSym = syms.length;
  syms.push({ name: addString('__this_module'), info: 0x11, shndx: THIS_MODULE, value: 0, size: 0x500 });
  const symtab = new Uint8Array(syms.length * 24);
  const sv = new DataView(symtab.buffer);
  syms.forEach((s, i) => {
    sv.setUint32(i * 24, s.name, true);
    sv.setUint8(i * 24 + 4, s.info);
    sv.setUint16(i * 24 + 6, s.shndx, true);
    sv.setBigUint64(i * 24 + 8, BigInt(s.value), true);
    sv.setBigUint64(i * 24 + 16, BigInt(s.size), true);
  });
  const rela = new Uint8Array(spec.relocs.length * 24);
  const rv = new DataView(rela.buffer);
  spec.relocs.forEach((r, i) => {
    const sym = r.target.to === 'this_module' ? thisModuleSym : r.target.to === 'text' ? 1 : r.target.to === 'str' ? 2 : 3;
    rv.setBigUint64(i * 24, BigInt(r.offset), true);
    rv.setBigUint64(i * 24 + 8, (BigInt(sym) << 32n) | 1n, true);
    rv.setBigInt64(i * 24 + 16, BigInt(r.target.to === 'this_module' ? 0 : r.target.addend), true);
  });
  const names = ['', '.text', '.rodata.str1.1', '.data', '.rela.data', '.modinfo', '.gnu.linkonce.this_module', '.symtab', '.strtab', '.shstrtab'];
  const shstr: number[] = [];
  const nameAt = names.map((n) => {
    const at = shstr.length;
    shstr.push(...enc.encode(n), 0);
    return at;
  });
  // [type, flags, contents, link, info, entsize]
  const sections: [number, number, Uint8Array, number, number, number][] = [
    [0, 0, new Uint8Array(0), 0, 0, 0],
    [1, 0x6, new Uint8Array(256), 0, 0, 0],
    [1, 0x32, enc.encode(spec.strings), 0, 0, 1],
    [1, 0x3, spec.data, 0, 0, 0],
    [4, 0x40, rela, 7, DATA, 24],
    [1, 0x2, modinfo, 0, 0, 0],
    [1, 0x3, thisModule, 0, 0, 0],
    [2, 0, symtab, 8, thisModuleSym, 24],
    [3, 0, Uint8Array.from(strtab), 0, 0, 0],
    [3, 0, Uint8Array.from(shstr), 0, 0, 0],
  ];
  let offset = 64;
  const placed = sections.map(([, , bytes]) => {
    const at = (offset + 7) & ~7;
    offset = at + bytes.length;
    return at;
  });
  const shoff = (offset + 7) & ~7;
  const out = new Uint8Array(shoff + sections.length * 64);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  v.setUint16(16, 1, true); // ET_REL
  v.setUint16(18, 62, true); // EM_X86_64
  v.setUint32(20, 1, true);
  v.setBigUint64(40, BigInt(shoff), true);
  v.setUint16(52, 64, true);
  v.setUint16(58, 64, true);
  v.setUint16(60, sections.length, true);
  v.setUint16(62, sections.length - 1, true);
  sections.forEach(([type, flags, bytes, link, info, entsize], i) => {
    out.set(bytes, placed[i] as number);
    const h = shoff + i * 64;
    v.setUint32(h, nameAt[i] as number, true);
    v.setUint32(h + 4, type, true);
    v.setBigUint64(h + 8, BigInt(flags), true);
    v.setBigUint64(h + 24, BigInt(i === 0 ? 0 : (placed[i] as number)), true);
    v.setBigUint64(h + 32, BigInt(bytes.length), true);
    v.setUint32(h + 40, link, true);
    v.setUint32(h + 44, info, true);
    v.setBigUint64(h + 56, BigInt(entsize), true);
  });
  return out;
}

export interface PatchShape {
  /** Each object: its name (null: vmlinux) and its functions' names. */
  readonly objects: readonly { readonly name: string | null; readonly funcs: readonly string[]; readonly sharedWith?: number }[];
  readonly funcSize?: number;
  readonly objectSize?: number;
  /** Extra klp_patch-shaped places (each with one object and one function). */
  readonly extraPatches?: number;
  /** Leave out the funcs arrays' terminators (the symbol still sizes the array). */
  readonly noTerminator?: boolean;
}

/** A module whose .data holds a klp_patch of `shape`, laid out as gcc lays out ours. */
export function patchModule(shape: PatchShape): Uint8Array {
  const funcSize = shape.funcSize ?? 152;
  const objectSize = shape.objectSize ?? 168;
  let strings = '';
  const str = (s: string) => {
    const at = strings.length;
    strings += `${s}\0`;
    return at;
  };
  const relocs: { offset: number; target: Target }[] = [];
  const objects: { name: string; value: number; size: number }[] = [];
  const patches = 1 + (shape.extraPatches ?? 0);
  let at = patches * 200;
  const objsAt = at;
  objects.push({ name: 'objs', value: objsAt, size: (shape.objects.length + 1) * objectSize });
  at += (shape.objects.length + 1) * objectSize;
  const funcsAt: number[] = [];
  shape.objects.forEach((o, i) => {
    if (o.sharedWith !== undefined) {
      funcsAt.push(funcsAt[o.sharedWith] as number);
      return;
    }
    const entries = o.funcs.length + (shape.noTerminator ? 0 : 1);
    funcsAt.push(at);
    objects.push({ name: `funcs${i}`, value: at, size: entries * funcSize });
    o.funcs.forEach((f, j) => {
      relocs.push({ offset: at + j * funcSize, target: { to: 'str', addend: str(f) } });
      relocs.push({ offset: at + j * funcSize + 8, target: { to: 'text', addend: 16 } });
    });
    at += entries * funcSize;
  });
  shape.objects.forEach((o, i) => {
    if (o.name !== null) relocs.push({ offset: objsAt + i * objectSize, target: { to: 'str', addend: str(o.name) } });
    relocs.push({ offset: objsAt + i * objectSize + 8, target: { to: 'data', addend: funcsAt[i] as number } });
  });
  for (let p = 0; p < patches; p++) {
    relocs.push({ offset: p * 200, target: { to: 'this_module' } });
    relocs.push({ offset: p * 200 + 8, target: { to: 'data', addend: objsAt } });
    objects.push({ name: p === 0 ? 'patch' : `patch${p}`, value: p * 200, size: 200 });
  }
  return buildModule({ name: 'hostile', data: new Uint8Array(at), relocs, strings, objects });
}
