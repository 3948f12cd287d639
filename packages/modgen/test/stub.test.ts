import { describe, expect, it } from 'vitest';
import { livepatchModule, stubLivepatchModule, UnsupportedOnKernel } from '@patchwise/modgen';
import type { PatchManifest } from '@patchwise/manifest';
import { decodeCLiteral, literals } from './c-literal-decoder.js';

const source = (m: PatchManifest) => Object.values(stubLivepatchModule(m).files).join('');
const texts = (src: string) => literals(src).map((l) => decodeCLiteral(l).toString('utf8'));
const LONG = 'a_module_name_of_fifty_six_characters_is_too_long_for_it';

describe('stubLivepatchModule', () => {
  it('writes the klp_patch as the manifest says, where livepatchModule refuses', () => {
    const m: PatchManifest = { name: 'test_klp_pw_x', functions: ['pw_no_such_function', { name: 's_show', sympos: 3 }] };
    expect(() => livepatchModule(m)).toThrow(UnsupportedOnKernel);
    const src = source(m);
    expect(src).toContain('{ .old_name = "pw_no_such_function", .new_func = pw__stub },');
    expect(src).toContain('{ .old_name = "s_show", .new_func = pw__stub, .old_sympos = 3 },');
    // vmlinux is the object without a name.
    expect(src).not.toMatch(/\.name = /);
    expect(src).toContain('MODULE_INFO(livepatch, "Y");');
    expect(src).toContain('return klp_enable_patch(&pw__patch);');
  });

  it('keeps an object name of any length, states and replace', () => {
    const src = source({ name: 'test_klp_pw_y', replace: true, states: [{ id: 1, version: 2 }], objects: [{ name: LONG, functions: ['f'] }] });
    expect(texts(src)).toContain(LONG);
    expect(src).toContain('\t.replace = true,\n');
    expect(src).toContain('{ .id = 1UL, .version = 2U },');
    expect(src).toContain('\t.states = pw__states,\n');
  });

  it('has one stub for every replacement, which warns if it ever runs', () => {
    const src = source({ name: 'test_klp_pw_z', functions: ['a', 'b'] });
    expect(src.match(/^static void pw__stub\(void\)$/gm)).toHaveLength(1);
    expect(src).toMatch(/WARN\(1, "%s: a stub replacement ran/);
  });

  it('refuses callbacks (they would run before the refusal) and a module name kbuild cannot build', () => {
    expect(() => source({ name: 'test_klp_pw_c', objects: [{ name: 'vmlinux', callbacks: { prePatch: [{ log: 'x' }] } }] })).toThrow(/a stub patch has no callbacks/);
    expect(() => source({ name: 'bad name', functions: ['f'] })).toThrow(UnsupportedOnKernel);
  });
});
