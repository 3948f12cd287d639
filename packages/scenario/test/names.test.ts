/**
 * Names in steps and expectations are checked against what the scenario defines before anything
 * runs: a patch, module, task or function it does not have is bad input at its place, with a
 * did-you-mean, never an expectation that holds without checking anything.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Diagnostic } from '@patchwise/diagnostics';
import { parseScenario, runScenario } from '@patchwise/scenario';

const FILE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'inline.scenario.yaml');

const HEAD = `name: names
patches:
  - {name: acme_fix, vendor: acme, version: 1.0.0, functions: [cmdline_proc_show, 'acme_drv:acme_read']}
modules:
  - {name: acme_drv, functions: [acme_open], loaded: true}
tasks:
  - {name: worker, kthread: true}
steps:
  - load: acme_fix
`;

function refused(step: string): Diagnostic {
  try {
    parseScenario(`${HEAD}  - ${step}\n`, FILE);
  } catch (err) {
    if (err instanceof Diagnostic) return err;
    throw err;
  }
  throw new Error('the scenario parsed');
}

describe('an expectation naming what the scenario does not have is bad input', () => {
  it.each([
    ['expect: {enabled: {acme_fx: true}}', 'steps[1].expect.enabled.acme_fx', 'patch `acme_fx` is not in the scenario (did you mean `acme_fix`?)'],
    ['expect: {enabled: {beta_fix: false}}', 'steps[1].expect.enabled.beta_fix', 'patch `beta_fix` is not in the scenario'],
    ['expect: {order: [acme_fix, beta_fix]}', 'steps[1].expect.order[1]', 'patch `beta_fix` is not in the scenario'],
    ['expect: {transition: acme_fixx}', 'steps[1].expect.transition', 'patch `acme_fixx` is not in the scenario (did you mean `acme_fix`?)'],
    ['expect: {loaded: {acme_drvv: true}}', 'steps[1].expect.loaded.acme_drvv', 'module `acme_drvv` is not in the scenario (did you mean `acme_drv`?)'],
    ['expect: {owner: {function: cmdline_proc_shw, patch: acme_fix}}', 'steps[1].expect.owner.function', 'function `cmdline_proc_shw` is not in vmlinux (did you mean `cmdline_proc_show`?)'],
    ['expect: {owner: {function: "acme_drv:acme_reed", patch: acme_fix}}', 'steps[1].expect.owner.function', 'function `acme_drv:acme_reed` is not in module `acme_drv` (did you mean `acme_read`?)'],
    ['expect: {owner: {function: "nodrv:acme_read", patch: acme_fix}}', 'steps[1].expect.owner.function', 'module `nodrv` is not in the scenario'],
    ['expect: {owner: {function: cmdline_proc_show, patch: orignal}}', 'steps[1].expect.owner.patch', 'patch `orignal` is not in the scenario (did you mean `original`?)'],
    ['expect: {live: {task: worker, function: cmdline_proc_show, runs: acme}}', 'steps[1].expect.live.runs', 'patch `acme` is not in the scenario'],
    ['sleep: {task: worker, in: cmdline_proc_shoe}', 'steps[1].sleep.in', 'function `cmdline_proc_shoe` is not in vmlinux (did you mean `cmdline_proc_show`?)'],
  ])('%s', (step, path, reason) => {
    const err = refused(step);
    expect(err).toMatchObject({ code: 'PW_SCENARIO', file: FILE, path, line: 10 });
    expect(err.reason).toBe(reason);
  });

  it('an `owner` or `live` check with a field left out or misspelled is bad input', () => {
    expect(refused('expect: {owner: {function: cmdline_proc_show}}').message).toContain('missing `patch`');
    expect(refused('expect: {live: {task: worker, function: cmdline_proc_show, run: acme_fix}}').message).toContain('unknown key `run` (did you mean `runs`?)');
  });

  it('what the scenario has passes, and is checked when it runs', async () => {
    const scenario = parseScenario(
      `${HEAD}  - expect: {enabled: {acme_fix: true}, order: [acme_fix], transition: none, loaded: {acme_drv: true, test_klp_livepatch: false}, owner: {function: cmdline_proc_show, patch: acme_fix}, live: {task: worker, function: 'acme_drv:acme_read', runs: acme_fix}}\n`,
      FILE,
    );
    const result = await runScenario(scenario);
    expect(result.expectations.map((e) => [e.passed, e.message])).toEqual([
      [true, 'patch order ["acme_fix"]'],
      [true, 'enabled {"acme_fix":true}'],
      [true, 'transition none'],
      [true, 'owner of cmdline_proc_show is acme_fix'],
      [true, "task worker runs acme_fix's acme_drv:acme_read"],
      [true, 'loaded {"acme_drv":true,"test_klp_livepatch":false}'],
    ]);
  });
});
