/**
 * Case files that are wrong: a typo in an op's keys or name gets a did-you-mean beside the list of
 * what is allowed, at the op.
 */
import { describe, expect, it } from 'vitest';
import { Diagnostic } from '@patchwise/diagnostics';
import { parseCase } from '@patchwise/kselftest';

const FILE = 'cases/typo.yaml';

function caseError(ops: string): Diagnostic {
  try {
    parseCase(`id: typo\ntitle: a typo\nops:\n${ops}expect: ""\n`, FILE);
  } catch (err) {
    if (err instanceof Diagnostic) return err;
    throw err;
  }
  throw new Error('the case parsed');
}

describe('an op value with an unknown key', () => {
  it('says the key it is likely a typo of, then the keys the op takes', () => {
    // `  - load_lp: ` is 13 characters: the value starts at column 14.
    expect(caseError('  - load_lp: {name: test_klp_livepatch, parms: x}\n')).toMatchObject({
      code: 'PW_CASE_OP_VALUE',
      file: FILE,
      path: 'ops[0]',
      line: 4,
      column: 14,
      reason: 'op 1 `load_lp`: unknown key `parms` (did you mean `params`?); expected `name`, `params`',
    });
    expect(caseError('  - load_lp: test_klp_livepatch\n  - set_pre_patch_ret: {name: test_klp_callbacks_mod, vlaue: -19}\n')).toMatchObject({
      path: 'ops[1]',
      line: 5,
      reason: 'op 2 `set_pre_patch_ret`: unknown key `vlaue` (did you mean `value`?); expected `name`, `value`',
    });
  });

  it('a key like none of them: the keys only', () => {
    expect(caseError('  - load_lp: {name: test_klp_livepatch, colour: red}\n').reason).toBe(
      'op 1 `load_lp`: unknown key `colour`; expected `name`, `params`',
    );
  });
});

describe('an unknown op', () => {
  it('says the op it is likely a typo of', () => {
    const err = caseError('  - lod_lp: test_klp_livepatch\n');
    expect(err).toMatchObject({ code: 'PW_CASE_UNKNOWN_OP', path: 'ops[0]', line: 4, column: 5, reason: 'op 1: unknown op `lod_lp` (did you mean `load_lp`?)' });
    expect(err.hint).toMatch(/^the ops are load_mod, load_lp_nowait, load_lp, /);
  });
});
