import { expect } from 'vitest';
import { modinfoValue, readKernelModule, type KernelModule } from '@patchwise/kmod';
import { LIVEPATCH_MODULES } from './expected.js';

/** Read `bytes` and hold it to what the source of module `name` says. */
export function expectModule(bytes: Uint8Array, name: string, series: string): KernelModule {
  const want = LIVEPATCH_MODULES[name];
  if (!want) throw new Error(`no expectation for ${name}`);
  const m = readKernelModule(bytes);
  expect(m.name).toBe(name);
  expect(m.livepatch).toBe(true);
  expect(modinfoValue(m.modinfo, 'name')).toBe(name);
  // vermagic: the release first (6.1.0-N-amd64, 6.12.N+debN-amd64), then the build's features.
  expect(m.release).toMatch(new RegExp(`^${series.replace('.', '\\.')}\\.\\d+[-+].*amd64$`));
  expect(m.vermagic).toMatch(/ SMP .*mod_unload modversions/);
  for (const [key, value] of Object.entries(want.modinfo)) expect(modinfoValue(m.modinfo, key), key).toBe(value);
  const imported = m.versions.map((v) => v.name);
  for (const symbol of want.imports) expect(imported).toContain(symbol);
  for (const v of m.versions) expect(v.crc).toMatch(/^0x[0-9a-f]{8,16}$/);
  expect(m.patch).not.toBeNull();
  expect(m.patch?.replace).toBe(want.replace);
  expect(m.patch?.objects).toEqual(want.objects);
  expect(m.patch?.states).toEqual(want.states);
  // Our modules come from klp_patch initialisers: no kpatch/klp-build sections.
  expect(m.klpRelocations).toEqual([]);
  return m;
}
