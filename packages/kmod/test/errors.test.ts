import { describe, expect, it } from 'vitest';
import {
  MalformedError,
  NotElfError,
  NotLivepatchError,
  NotModuleError,
  readKernelModule,
  TruncatedError,
  WrongArchError,
  type KmodError,
} from '@patchwise/kmod';
import { fixture, rawSections, type RawSection } from './support.js';

function thrown(bytes: Uint8Array): KmodError {
  try {
    readKernelModule(bytes);
  } catch (err) {
    return err as KmodError;
  }
  throw new Error('expected an error');
}

const module = () => Uint8Array.from(fixture('6.1', 'nodebug', 'acme_cmdline'));

describe('bad input is said with its reason and a code', () => {
  it('not ELF', () => {
    const err = thrown(new TextEncoder().encode('#!/bin/sh\necho hi\n'));
    expect(err).toBeInstanceOf(NotElfError);
    expect(err.code).toBe('NOT_ELF');
    expect(thrown(new Uint8Array(0)).code).toBe('NOT_ELF');
    // Junk that ends like a signed module is still "not ELF", not a bad signature.
    expect(thrown(new TextEncoder().encode('junk\0\0\0\0\0\0\0\0\0\0\0\0~Module signature appended~\n'))).toBeInstanceOf(NotElfError);
  });

  it('another architecture: the machine is named', () => {
    const bytes = module();
    bytes[18] = 183; // e_machine = EM_AARCH64
    const err = thrown(bytes);
    expect(err).toBeInstanceOf(WrongArchError);
    expect(err.message).toContain('AArch64');
    const b32 = module();
    b32[4] = 1; // ELFCLASS32
    expect(thrown(b32).message).toContain('32-bit');
  });

  it('not a module: an executable, or an object without .modinfo', () => {
    const exec = module();
    exec[16] = 2; // ET_EXEC
    expect(thrown(exec)).toBeInstanceOf(NotModuleError);
    const renamed = module();
    // Rename .modinfo in the section name table: a relocatable object that is no module.
    const text = Buffer.from(renamed);
    const at = text.indexOf('.modinfo\0');
    expect(at).toBeGreaterThan(0);
    renamed[at + 1] = 'x'.charCodeAt(0);
    const err = thrown(renamed);
    expect(err).toBeInstanceOf(NotModuleError);
    expect(err.message).toContain('.modinfo');
  });

  it('no livepatch tag', () => {
    const err = thrown(fixture('6.12', 'nodebug', 'pw_target'));
    expect(err).toBeInstanceOf(NotLivepatchError);
    expect(err.message).toContain('pw_target');
    expect(err.message).toContain('livepatch=Y');
  });

  it('truncated: cut inside the section headers', () => {
    const bytes = module();
    const err = thrown(bytes.subarray(0, bytes.length - 100));
    expect(err).toBeInstanceOf(TruncatedError);
    expect(err.message).toContain('section header table');
  });

  it('a module whose name in .modinfo and in this_module differ', () => {
    const bytes = module();
    const at = Buffer.from(bytes).indexOf('name=acme_cmdline\0');
    bytes[at + 5] = 'X'.charCodeAt(0);
    expect(thrown(bytes)).toBeInstanceOf(MalformedError);
  });

  it('a klp_func whose old_name relocation is gone: refused, not read as the end of the list', () => {
    const bytes = module();
    expect(readKernelModule(bytes).patch?.objects[0]?.functions).toHaveLength(1);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const sections = rawSections(bytes);
    const rela = sections.find((s) => s.name === '.rela.data') as RawSection;
    const symtab = sections.find((s) => s.type === 2) as RawSection;
    // acme_cmdline's only pointers into .rodata.str* from .data are klp_func.old_name: make them
    // R_X86_64_NONE. The klp_func then has a new_func and no old_name (the kernel says -EINVAL).
    let changed = 0;
    for (let at = rela.offset; at < rela.offset + rela.size; at += 24) {
      const shndx = view.getUint16(symtab.offset + view.getUint32(at + 12, true) * 24 + 6, true);
      if (sections[shndx]?.name.startsWith('.rodata.str')) {
        view.setUint32(at + 8, 0, true);
        changed++;
      }
    }
    expect(changed).toBe(1);
    const err = thrown(bytes);
    expect(err).toBeInstanceOf(MalformedError);
    expect(err.message).toContain('old_name');
  });
});
