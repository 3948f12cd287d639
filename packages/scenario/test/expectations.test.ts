/**
 * The expectation forms experiments need beyond codes and whole lines: log patterns and absences,
 * findings in detail, decisions of a named operation, nops, "nothing changed", selftest assertions
 * listed like expectations, and failures that say what they found.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig, policyEntries } from '@patchwise/config';
import { Diagnostic } from '@patchwise/diagnostics';
import { parseScenario, runScenario, type ScenarioResult } from '@patchwise/scenario';

const FILE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'inline.scenario.yaml');
const ACME = '  - {name: acme_fix, vendor: acme, version: 1.0.0, functions: [cmdline_proc_show]}\n';
const BETA = '  - {name: beta_fix, vendor: beta, version: 2.1.0, functions: [cmdline_proc_show]}\n';

async function run(text: string, plugins: unknown[] = ['vendor-tags']): Promise<ScenarioResult> {
  const policies = policyEntries(await loadConfig({ config: { plugins } }));
  return runScenario(parseScenario(text, FILE), { policies });
}
const messages = (r: ScenarioResult) => r.expectations.map((e) => `${e.passed ? 'ok' : 'FAIL'} ${e.message}`);

function parseError(text: string): Diagnostic {
  try {
    parseScenario(text, FILE);
  } catch (err) {
    if (err instanceof Diagnostic) return err;
    throw err;
  }
  throw new Error('the scenario parsed');
}

describe('log patterns and absences', () => {
  it('`{match}` finds a line by pattern, in order; `nolog` holds when nothing matches since the previous expect', async () => {
    const r = await run(`name: x\npatches:\n${ACME}steps:
  - load: acme_fix
  - expect:
      log: [{match: "^livepatch: enabling patch '\\\\w+'$"}, "livepatch: 'acme_fix': patching complete"]
      nolog: [{match: "unpatching"}, "livepatch: enabling patch 'beta_fix'"]
`);
    expect(messages(r)).toEqual([
      'ok log: 2 lines, in order',
      `ok no log line /unpatching/ or "livepatch: enabling patch 'beta_fix'" since the previous expect`,
    ]);
  });

  it('`nolog` fails naming the line that matched; `log` fails showing the lines it saw', async () => {
    const r = await run(`name: x\npatches:\n${ACME}steps:
  - load: acme_fix
  - expect: {nolog: {match: "patching complete"}}
  - disable: acme_fix
  - expect: {log: {match: "^never$"}}
`);
    expect(r.expectations.map((e) => e.passed)).toEqual([false, false]);
    expect(r.expectations[0]?.message).toBe(
      `no log line /patching complete/ since the previous expect, but /patching complete/ matched "livepatch: 'acme_fix': patching complete"`,
    );
    expect(r.expectations[1]?.message).toMatch(/^log line \/\^never\$\/ \(in order, since the previous expect\) not found; the lines after that were \["% echo 0 > /);
  });

  it('a pattern that is not a regular expression, or too long, is bad input', () => {
    expect(parseError(`name: x\npatches:\n${ACME}steps:\n  - load: acme_fix\n  - expect: {log: {match: "("}}\n`).message).toMatch(/`log`: `\(` is not a regular expression/);
    expect(parseError(`name: x\npatches:\n${ACME}steps:\n  - load: acme_fix\n  - expect: {nolog: [{match: "${'a'.repeat(300)}"}]}\n`).message).toMatch(/at most 256 characters/);
  });
});

describe('findings in detail, and decisions of a named operation', () => {
  const TWO = `name: x\npatches:\n${ACME}${BETA}steps:\n  - load: acme_fix\n  - load: beta_fix\n  - load_mod: test_klp_callbacks_mod\n`;

  it('`of` picks the operation; `findings` checks severity, message, data, policy and gate', async () => {
    const r = await run(`${TWO}  - expect:
      of: {load: beta_fix}
      decision: denied
      codes: [vendor-tags/function-vendor-mismatch]
      findings:
        - code: function-vendor-mismatch
          severity: error
          policy: vendor-tags
          gate: prePatch
          message: "already patched by 'acme_fix'"
          data: {patches: [beta_fix, acme_fix]}
  - expect: {of: {load: beta_fix}, findings: [{message: {match: "vendor .beta."}}]}
`);
    expect(messages(r)).toEqual([
      "ok decision of load 'beta_fix' denied",
      `ok finding codes of load 'beta_fix' ["vendor-tags/function-vendor-mismatch"]`,
      "ok finding of load 'beta_fix' {code \"function-vendor-mismatch\", severity \"error\", message \"already patched by 'acme_fix'\", data {\"patches\":[\"beta_fix\",\"acme_fix\"]}, policy \"vendor-tags\", gate \"prePatch\"}",
      "ok finding of load 'beta_fix' {message /vendor .beta./}",
    ]);
  });

  it('without `of` the most recent decision is meant; with `of` an older one can be named', async () => {
    const r = await run(`${TWO}  - load: {name: acme_fix}\n  - expect: {decision: allowed, of: {load: acme_fix}}\n  - expect: {of: {load: beta_fix}, decision: allowed}\n`);
    // The re-load of acme_fix fails in the module loader (EEXIST): only its first load was decided.
    expect(r.expectations.map((e) => e.passed)).toEqual([true, false]);
    expect(r.expectations[1]?.message).toBe("decision of load 'beta_fix' allowed, got denied");
  });

  it('a finding that does not match says what the findings were', async () => {
    const r = await run(`${TWO}  - expect: {of: {load: beta_fix}, findings: [{code: function-vendor-mismatch, severity: warn}]}\n`);
    expect(r.expectations[0]?.passed).toBe(false);
    expect(r.expectations[0]?.message).toMatch(
      /^finding of load 'beta_fix' \{code "function-vendor-mismatch", severity "warn"\} not found \(in order\); the findings were: vendor-tags\/function-vendor-mismatch \(error, prePatch\): "'beta_fix' \(vendor `beta`\)/,
    );
  });

  it('an operation never decided is a failed expectation, not a pass', async () => {
    const r = await run(`name: x\npatches:\n${ACME}steps:\n  - load: acme_fix\n  - expect: {of: {disable: acme_fix}, decision: allowed}\n`);
    expect(messages(r)).toEqual(["FAIL decision of disable 'acme_fix' allowed, got no decision"]);
  });

  it('`of` alone, or with a bad operation, is bad input', () => {
    expect(parseError(`name: x\npatches:\n${ACME}steps:\n  - load: acme_fix\n  - expect: {of: {load: acme_fix}}\n`).message).toMatch(/`of` says which operation/);
    expect(parseError(`name: x\npatches:\n${ACME}steps:\n  - load: acme_fix\n  - expect: {of: {laod: acme_fix}, decision: allowed}\n`).message).toMatch(/unknown key `laod` \(did you mean `load`\?\)/);
  });
});

describe('owners: a nop of a patch has a documented form', () => {
  const CUMULATIVE = '  - {name: cumulative, vendor: acme, replace: true, functions: [meminfo_proc_show]}\n';
  it('`nop: true` holds only for that patch’s nop; `patch: original` holds for any nop', async () => {
    const r = await run(
      `name: x\npatches:\n${ACME}${CUMULATIVE}tasks: [{name: worker, kthread: true, sleepsIn: cmdline_proc_show}]\nsteps:
  - wake: worker
  - load: acme_fix
  - sleep: {task: worker, in: cmdline_proc_show}
  - load: {name: cumulative, wait: false}
  - expect:
      owner: {function: cmdline_proc_show, patch: cumulative, nop: true}
  - expect: {owner: {function: cmdline_proc_show, patch: original}}
  - expect: {owner: {function: cmdline_proc_show, patch: acme_fix, nop: true}}
  - expect: {owner: {function: cmdline_proc_show, patch: cumulative}}
`,
      [],
    );
    expect(messages(r)).toEqual([
      'ok owner of cmdline_proc_show is a nop of cumulative',
      'ok owner of cmdline_proc_show is original',
      'FAIL owner of cmdline_proc_show is a nop of acme_fix, got a nop of cumulative',
      'FAIL owner of cmdline_proc_show is cumulative, got a nop of cumulative',
    ]);
  });
});

describe('`unchanged`: the whole machine as before the previous step', () => {
  it('holds after a refused load, and names what moved after one that was not refused', async () => {
    const r = await run(`name: x\npatches:\n${ACME}${BETA}steps:
  - load: acme_fix
  - load: beta_fix
  - expect: {decision: denied, unchanged: true}
  - disable: acme_fix
  - expect: {unchanged: true}
`);
    expect(r.expectations.map((e) => e.passed)).toEqual([true, true, false]);
    expect(r.expectations[1]?.message).toBe('machine unchanged by the previous step');
    expect(r.expectations[2]?.message).toMatch(/^machine unchanged by the previous step, but patches: - 'acme_fix' enabled=1 \| stacks: - vmlinux:cmdline_proc_show: acme_fix \| modules: - acme_fix LIVE refcnt=1; \+ acme_fix LIVE refcnt=0/);
  });
});

describe('selftest assertions used as steps are listed like expectations', () => {
  it('a passing one is shown; a failing one fails the scenario, which goes on', async () => {
    const r = await run(
      `name: x\npatches:\n${ACME}steps:
  - load: acme_fix
  - assert_eq: {read: /sys/kernel/livepatch/acme_fix/enabled, value: "1"}
  - check_sysfs_value: {patch: acme_fix, rel: transition, value: "1"}
  - expect: {order: [acme_fix]}
`,
      [],
    );
    expect(messages(r)).toEqual([
      "ok assert_eq: /sys/kernel/livepatch/acme_fix/enabled reads '1'",
      "FAIL check_sysfs_value: /sys/kernel/livepatch/acme_fix/transition: reads '0', expected '1'",
      'ok patch order ["acme_fix"]',
    ]);
    expect(r.failure).toBeUndefined();
    expect(r.passed).toBe(false);
  });
});

describe('failed expectations say what they found', () => {
  it('`loaded` and `enabled` show expected and actual', async () => {
    const r = await run(`name: x\npatches:\n${ACME}modules: [{name: acme_drv, functions: [acme_read]}]\nsteps:\n  - load: acme_fix\n  - expect: {loaded: {acme_drv: true, acme_fix: true}, enabled: {acme_fix: false}}\n`, []);
    expect(messages(r)).toEqual([
      'FAIL enabled {"acme_fix":false}, got {"acme_fix":true}',
      'FAIL loaded {"acme_drv":true,"acme_fix":true}, got {"acme_drv":false,"acme_fix":true}',
    ]);
  });
});
