import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario, stackLine, type ScenarioEvent, type TraceEvent } from '@patchwise/scenario';

// A transition that stalls on a sleeping kernel thread until it wakes, a replace with callbacks
// on the way, and an unload.
const SCENARIO = `
name: traced
config: none
patches:
  - name: a_fix
    functions: [cmdline_proc_show]
    objects: [{name: vmlinux, callbacks: {prePatch: [{log: "set up x"}], postPatch: [{log: "x is up"}]}}]
  - {name: b_fix, replace: true, functions: [meminfo_proc_show]}
tasks:
  - {name: worker, comm: kw, kthread: true, sleepsIn: cmdline_proc_show}
steps:
  - load: {name: a_fix, wait: false}
  - advance: 2500
  - wake: worker
  - advance: 1s
  - load: b_fix
  - unload: a_fix
`;

const run = (trace: boolean) => runScenario(parseScenario(SCENARIO, 'traced.scenario.yaml'), { trace });
const traced = (events: readonly ScenarioEvent[]) =>
  events.filter((e): e is TraceEvent => ['transition', 'callback', 'module', 'patches'].includes(e.type));

describe('the lifecycle trace', () => {
  it('changes nothing the run does: the same log, the same decisions, no trace events when off', async () => {
    const [on, off] = await Promise.all([run(true), run(false)]);
    const log = (events: readonly ScenarioEvent[]) => events.flatMap((e) => (e.type === 'log' ? [`${e.record.time} ${e.record.text}`] : []));
    expect(log(on.events)).toEqual(log(off.events));
    expect(on.decisions).toEqual(off.decisions);
    expect(on.passed && off.passed).toBe(true);
    expect(traced(off.events)).toEqual([]);
  });

  it('records each transition step with machine time and how far the tasks got, naming the sleeper', async () => {
    const events = traced((await run(true)).events).filter((e) => e.type === 'transition' && e.patch === 'a_fix');
    expect(events.map((e) => e.type === 'transition' && `${e.time} ${e.kind}`)).toEqual([
      '0 init', '0 start', '0 retry', '1000 retry', '2000 retry', '3000 complete',
    ]);
    const retry = events[3];
    expect(retry?.type === 'transition' && retry.pending).toEqual([{ pid: expect.any(Number), comm: 'kw', reason: 'sleeping', blockedIn: 'cmdline_proc_show' }]);
    expect(retry?.type === 'transition' && retry.switched).toBe((retry?.type === 'transition' ? retry.tasks : 0) - 1);
    const done = events[5];
    expect(done?.type === 'transition' && done.switched === done.tasks && done.tasks > 1).toBe(true);
  });

  it('records modules as they come and go, callbacks as they run, and each change of the stacks', async () => {
    const events = traced((await run(true)).events);
    expect(events.flatMap((e) => (e.type === 'module' ? [`${e.time} ${e.action} ${e.module}`] : []))).toEqual([
      '0 load a_fix', '3500 load b_fix', '4500 remove a_fix',
    ]);
    // a_fix's callbacks, as its transition starts and completes; the patch-level points, where
    // nothing ran (no scoped-callbacks policy), are not recorded.
    expect(events.flatMap((e) => (e.type === 'callback' ? [`${e.time} ${e.patch} ${e.stage} ${e.object ?? '(point)'}`] : []))).toEqual([
      '0 a_fix prePatch vmlinux', '3000 a_fix postPatch vmlinux',
    ]);
    expect(events.flatMap((e) => (e.type === 'patches' ? [`${e.time} ${e.stacks.map(stackLine).join(' | ')}`] : []))).toEqual([
      '0 vmlinux:cmdline_proc_show: a_fix*',
      '3000 vmlinux:cmdline_proc_show: a_fix',
      '3500 vmlinux:cmdline_proc_show: b_fix (nop)* → a_fix | vmlinux:meminfo_proc_show: b_fix*',
      '4500 vmlinux:meminfo_proc_show: b_fix',
    ]);
  });
});
