import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario, stackLine, type ScenarioEvent } from '@patchwise/scenario';

const SCENARIO = `
name: stacks
config: none
patches:
  - {name: a_fix, functions: [cmdline_proc_show]}
  - {name: b_fix, functions: [cmdline_proc_show, meminfo_proc_show]}
  - {name: c_cumulative, replace: true, functions: [meminfo_proc_show]}
tasks:
  - {name: worker, kthread: true}
steps:
  - load: a_fix
  - load: b_fix
  - expect: {order: [a_fix, b_fix]}
  # Asleep in b_fix's version of the function: the cumulative patch cannot switch it yet.
  - sleep: {task: worker, in: "b_fix:livepatch_meminfo_proc_show"}
  - load: {name: c_cumulative, wait: false}
  - wake: worker
  - advance: 2s
`;

const stacksOf = (events: readonly ScenarioEvent[]) =>
  events.filter((e) => e.type === 'stacks').map((e) => (e.type === 'stacks' ? e.stacks.map(stackLine) : []));

describe('per-function stacks over time', () => {
  it('are recorded after every step that changes them, newest first, with nops and transitions marked', async () => {
    const result = await runScenario(parseScenario(SCENARIO, 'stacks.scenario.yaml'), { stacks: true });
    expect(result.passed).toBe(true);
    expect(stacksOf(result.events)).toEqual([
      ['vmlinux:cmdline_proc_show: a_fix'],
      ['vmlinux:cmdline_proc_show: b_fix → a_fix', 'vmlinux:meminfo_proc_show: b_fix'],
      // The cumulative patch is in transition (the worker sleeps in b_fix's function): its own
      // function and the nop that drops cmdline_proc_show sit on top, marked.
      ['vmlinux:cmdline_proc_show: c_cumulative (nop)* → b_fix → a_fix', 'vmlinux:meminfo_proc_show: c_cumulative* → b_fix'],
      // Completed: the replaced patches and the nop are gone.
      ['vmlinux:meminfo_proc_show: c_cumulative'],
    ]);
  });

  it('are not recorded unless asked for', async () => {
    const result = await runScenario(parseScenario(SCENARIO, 'stacks.scenario.yaml'));
    expect(result.passed).toBe(true);
    expect(stacksOf(result.events)).toEqual([]);
  });
});
