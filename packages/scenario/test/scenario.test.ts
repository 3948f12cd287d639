/**
 * Scenario files: parse errors point at the file, line and column; runScenario checks every kind of
 * expectation, stops at a step that dies, stalls transitions on sleeping tasks, forces and reverses
 * them. (Saved states: state.test.ts.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, policyEntries } from '@patchwise/config';
import { Diagnostic } from '@patchwise/diagnostics';
import { loadScenario, parseScenario, runScenario } from '@patchwise/scenario';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
/** Where inline scenarios "live": `{file: …}` patches resolve from the fixtures folder. */
const FILE = join(FIXTURES, 'inline.scenario.yaml');

const temp = mkdtempSync(join(tmpdir(), 'patchwise-scenario-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function parseError(text: string, file = FILE): Diagnostic {
  try {
    parseScenario(text, file);
  } catch (err) {
    if (err instanceof Diagnostic) return err;
    throw err;
  }
  throw new Error('the scenario parsed');
}

const vendorTags = async () => policyEntries(await loadConfig({ config: { plugins: ['vendor-tags'] } }));

const ACME = '  - {name: acme_fix, vendor: acme, version: 1.0.0, functions: [cmdline_proc_show]}\n';
const BETA = '  - {name: beta_fix, vendor: beta, version: 2.1.0, functions: [cmdline_proc_show]}\n';

describe('parse errors point to the file, line and column', () => {
  it('an unknown top-level key: did you mean', () => {
    const err = parseError(`name: x\ndescripton: typo\nsteps:\n  - load: test_klp_livepatch\n`);
    expect(err).toMatchObject({ code: 'PW_SCENARIO', file: FILE, path: 'descripton', line: 2, column: 1 });
    expect(err.message).toContain('unknown key `descripton`');
    expect(err.message).toContain('did you mean `description`');
  });

  it('`step:` for `steps:` is reported as the unknown key it is', () => {
    const err = parseError(`name: x\nstep:\n  - load: test_klp_livepatch\n`);
    expect(err.code).toBe('PW_SCENARIO');
    expect(err.file).toBe(FILE);
    expect(err.line).toBe(2);
    expect(err.message).toContain('`step`');
    expect(err.message).toContain('did you mean `steps`');
  });

  const HINT = 'see `patchwise run --help` for the scenario format';

  it('a nested typo: did you mean from the keys of that place, located at the key', () => {
    // Each typo is 1 edit (`cpu`, `sleepIn`, `fuctions`) from a key of its own place only.
    const task = parseError(`name: x\ntasks:\n  - name: worker\n    sleepIn: cmdline_proc_show\nsteps:\n  - load: test_klp_livepatch\n`);
    expect(task.message).toBe(`${FILE}:4:5: invalid scenario: unknown key \`sleepIn\` (did you mean \`sleepsIn\`?) (at \`tasks[0].sleepIn\`)\n  hint: ${HINT}`);
    expect(task.code).toBe('PW_SCENARIO');
    // `machine: {` is 10 characters: the key starts at column 11.
    const machine = parseError(`name: x\nmachine: {cpu: 2}\nsteps:\n  - load: test_klp_livepatch\n`);
    expect(machine).toMatchObject({ path: 'machine.cpu', line: 2, column: 11, reason: 'invalid scenario: unknown key `cpu` (did you mean `cpus`?)' });
    // `modules` has a default (`[]`): the keys of its items are found through it.
    const module = parseError(`name: x\nmodules:\n  - name: acme_drv\n    fuctions: [acme_read]\nsteps:\n  - load: acme_drv\n`);
    expect(module).toMatchObject({ path: 'modules[0].fuctions', line: 4, column: 5, reason: 'invalid scenario: unknown key `fuctions` (did you mean `functions`?)' });
  });

  it('a value of none of a union’s types: the types it takes, not "Invalid input"', () => {
    // `config` is `none`, a file name (both strings) or an inline config (a record).
    const config = parseError(`name: x\nconfig: 5\nsteps:\n  - load: test_klp_livepatch\n`);
    expect(config).toMatchObject({ path: 'config', line: 2, column: 9, reason: 'invalid scenario: `config`: expected string or record, received number' });
    expect(parseError(`name: x\nconfig: [a]\nsteps:\n  - load: test_klp_livepatch\n`).reason).toBe('invalid scenario: `config`: expected string or record, received array');
    // A patch is `{file}` or an inline manifest: an object either way.
    const patch = parseError(`name: x\npatches:\n  - 5\nsteps:\n  - load: test_klp_livepatch\n`);
    expect(patch).toMatchObject({ path: 'patches[0]', line: 3, column: 5, reason: 'invalid scenario: `patches[0]`: expected object, received number' });
  });

  it('a missing key is named, with its type; it is located at the object it belongs in', () => {
    const task = parseError(`name: x\ntasks:\n  - kthread: true\nsteps:\n  - load: test_klp_livepatch\n`);
    expect(task).toMatchObject({ path: 'tasks[0].name', line: 3, column: 5, reason: 'invalid scenario: missing key `name` (expected string)' });
    expect(parseError(`name: x\n`)).toMatchObject({ path: 'steps', reason: 'invalid scenario: missing key `steps` (expected array)' });
  });

  it('a wrong value keeps zod’s words, after its place', () => {
    expect(parseError(`name: x\nmachine: {cpus: two}\nsteps:\n  - load: test_klp_livepatch\n`)).toMatchObject({
      path: 'machine.cpus',
      line: 2,
      reason: 'invalid scenario: `machine.cpus`: expected number, received string',
    });
  });

  it('an unknown step: did you mean', () => {
    const err = parseError(`name: x\npatches:\n${ACME}steps:\n  - load: acme_fix\n  - expct: {order: [acme_fix]}\n`);
    expect(err).toMatchObject({ code: 'PW_CASE_UNKNOWN_OP', file: FILE, path: 'steps[1]', line: 6, column: 5 });
    expect(err.message).toContain('unknown step `expct`');
    expect(err.message).toContain('did you mean `expect`');
  });

  it('a step naming an unknown patch: did you mean', () => {
    const err = parseError(`name: x\npatches:\n${ACME}steps:\n  - load: acme_fx\n`);
    expect(err).toMatchObject({ code: 'PW_CASE_UNKNOWN_MODULE', file: FILE, path: 'steps[0]', line: 5, column: 5 });
    expect(err.message).toContain('`acme_fx`');
    expect(err.message).toContain('did you mean `acme_fix`');
  });

  it('a step naming an unknown module', () => {
    const text = `name: x\nmodules: [{name: acme_drv, functions: [acme_read]}]\nsteps:\n  - load: acme_fix\n  - unload: acme_dvr\n`;
    const first = parseError(text);
    expect(first).toMatchObject({ code: 'PW_CASE_UNKNOWN_MODULE', line: 4 });
    const err = parseError(text.replace('load: acme_fix', 'load: acme_drv'));
    expect(err).toMatchObject({ code: 'PW_CASE_UNKNOWN_MODULE', path: 'steps[1]', line: 5, column: 5 });
    expect(err.message).toContain('did you mean `acme_drv`');
  });

  it('an unknown task: did you mean', () => {
    const err = parseError(
      `name: x\npatches:\n${ACME}tasks:\n  - {name: worker, kthread: true, sleepsIn: cmdline_proc_show}\nsteps:\n  - load: {name: acme_fix, wait: false}\n  - wake: wroker\n`,
    );
    expect(err).toMatchObject({ code: 'PW_SCENARIO', file: FILE, path: 'steps[1]', line: 8, column: 5 });
    expect(err.message).toContain('unknown task `wroker`');
    expect(err.message).toContain('did you mean `worker`');
  });

  it('an unknown task in a `live` expectation', () => {
    const err = parseError(`name: x\ntasks: [{name: worker}]\nsteps:\n  - expect: {live: {task: nobody, function: cmdline_proc_show, runs: original}}\n`);
    expect(err).toMatchObject({ code: 'PW_SCENARIO', line: 4 });
    expect(err.message).toContain('`nobody`');
  });

  it('a bad expectation key', () => {
    const err = parseError(`name: x\npatches:\n${ACME}steps:\n  - load: acme_fix\n  - expect: {decison: allowed}\n`);
    expect(err.code).toBe('PW_CASE_OP_VALUE');
    expect(err.file).toBe(FILE);
    expect(err.line).toBe(6);
    expect(err.column).toBeTypeOf('number');
    expect(err.message).toContain('`decison`');
    expect(err.message).toContain('`decision`');
  });

  it('a typo in a step’s keys or an expectation: did you mean, then what is allowed', () => {
    const step = parseError(`name: x\npatches:\n${ACME}steps:\n  - load: {name: acme_fix, wiat: false}\n`);
    expect(step).toMatchObject({
      code: 'PW_CASE_OP_VALUE',
      path: 'steps[0]',
      line: 5,
      reason: 'step 1 `load`: unknown key `wiat` (did you mean `wait`?); expected `name`, `params`, `wait`',
    });
    const check = parseError(`name: x\npatches:\n${ACME}steps:\n  - load: acme_fix\n  - expect: {decison: allowed}\n`);
    expect(check).toMatchObject({
      code: 'PW_CASE_OP_VALUE',
      path: 'steps[1]',
      line: 6,
      reason:
        'step 2 `expect`: unknown check `decison` (did you mean `decision`?); the checks are `of`, `decision`, `codes`, `findings`, `result`, `order`, `enabled`, `transition`, `owner`, `live`, `log`, `nolog`, `loaded`, `unchanged`, `exposure`',
    });
    // A step of the scenario's own (`sleep`): `into` is 2 edits from `in`, as near as a 4-letter word may be.
    const sleep = (key: string) => parseError(`name: x\ntasks: [{name: worker}]\nsteps:\n  - sleep: {task: worker, ${key}: cmdline_proc_show}\n`).reason;
    expect(sleep('into')).toBe('step 1 `sleep`: unknown key `into` (did you mean `in`?); expected `task`, `in`');
    // A key like none of them: the keys only.
    expect(sleep('where')).toBe('step 1 `sleep`: unknown key `where`; expected `task`, `in`');
  });

  it('a bad expectation value', () => {
    const err = parseError(`name: x\nsteps:\n  - expect: {decision: maybe}\n`);
    expect(err).toMatchObject({ code: 'PW_CASE_OP_VALUE', line: 3 });
    expect(err.message).toMatch(/allowed.*denied/);
  });

  it('a manifest error inside `patches`', () => {
    const err = parseError(`name: x\npatches:\n  - name: acme_fix\n    functons: [cmdline_proc_show]\nsteps:\n  - load: acme_fix\n`);
    expect(err).toMatchObject({ code: 'PW_MANIFEST', file: FILE, path: 'patches[0].functons', line: 4 });
    expect(err.message).toContain('did you mean `functions`');
  });

  it('a manifest error in a patch file names that file', () => {
    const err = parseError(`name: x\npatches:\n  - file: patches/bad-fix.yaml\nsteps:\n  - load: bad_fix\n`);
    expect(err.code).toBe('PW_MANIFEST');
    expect(err.file).toContain('bad-fix.yaml');
    expect(err.line).toBe(3);
  });

  it('a map with a `file` key is a file reference, not an inline manifest: its `file` must be a path', () => {
    // Before: `invalid patch manifest: unknown key \`file\`` (any map was also taken as a manifest).
    // `  - {file: 5}`: the value starts at column 12.
    expect(parseError(`name: x\npatches:\n  - {file: 5}\nsteps:\n  - load: test_klp_livepatch\n`)).toMatchObject({
      code: 'PW_SCENARIO',
      path: 'patches[0].file',
      line: 3,
      column: 12,
      reason: 'invalid scenario: `patches[0].file`: expected a file path (a string), received number; put the value in quotes (`"…"`) to write it as a string',
    });
    const second = parseError(`name: x\npatches:\n${ACME}  - file: [a.yaml]\nsteps:\n  - load: acme_fix\n`);
    expect(second).toMatchObject({ path: 'patches[1].file', line: 4, column: 11, reason: 'invalid scenario: `patches[1].file`: expected a file path (a string), received array' });
    expect(parseError(`name: x\npatches:\n  - file: ''\nsteps:\n  - load: x\n`).reason).toBe('invalid scenario: `patches[0].file`: expected a file path, received an empty string');
    // A manifest's key beside `file` is one the reference does not take (`  - {file: ` is 11 characters and the path 21, then `, `: `name` is at column 35).
    expect(parseError(`name: x\npatches:\n  - {file: patches/beta-fix.yaml, name: beta_fix}\nsteps:\n  - load: beta_fix\n`)).toMatchObject({
      code: 'PW_SCENARIO',
      path: 'patches[0].name',
      line: 3,
      column: 35,
      reason: 'invalid scenario: unknown key `name`',
    });
  });

  it('two patches with one name', () => {
    const err = parseError(`name: x\npatches:\n${ACME}${ACME}steps:\n  - load: acme_fix\n`);
    expect(err).toMatchObject({ code: 'PW_SCENARIO', path: 'patches[1]', line: 4 });
  });

  it('malformed YAML', () => {
    const err = parseError(`name: x\nsteps:\n  - load: [acme_fix\n`);
    expect(err.code).toBe('PW_SYNTAX');
    expect(err.file).toBe(FILE);
    expect(err.line).toBeTypeOf('number');
    expect(err.column).toBeTypeOf('number');
  });

  it('loadScenario: a missing file, and the display name in messages', () => {
    expect(() => loadScenario(join(temp, 'nope.scenario.yaml'), 'nope.scenario.yaml')).toThrow(
      expect.objectContaining({ code: 'PW_NO_SUCH_FILE', file: 'nope.scenario.yaml' }),
    );
    const file = join(temp, 'bad.scenario.yaml');
    writeFileSync(file, 'name: x\nsteps:\n  - lod: test_klp_livepatch\n');
    expect(() => loadScenario(file, 'shown/bad.scenario.yaml')).toThrow(expect.objectContaining({ file: 'shown/bad.scenario.yaml', line: 3 }));
  });
});

describe('runScenario: expectations', () => {
  it('a fixture file: patches inline and from files, every expectation held', async () => {
    const scenario = loadScenario(join(FIXTURES, 'two-vendors.scenario.yaml'));
    expect(scenario.patches.map((p) => p.name)).toEqual(['acme_fix', 'beta_fix']);
    expect(scenario.config).toEqual({ inline: { plugins: ['vendor-tags'] } });
    const policies = policyEntries(await loadConfig({ config: { plugins: ['vendor-tags'] } }));
    const result = await runScenario(scenario, { policies });
    expect(result.failure).toBeUndefined();
    expect(result.expectations.map((e) => [e.passed, e.message])).toEqual(result.expectations.map((e) => [true, e.message]));
    expect(result.expectations).toHaveLength(5);
    expect(result.passed).toBe(true);
  });

  it('each check holds when it should', async () => {
    const scenario = parseScenario(
      `name: all checks
patches:
${ACME}${BETA}modules: [{name: acme_drv, functions: [acme_read], loaded: true}]
tasks: [{name: worker, kthread: true}]
steps:
  - load: acme_fix
  - expect:
      decision: allowed
      codes: []
      result: ok
      order: [acme_fix]
      enabled: {acme_fix: true, beta_fix: false}
      transition: none
      owner: {function: cmdline_proc_show, patch: acme_fix}
      live: {task: worker, function: cmdline_proc_show, runs: acme_fix}
      log: ["livepatch: enabling patch 'acme_fix'", "livepatch: 'acme_fix': patching complete"]
      loaded: {acme_drv: true, acme_fix: true, beta_fix: false}
  - load: beta_fix
  - expect:
      decision: denied
      codes: [function-vendor-mismatch]
      result: EPERM
      order: [acme_fix]
      enabled: {beta_fix: false}
      log: ["% insmod test_modules/beta_fix.ko"]
      loaded: {beta_fix: false}
      owner: {function: "acme_drv:acme_read", patch: original}
`,
      FILE,
    );
    const result = await runScenario(scenario, { policies: await vendorTags() });
    const failed = result.expectations.filter((e) => !e.passed).map((e) => e.message);
    expect(failed).toEqual([]);
    expect(result.expectations).toHaveLength(18);
    expect(result.passed).toBe(true);
    expect(result.decisions.map((d) => d.allowed)).toEqual([true, false]);
    expect(result.decisions[1]?.findings.map((f) => `${f.policy}/${f.code}`)).toEqual(['vendor-tags/function-vendor-mismatch']);
    // Each expectation remembers its step and line.
    expect(result.expectations[0]).toMatchObject({ step: 1, line: 9 });
  });

  it('each check fails when it should, and the scenario goes on', async () => {
    const scenario = parseScenario(
      `name: all checks wrong
patches:
${ACME}${BETA}modules: [{name: acme_drv, functions: [acme_read]}]
tasks: [{name: worker, kthread: true}]
steps:
  - load: acme_fix
  - load: beta_fix
  - expect:
      decision: allowed
      codes: [semver-deps/requires-unmet]
      result: ok
      order: [beta_fix, acme_fix]
      enabled: {beta_fix: true}
      transition: acme_fix
      owner: {function: cmdline_proc_show, patch: beta_fix}
      live: {task: worker, function: cmdline_proc_show, runs: original}
      log: ["livepatch: enabling patch 'beta_fix'"]
      loaded: {acme_drv: true}
  - expect: {order: [acme_fix]}
`,
      FILE,
    );
    const result = await runScenario(scenario, { policies: await vendorTags() });
    expect(result.failure).toBeUndefined();
    expect(result.expectations).toHaveLength(11);
    const wrong = result.expectations.slice(0, 10);
    for (const e of wrong) expect(e, e.message).toMatchObject({ passed: false, step: 2 });
    const messages = wrong.map((e) => e.message).join('\n');
    expect(messages).toContain('got denied');
    expect(messages).toContain('function-vendor-mismatch');
    expect(messages).toContain('got EPERM');
    expect(messages).toContain('got ["acme_fix"]');
    expect(messages).toContain('got none');
    expect(messages).toContain('got acme_fix');
    expect(result.expectations[10]).toMatchObject({ passed: true, step: 3 });
    expect(result.passed).toBe(false);
  });

  it('`log` only sees lines since the previous expect, in order', async () => {
    const scenario = parseScenario(
      `name: log window
patches:
${ACME}steps:
  - load: acme_fix
  - expect: {log: ["livepatch: enabling patch 'acme_fix'"]}
  - expect: {log: ["livepatch: enabling patch 'acme_fix'"]}
  - disable: acme_fix
  - expect: {log: ["livepatch: 'acme_fix': unpatching complete", "livepatch: 'acme_fix': initializing unpatching transition"]}
`,
      FILE,
    );
    const result = await runScenario(scenario);
    expect(result.expectations.map((e) => e.passed)).toEqual([true, false, false]);
  });

  it('records decisions and log lines in order, as events', async () => {
    const scenario = parseScenario(`name: events\npatches:\n${ACME}steps:\n  - load: acme_fix\n  - expect: {decision: allowed}\n`, FILE);
    const result = await runScenario(scenario, { policies: await vendorTags() });
    const types = result.events.map((e) => e.type);
    expect(types[0]).toBe('step');
    const decision = types.indexOf('decision');
    const enabling = result.events.findIndex((e) => e.type === 'log' && e.record.text === "livepatch: enabling patch 'acme_fix'");
    expect(decision).toBeGreaterThan(0);
    expect(enabling).toBeGreaterThan(decision);
    expect(types.at(-1)).toBe('expect');
    expect(result.policies.map((p) => p.name)).toEqual(['vendor-tags']);
  });
});

describe('runScenario: the lifecycle', () => {
  const STALL = `patches:\n${ACME}tasks:\n  - {name: worker, kthread: true, sleepsIn: cmdline_proc_show}\n  - {name: idle, kthread: true}\n`;

  it('a step that dies stops the scenario', async () => {
    const scenario = parseScenario(`name: dies\n${STALL}steps:\n  - load: acme_fix\n  - expect: {transition: none}\n`, FILE);
    const result = await runScenario(scenario);
    expect(result.failure?.step).toBe(0);
    expect(result.failure?.message).toContain('acme_fix');
    expect(result.failure?.message).toContain('`load`');
    expect(result.expectations).toEqual([]);
    expect(result.events.filter((e) => e.type === 'step')).toHaveLength(1);
    expect(result.passed).toBe(false);
  });

  it('a `sleep` in a function of a module not loaded yet dies', async () => {
    const modules = 'modules:\n  - {name: acme_drv, functions: [acme_read]}\n';
    const scenario = parseScenario(`name: dies\n${STALL}${modules}steps:\n  - sleep: {task: idle, in: 'acme_drv:acme_read'}\n  - expect: {order: []}\n`, FILE);
    const result = await runScenario(scenario);
    expect(result.failure?.step).toBe(0);
    expect(result.failure?.message).toContain('acme_drv:acme_read');
    expect(result.passed).toBe(false);
  });

  it('a task sleeping in the function stalls the transition; `wake` lets it complete', async () => {
    const scenario = parseScenario(
      `name: stall
${STALL}steps:
  - load: {name: acme_fix, wait: false}
  - advance: 10s
  - expect:
      transition: acme_fix
      enabled: {acme_fix: true}
      live: {task: worker, function: cmdline_proc_show, runs: original}
  - expect: {live: {task: idle, function: cmdline_proc_show, runs: acme_fix}}
  - wake: worker
  - advance: 2s
  - expect:
      transition: none
      live: {task: worker, function: cmdline_proc_show, runs: acme_fix}
      log: ["livepatch: 'acme_fix': completing patching transition", "livepatch: 'acme_fix': patching complete"]
`,
      FILE,
    );
    const result = await runScenario(scenario);
    expect(result.expectations.filter((e) => !e.passed).map((e) => e.message)).toEqual([]);
    expect(result.expectations).toHaveLength(7);
    expect(result.passed).toBe(true);
  });

  it('`sleep` puts a task into a function: it stalls the next enable', async () => {
    const scenario = parseScenario(
      `name: sleep
${STALL}steps:
  - wake: worker
  - sleep: {task: idle, in: cmdline_proc_show}
  - load: {name: acme_fix, wait: false}
  - advance: 5s
  - expect: {transition: acme_fix, result: ok}
`,
      FILE,
    );
    const result = await runScenario(scenario);
    expect(result.expectations.filter((e) => !e.passed).map((e) => e.message)).toEqual([]);
    expect(result.expectations).toHaveLength(2);
  });

  it('a task sleeping in the new function stalls the disable (`module:function`)', async () => {
    const scenario = parseScenario(
      `name: sleep in the patch
${STALL}steps:
  - wake: worker
  - load: acme_fix
  - sleep: {task: idle, in: "acme_fix:livepatch_cmdline_proc_show"}
  - disable: {name: acme_fix, wait: false}
  - advance: 5s
  - expect: {transition: acme_fix}
  - wake: idle
  - advance: 2s
  - expect: {transition: none, order: []}
`,
      FILE,
    );
    const result = await runScenario(scenario);
    expect(result.expectations.filter((e) => !e.passed).map((e) => e.message)).toEqual([]);
    expect(result.expectations).toHaveLength(3);
  });

  it('a task that sleeps in a patched function sleeps in the replacement: it stalls the disable until forced, and the module stays pinned', async () => {
    const scenario = parseScenario(
      `name: sleep in a patched function
${STALL}steps:
  - wake: worker
  - load: acme_fix
  - sleep: {task: idle, in: cmdline_proc_show}
  - disable: {name: acme_fix, wait: false}
  - advance: 5s
  - expect: {transition: acme_fix, owner: {function: cmdline_proc_show, patch: acme_fix}}
  - force: acme_fix
  - advance: 2s
  - expect: {transition: none, order: [], owner: {function: cmdline_proc_show, patch: original}}
  - unload: acme_fix
  - expect: {result: EBUSY}
`,
      FILE,
    );
    const result = await runScenario(scenario);
    expect(result.expectations.filter((e) => !e.passed).map((e) => e.message)).toEqual([]);
    expect(result.expectations).toHaveLength(6);
  });

  it('`force` completes a stalled transition', async () => {
    const scenario = parseScenario(
      `name: force
${STALL}steps:
  - load: {name: acme_fix, wait: false}
  - advance: 3s
  - force: acme_fix
  - expect: {result: ok}
  - advance: 2s
  - expect:
      transition: none
      enabled: {acme_fix: true}
      owner: {function: cmdline_proc_show, patch: acme_fix}
      log: ["livepatch: 'acme_fix': patching complete"]
`,
      FILE,
    );
    const result = await runScenario(scenario);
    expect(result.expectations.filter((e) => !e.passed).map((e) => e.message)).toEqual([]);
    expect(result.expectations).toHaveLength(5);
  });

  it('`force` on a patch not in transition is refused, and recorded', async () => {
    const scenario = parseScenario(`name: force idle\npatches:\n${ACME}steps:\n  - load: acme_fix\n  - force: acme_fix\n  - expect: {result: EINVAL}\n`, FILE);
    const result = await runScenario(scenario);
    expect(result.failure).toBeUndefined();
    expect(result.expectations.map((e) => e.passed)).toEqual([true]);
  });

  it('`reverse` turns a stalled enable back', async () => {
    const scenario = parseScenario(
      `name: reverse
${STALL}steps:
  - load: {name: acme_fix, wait: false}
  - advance: 3s
  - reverse: acme_fix
  - expect:
      result: ok
      log: ["livepatch: 'acme_fix': reversing transition from patching to unpatching"]
  - advance: 3s
  - expect:
      transition: none
      enabled: {acme_fix: false}
      order: []
      owner: {function: cmdline_proc_show, patch: original}
`,
      FILE,
    );
    const result = await runScenario(scenario);
    expect(result.expectations.filter((e) => !e.passed).map((e) => e.message)).toEqual([]);
    expect(result.expectations).toHaveLength(6);
  });
});
