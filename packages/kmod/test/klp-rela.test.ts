import { describe, expect, it } from 'vitest';
import { readKernelModule } from '@patchwise/kmod';
import { fixture, rawSections } from './support.js';

/**
 * Modules built from a klp_patch initialiser have no `.klp.rela.*` sections (only kpatch-build and
 * klp-build make them), so the test renames sections of a real module in place: same length, so
 * nothing else moves. The reader only parses names; it does not apply these relocations.
 */
function renamed(bytes: Uint8Array, renames: Record<string, string>): Uint8Array {
  const copy = Uint8Array.from(bytes);
  const text = Buffer.from(copy.buffer);
  for (const [from, to] of Object.entries(renames)) {
    expect(to.length).toBe(from.length);
    const at = text.indexOf(`\0${from}\0`);
    expect(at, from).toBeGreaterThanOrEqual(0);
    copy.set(new TextEncoder().encode(to), at + 1);
  }
  return copy;
}

describe('.klp.rela.OBJ.SECTION names', () => {
  it('each section is read as its object (vmlinux or a module) and the section it applies to', () => {
    const base = fixture('6.1', 'nodebug', 'acme_target_fix');
    const names = rawSections(base).map((s) => s.name);
    expect(names).toContain('.rela.exit.text');
    expect(names).toContain('.rela.init.text');
    const m = readKernelModule(renamed(base, { '.rela.exit.text': '.klp.rela.a.txt', '.rela.init.text': '.klp.rela.vmx.t' }));
    expect(m.klpRelocations).toEqual([
      { section: '.klp.rela.a.txt', object: 'a', target: '.txt' },
      { section: '.klp.rela.vmx.t', object: 'vmx', target: '.t' },
    ]);
    // The patch itself is still read from the klp_patch.
    expect(m.patch?.objects.map((o) => o.name)).toEqual(['pw_target']);
  });

  it('a name with no section after the object is not a .klp.rela section', () => {
    const m = readKernelModule(renamed(fixture('6.1', 'nodebug', 'acme_target_fix'), { '.rela.exit.text': '.klp.rela.xyzab' }));
    expect(m.klpRelocations).toEqual([]);
  });
});
