/**
 * The kernel's selftests replay byte-exact with the policy loaded at its most permissive settings
 * (`blockDisable: 'ignore'`). Their modules declare no scoped callbacks, so the policy must run
 * nothing and print nothing.
 */
import { describe, expect, it } from 'vitest';
import { CASES_DIR, caseFiles, EXTRA_CASES_DIR, loadCase, runCase } from '@patchwise/kselftest';
import { applyPolicies } from '@patchwise/policy';
import scopedCallbacks, { permissiveOptions } from '@patchwise/plugin-scoped-callbacks';

const files = [...caseFiles(CASES_DIR), ...caseFiles(EXTRA_CASES_DIR)];

describe('kernel selftests with scoped-callbacks loaded', () => {
  it('the most permissive settings refuse nothing', () => {
    expect(permissiveOptions).toEqual({ blockDisable: 'ignore' });
  });

  it('finds the bundled cases', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files.map((file) => [file.split('/').slice(-2).join('/'), file]))('%s replays byte-exact', async (_name, file) => {
    const c = loadCase(file);
    let printed: string[] = [];
    const result = await runCase(c, {
      setup: (machine) => {
        applyPolicies(machine.livepatch, [{ policy: scopedCallbacks, options: permissiveOptions }]);
        printed = [];
        machine.log.subscribe((r) => {
          if (r.text.startsWith('patchwise:')) printed.push(r.text);
        });
      },
    });
    expect(result.failure).toBeUndefined();
    expect(result.output).toEqual(result.expected);
    expect(printed).toEqual([]);
  });
});
