import { describe, expect, it } from 'vitest';
import { CASES_DIR, caseFiles, EXTRA_CASES_DIR, loadCase, runCase } from '@patchwise/kselftest';
import { applyPolicies } from '@patchwise/policy';
import vendorTags from '@patchwise/plugin-vendor-tags';

/** The most permissive settings: every rule off. */
const permissive = { sameFunction: 'any', replace: 'any', requiresTag: {}, conflictsWithTag: {}, signatures: 'off' } as const;

const files = [...caseFiles(CASES_DIR), ...caseFiles(EXTRA_CASES_DIR)];
const named = files.map((file) => [file.split('/').pop() ?? file, file]);

async function replay(file: string, options: unknown) {
  let decisions = 0;
  const result = await runCase(loadCase(file), {
    setup: (machine) => {
      machine.livepatch.hooks.decision.tap('count', () => {
        decisions += 1;
      });
      applyPolicies(machine.livepatch, [{ policy: vendorTags, options }]);
    },
  });
  return { result, decisions };
}

describe('kernel selftests with vendor-tags at its most permissive settings', () => {
  it.each(named)('%s still replays byte-exact', async (_name, file) => {
    const { result, decisions } = await replay(file, permissive);
    expect(result.failure).toBeUndefined();
    expect(result.output).toEqual(result.expected);
    if (loadCase(file).ops.some((op) => op.name === 'load_lp' || op.name === 'load_failing_mod')) expect(decisions).toBeGreaterThan(0);
  });

  it('the defaults are not permissive: a selftest patch declares no vendor, so it may replace no patch', async () => {
    const file = files.find((f) => f.endsWith('livepatch--atomic-replace-livepatch.yaml'));
    expect(file).toBeDefined();
    const { result } = await replay(file as string, {});
    expect(result.passed).toBe(false);
    expect(result.failure?.message).toMatch(/could not insert module test_modules\/test_klp_atomic_replace\.ko: Operation not permitted/);
  });
});
