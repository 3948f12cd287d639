/**
 * `patches:` of a case: patch manifests the case defines itself, checked before anything runs.
 */
import { describe, expect, it } from 'vitest';
import { Diagnostic } from '@patchwise/diagnostics';
import { parseCase, SELFTEST_MODULE_NAMES } from '@patchwise/kselftest';

const FILE = 'cases-patchwise/x.yaml';
const parse = (patches: string, ops = '- load_failing_mod: test_klp_pw_a\n') =>
  parseCase(`id: t/x\ntitle: x\npatches:\n${patches}ops:\n${ops}expect: ''\n`, FILE, { modules: SELFTEST_MODULE_NAMES });

function error(patches: string, ops?: string): Diagnostic {
  try {
    parse(patches, ops);
  } catch (err) {
    if (err instanceof Diagnostic) return err;
    throw err;
  }
  throw new Error('the case parsed');
}

describe('a case with patches of its own', () => {
  it.each([
    ['a function by name', '- {name: test_klp_pw_a, functions: [pw_no_such_function]}\n', { name: 'test_klp_pw_a', functions: ['pw_no_such_function'] }],
    ['a symbol position', '- {name: test_klp_pw_a, functions: [{name: cmdline_proc_show, sympos: 2}]}\n', { name: 'test_klp_pw_a', functions: [{ name: 'cmdline_proc_show', sympos: 2 }] }],
    ['objects, states and replace', '- {name: test_klp_pw_a, replace: true, states: [{id: 1, version: 2}], objects: [{name: test_klp_callbacks_mod, functions: [f]}]}\n',
      { name: 'test_klp_pw_a', replace: true, states: [{ id: 1, version: 2 }], objects: [{ name: 'test_klp_callbacks_mod', functions: ['f'] }] }],
    ['callbacks', '- {name: test_klp_pw_a, objects: [{name: vmlinux, callbacks: {prePatch: [{fail: ENODEV}]}}]}\n',
      { name: 'test_klp_pw_a', objects: [{ name: 'vmlinux', callbacks: { prePatch: [{ fail: 'ENODEV' }] } }] }],
  ])('reads %s, and ops may load it by name', (_label, patches, manifest) => {
    const c = parse(patches);
    expect(c.patches).toEqual([manifest]);
    expect(c.ops[0]!.args).toEqual({ name: 'test_klp_pw_a' });
  });

  it('has no `patches` when it declares none', () => {
    expect(parseCase("id: t/x\ntitle: x\nops: []\nexpect: ''\n", FILE).patches).toBeUndefined();
  });

  it.each([
    ['not a list', '  name: test_klp_pw_a\n', 'patches', '`patches` must be a list of patch manifests'],
    ['a name kbuild would change', '- {name: test_klp-pw-a, functions: [f]}\n', 'patches[0].name', 'patch 1: name `test_klp-pw-a` is not a module name kbuild keeps as it is'],
    ['a name the log filter drops', '- {name: pw_a, functions: [f]}\n', 'patches[0].name', 'patch 1: name `pw_a` does not start with `test_klp_`'],
    ['a selftest module\'s name', '- {name: test_klp_livepatch, functions: [f]}\n', 'patches[0].name', "patch 1: name `test_klp_livepatch` is a selftest module's"],
    ['a name used twice', '- {name: test_klp_pw_a, functions: [f]}\n- {name: test_klp_pw_a, functions: [g]}\n', 'patches[1].name', 'patch 2: name `test_klp_pw_a` is used twice'],
    ['a bad sympos', '- {name: test_klp_pw_a, functions: [{name: f, sympos: -1}]}\n', 'patches[0].functions[0].sympos', /too small/i],
    ['an unknown manifest key', '- {name: test_klp_pw_a, functoins: [f]}\n', 'patches[0].functoins', /functoins/],
    ['no functions and no objects', '- {name: test_klp_pw_a}\n', 'patches[0]', /has no objects/],
  ])('refuses %s, naming the place', (_label, patches, path, reason) => {
    const err = error(patches);
    expect(err.file).toBe(FILE);
    expect(err.path).toBe(path);
    expect(err.line).toBeGreaterThanOrEqual(3);
    if (typeof reason === 'string') expect(err.reason).toBe(reason);
    else expect(err.reason).toMatch(reason);
  });

  it('still refuses an op naming a module neither the selftests nor the case define', () => {
    expect(error('- {name: test_klp_pw_a, functions: [f]}\n', '- load_lp: test_klp_pw_b\n')).toMatchObject({ code: 'PW_CASE_UNKNOWN_MODULE', path: 'ops[0]' });
  });
});
