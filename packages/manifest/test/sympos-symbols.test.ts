/**
 * Two functions of one name, told apart by `sympos`, are two replacements: each keeps its own
 * `output`, on a machine where both occurrences exist.
 */
import { describe, expect, it } from 'vitest';
import { manifestModule, parseManifest, patchDefinition } from '@patchwise/manifest';
import type { SymbolSpec } from '@patchwise/sim';

const manifest = parseManifest({
  name: 'dup_fix',
  objects: [
    {
      name: 'acme_drv',
      functions: [
        { name: 'acme_read', sympos: 1, output: 'first\n' },
        { name: 'acme_read', sympos: 2, output: 'second\n' },
      ],
    },
  ],
});

describe('functions told apart by sympos', () => {
  it('get a symbol each, the later position suffixed', () => {
    const funcs = patchDefinition(manifest).objects[0]?.funcs;
    expect(funcs).toEqual([
      { oldName: 'acme_read', newFunc: 'livepatch_acme_drv_acme_read', oldSympos: 1 },
      { oldName: 'acme_read', newFunc: 'livepatch_acme_drv_acme_read_2', oldSympos: 2 },
    ]);
  });

  it('keep their own output', () => {
    const symbols = manifestModule(manifest).symbols as readonly SymbolSpec[];
    const outputs = Object.fromEntries(symbols.map((s) => [s.name, s.body?.(undefined as never)]));
    expect(outputs).toEqual({ livepatch_acme_drv_acme_read: 'first\n', livepatch_acme_drv_acme_read_2: 'second\n' });
  });

  it('a `new` given by hand is kept as written', () => {
    const m = parseManifest({ name: 'p', functions: [{ name: 'f', sympos: 3, new: 'my_f' }] });
    expect(patchDefinition(m).objects[0]?.funcs[0]?.newFunc).toBe('my_f');
  });
});
