/**
 * Which generator builds a case's own patch for a real kernel: modgen's `livepatchModule` when it
 * can, its `stubLivepatchModule` only for a patch the case loads solely to see it refused.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCase, OWN_CASES_DIR, parseCase, SELFTEST_MODULE_NAMES } from '@patchwise/kselftest';
import { generateCasePatches } from '../src/commands/replay-vm-patches.js';

const source = (m: { files: Readonly<Record<string, string>> }) => Object.values(m.files).join('');
const parse = (patches: string, ops: string) =>
  parseCase(`id: t/x\ntitle: x\npatches:\n${patches}ops:\n${ops}expect: ''\n`, 'x.yaml', { modules: SELFTEST_MODULE_NAMES });

describe('generateCasePatches', () => {
  it('generates a runnable patch with livepatchModule, with its real replacement', () => {
    const modules = generateCasePatches(loadCase(join(OWN_CASES_DIR, 'state--version-downgrade.yaml')));
    if (typeof modules === 'string') throw new Error(modules);
    expect(modules.map((m) => m.name)).toEqual(['test_klp_pw_state_v2', 'test_klp_pw_state_v1']);
    for (const m of modules) expect(source(m)).not.toContain('pw__stub');
  });

  it('builds a patch that is only loaded to be refused as written, with a stub, when livepatchModule cannot', () => {
    const modules = generateCasePatches(loadCase(join(OWN_CASES_DIR, 'init--missing-function.yaml')));
    if (typeof modules === 'string') throw new Error(modules);
    expect(source(modules[0]!)).toContain('{ .old_name = "pw_no_such_function", .new_func = pw__stub },');
  });

  it('does not apply when such a patch is loaded to run: a stub must never run', () => {
    const c = parse('- {name: test_klp_pw_a, functions: [pw_no_such_function]}\n', '- load_lp: test_klp_pw_a\n- disable_lp: test_klp_pw_a\n');
    expect(generateCasePatches(c)).toMatch(/^patch test_klp_pw_a cannot be generated for a real kernel: function `pw_no_such_function`: no replacement can be generated/);
  });

  it('does not apply when even the stub cannot say it (callbacks would run before the refusal)', () => {
    const c = parse('- {name: test_klp_pw_a, objects: [{name: vmlinux, functions: [pw_x], callbacks: {prePatch: [{log: hi}]}}]}\n', '- load_failing_mod: test_klp_pw_a\n');
    expect(generateCasePatches(c)).toMatch(/^patch test_klp_pw_a cannot be generated for a real kernel: object `vmlinux`: a stub patch has no callbacks/);
  });
});
