import { describe, expect, it } from 'vitest';
import { MalformedError, readKernelModule, TooLargeError } from '@patchwise/kmod';
import { patchModule } from './elf-builder.js';

describe('hostile shapes around a klp_patch (modules written by the test, not a compiler)', () => {
  it('the builder itself makes a module the reader reads as written', () => {
    const m = readKernelModule(
      patchModule({
        objects: [
          { name: null, funcs: ['a', 'b'] },
          { name: 'mod_x', funcs: ['c'] },
        ],
      }),
    );
    expect(m.patch?.objects.map((o) => [o.name, o.functions.map((f) => f.name)])).toEqual([
      ['vmlinux', ['a', 'b']],
      ['mod_x', ['c']],
    ]);
    expect(m.patch?.layout).toEqual({ funcSize: 152, objectSize: 168, source: 'symbol' });
  });

  it('another struct size is derived, not assumed (a kernel with bigger kobjects)', () => {
    const m = readKernelModule(patchModule({ funcSize: 200, objectSize: 216, objects: [{ name: null, funcs: ['a', 'b', 'c'] }] }));
    expect(m.patch?.layout).toEqual({ funcSize: 200, objectSize: 216, source: 'symbol' });
    expect(m.patch?.objects[0]?.functions.map((f) => f.name)).toEqual(['a', 'b', 'c']);
  });

  it('a funcs array without its terminating entry is refused, not read into what follows', () => {
    expect(() => readKernelModule(patchModule({ noTerminator: true, objects: [{ name: null, funcs: ['a', 'b'] }] }))).toThrow(MalformedError);
  });

  it('two klp_patch structures are refused; many klp_patch-shaped places stop at the cap', () => {
    expect(() => readKernelModule(patchModule({ extraPatches: 1, objects: [{ name: null, funcs: ['a'] }] }))).toThrow(/2 klp_patch structures/);
    expect(() => readKernelModule(patchModule({ extraPatches: 40, objects: [{ name: null, funcs: ['a'] }] }))).toThrow(TooLargeError);
  });

  it('a thousand objects sharing one large funcs array stop at the total cap', () => {
    const funcs = Array.from({ length: 100 }, (_, i) => `f${i}`);
    const objects = Array.from({ length: 1000 }, (_, i) => (i === 0 ? { name: 'm0', funcs } : { name: `m${i}`, funcs: [], sharedWith: 0 }));
    expect(() => readKernelModule(patchModule({ objects }))).toThrow(/klp_funcs in all/);
  });
});
