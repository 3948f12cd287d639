import { describe, expect, it } from 'vitest';
import { modinfoRecord, NotLivepatchError, readKernelModule, splitSignature } from '@patchwise/kmod';
import { expectModule } from './check-module.js';
import { LIVEPATCH_MODULES, SIGNER } from './expected.js';
import { fixture, rawSections, SERIES, type RawSection } from './support.js';

const NAMES = Object.keys(LIVEPATCH_MODULES);

describe.each(SERIES)('modules built against Debian %s headers', (series) => {
  it.each(NAMES)('%s (no debug info): the patch, modinfo and imports its source declares', (name) => {
    const m = expectModule(fixture(series, 'nodebug', name), name, series);
    expect(m.signature).toBeNull();
    expect(m.elfSize).toBe(m.size);
  });

  it.each(NAMES)('%s (signed): the same patch, and a PKCS#7 signature by the throwaway key', (name) => {
    const bytes = fixture(series, 'signed', name);
    const m = expectModule(bytes, name, series);
    expect(m.signature).toMatchObject({ type: 'PKCS#7', signer: SIGNER, hashAlgorithm: 'sha256', signatureAlgorithm: 'rsa', keyIdKind: 'serial' });
    expect(m.signature?.keyId).toMatch(/^[0-9A-F]{2}(:[0-9A-F]{2})+$/);
    // The signature covers exactly the unsigned module: the stripped build, byte for byte.
    const unsigned = fixture(series, 'nodebug', name);
    expect(m.signature?.signedSize).toBe(unsigned.length);
    expect(Buffer.from(splitSignature(bytes).module).equals(Buffer.from(unsigned))).toBe(true);
  });

  it('acme_cmdline with debug info: the same patch (debug sections and their relocations do not matter)', () => {
    const bytes = fixture(series, 'debug', 'acme_cmdline');
    expect(bytes.length).toBeGreaterThan(fixture(series, 'nodebug', 'acme_cmdline').length * 5);
    expectModule(bytes, 'acme_cmdline', series);
  });

  it('the array strides come from the symbol table, and match what was measured on these kernels', () => {
    const m = readKernelModule(fixture(series, 'nodebug', 'acme_callbacks'));
    // sizeof(struct klp_func) and sizeof(struct klp_object) on Debian's 6.1 and 6.12 builds.
    expect(m.patch?.layout).toEqual({ funcSize: 152, objectSize: 168, source: 'symbol' });
    expect(m.patch?.location).toBe('.data+0x0 (patch)');
  });

  it('acme_klpbuild: the patch from klp-build\'s tables, replace unknown from the data', () => {
    const m = readKernelModule(fixture(series, 'nodebug', 'acme_klpbuild'));
    expect(m.patch).toMatchObject({ source: 'klp-build', replace: null, location: '.init.klp_objects+0x0', layout: { funcSize: 24, objectSize: 64, source: 'table' } });
    const classic = readKernelModule(fixture(series, 'nodebug', 'acme_cmdline'));
    expect(classic.patch?.source).toBe('klp_patch');
  });

  it('pw_target is a plain module: refused as a livepatch, readable when asked', () => {
    const bytes = fixture(series, 'nodebug', 'pw_target');
    expect(() => readKernelModule(bytes)).toThrow(NotLivepatchError);
    const m = readKernelModule(bytes, { requireLivepatch: false });
    expect(m).toMatchObject({ name: 'pw_target', livepatch: false, patch: null });
    expect(modinfoRecord(m.modinfo)).toMatchObject({ parmtype: ['calls:ulong', 'hold:bool'], parm: ['calls:how many times pw_target_work() has run', 'hold:1: pw_target_work() sleeps until it is set back to 0'] });
  });
});

describe('modinfoRecord', () => {
  it('one value as a string, a repeated key as a list, and no prototype to pollute', () => {
    const record = modinfoRecord([
      { key: 'alias', value: 'a' },
      { key: '__proto__', value: 'x' },
      { key: 'alias', value: 'b' },
      { key: 'name', value: 'n' },
    ]);
    expect(record.alias).toEqual(['a', 'b']);
    expect(record.name).toBe('n');
    expect(Object.getPrototypeOf(record)).toBeNull();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('array strides when the symbol table does not size the arrays', () => {
  /** A copy of the module with the sizes of its .data objects (patch, objs, funcs...) zeroed. */
  function unsized(bytes: Uint8Array): Uint8Array {
    const copy = Uint8Array.from(bytes);
    const view = new DataView(copy.buffer);
    const sections = rawSections(copy);
    const data = sections.find((s) => s.name === '.data') as RawSection;
    const symtab = sections.find((s) => s.type === 2) as RawSection;
    let zeroed = 0;
    for (let at = symtab.offset; at < symtab.offset + symtab.size; at += 24) {
      if (view.getUint16(at + 6, true) === data.index && (view.getUint8(at + 4) & 0xf) === 1) {
        view.setBigUint64(at + 16, 0n, true);
        zeroed++;
      }
    }
    expect(zeroed).toBeGreaterThanOrEqual(3);
    return copy;
  }

  it.each(SERIES)('%s: the strides measured for the release, checked on the relocations', (series) => {
    const m = readKernelModule(unsized(fixture(series, 'nodebug', 'acme_callbacks')));
    expect(m.patch?.layout).toEqual({ funcSize: 152, objectSize: 168, source: 'measured' });
    expect(m.patch?.objects).toEqual(LIVEPATCH_MODULES.acme_callbacks?.objects);
  });

  it('a release with no measured layout is refused, not guessed', () => {
    const bytes = unsized(fixture('6.1', 'nodebug', 'acme_cmdline'));
    const at = Buffer.from(bytes).indexOf('vermagic=6.1.');
    bytes.set(new TextEncoder().encode('vermagic=9.1.'), at);
    expect(() => readKernelModule(bytes)).toThrow(/cannot tell the size of a klp_object .*release 9\.1\.0-\d+-amd64 has no measured layout/);
  });
});
