import { describe, expect, it } from 'vitest';
import { CASES_DIR, caseFiles, EXTRA_CASES_DIR, loadCase, OWN_CASES_DIR, runCase } from '@patchwise/kselftest';
import { loadConfig, policyEntries } from '@patchwise/config';
import { applyPolicies, definePolicy } from '@patchwise/policy';

// A policy on every hook that allows everything: hooks must add no log line and change no order.
const allowAll = definePolicy({
  name: 'allow-all',
  meta: { docs: { description: 'taps every hook and allows everything' }, messages: {} },
  apply(hooks) {
    hooks.prePatch(() => {});
    hooks.replace(async () => {});
    hooks.preUnpatch(() => {});
    hooks.moduleComing(async () => {});
    hooks.transition(() => undefined);
    hooks.postPatch(() => {});
    hooks.postUnpatch(() => {});
    hooks.moduleGoing(() => {});
    hooks.objectCallback(() => {});
    hooks.callbacks(() => undefined);
    hooks.decision(() => {});
  },
});

describe('selftests with an allow-everything policy on every hook', () => {
  const files = [...caseFiles(CASES_DIR), ...caseFiles(EXTRA_CASES_DIR), ...caseFiles(OWN_CASES_DIR)];
  it.each(files.map((file) => [file.split('/').pop() ?? file, file]))('%s still replays byte-exact', async (_name, file) => {
    let decisions = 0;
    const result = await runCase(loadCase(file), {
      setup: (machine) => {
        machine.livepatch.hooks.decision.tap('count', () => {
          decisions += 1;
        });
        applyPolicies(machine.livepatch, [{ policy: allowAll }]);
      },
    });
    expect(result.failure).toBeUndefined();
    expect(result.output).toEqual(result.expected);
    // The gates did run: a case that loads a livepatch made at least one decision.
    if (/load_lp|load_failing_mod/.test(JSON.stringify(loadCase(file).ops.map((o) => o.name)))) {
      expect(decisions).toBeGreaterThan(0);
    }
  });
});

describe('selftests with the three standard policies at their most permissive settings (patchwise:permissive)', () => {
  const files = [...caseFiles(CASES_DIR), ...caseFiles(EXTRA_CASES_DIR), ...caseFiles(OWN_CASES_DIR)];
  it.each(files.map((file) => [file.split('/').pop() ?? file, file]))('%s still replays byte-exact', async (_name, file) => {
    const config = await loadConfig({ config: { extends: 'patchwise:permissive' } });
    expect(config.plugins.map((p) => p.name)).toEqual(['vendor-tags', 'scoped-callbacks', 'semver-deps']);
    const result = await runCase(loadCase(file), {
      setup: (machine) => void applyPolicies(machine.livepatch, policyEntries(config)),
    });
    expect(result.failure).toBeUndefined();
    expect(result.output).toEqual(result.expected);
  });
});
