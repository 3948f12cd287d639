import { describe, expect, it } from 'vitest';
import { CASES_DIR, caseFiles, EXTRA_CASES_DIR, loadCase, runCase } from '@patchwise/kselftest';
import semverDeps, { defaults, permissive } from '@patchwise/plugin-semver-deps';
import { applyPolicies } from '@patchwise/policy';

// The selftest patches carry no version, requirements or kernel range: semver-deps must let every
// one of them through, adding no log line, at its most permissive settings and at its defaults.
describe.each([
  ['permissive', permissive],
  ['default', defaults],
])('selftests with semver-deps (%s settings)', (_label, options) => {
  const files = [...caseFiles(CASES_DIR), ...caseFiles(EXTRA_CASES_DIR)];

  it('has cases to replay', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it.each(files.map((file) => [file.split('/').pop() ?? file, file]))('%s replays byte-exact', async (_name, file) => {
    let decisions = 0;
    const result = await runCase(loadCase(file), {
      setup: (machine) => {
        machine.livepatch.hooks.decision.tap('count', () => {
          decisions += 1;
        });
        applyPolicies(machine.livepatch, [{ policy: semverDeps, options }]);
      },
    });
    expect(result.failure).toBeUndefined();
    expect(result.output).toEqual(result.expected);
    if (/load_lp|load_failing_mod/.test(JSON.stringify(loadCase(file).ops.map((o) => o.name)))) {
      expect(decisions).toBeGreaterThan(0);
    }
  });
});
