/**
 * What `run --vm` decides before booting: which modules to generate and which steps a real kernel
 * cannot perform, each with its reason (nothing silently dropped). The module generator here is a
 * stand-in that refuses one function, as modgen refuses what it cannot express.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planScenario } from '@patchwise/cli';
import type { PatchManifest } from '@patchwise/manifest';
import { parseScenario } from '@patchwise/scenario';
import { temp } from './support.js';

const modgen = {
  livepatchModule(manifest: PatchManifest) {
    if (JSON.stringify(manifest).includes('schedule')) throw new Error('vmlinux function `schedule` cannot be replaced by a generated module');
    return { name: manifest.name, kernelName: manifest.name, kind: 'livepatch' as const, files: {} };
  },
  targetModule(m: { name: string }, tasks?: readonly { name: string }[]) {
    return { name: m.name, kernelName: m.name, kind: 'target' as const, files: { tasks: (tasks ?? []).map((t) => t.name).join(',') } };
  },
};

const scenario = (yaml: string) => parseScenario(yaml, join(temp, 'plan.scenario.yaml'));

describe('planScenario', () => {
  it('generates a module per patch and target module, kernel threads for tasks asleep in a module', () => {
    const plan = planScenario(
      scenario(`
name: plan
config: none
modules: [{name: tgt, functions: [work], loaded: true}]
tasks:
  - {name: worker, comm: kworker/u4:2, kthread: true, sleepsIn: "tgt:work"}
  - {name: reader, comm: cat}
patches:
  - {name: fix, functions: ["tgt:work", cmdline_proc_show]}
steps:
  - load: {name: fix, wait: false}
  - advance: 2s
  - wake: worker
  - sleep: {task: worker, in: "tgt:work"}
  - expect: {live: {task: reader, function: cmdline_proc_show, runs: fix}}
`),
      modgen,
      { policies: false },
    );
    expect(plan.modules.map((m) => `${m.kind} ${m.name}`)).toEqual(['target tgt', 'livepatch fix']);
    expect(plan.modules[0]?.files).toEqual({ tasks: 'worker' });
    expect([...plan.threads]).toEqual([['worker', { comm: 'kworker/u4:2', module: 'tgt' }]]);
    expect([...plan.absentTasks]).toEqual([]);
    expect([...plan.steps]).toEqual([]);
  });

  it('reports every step the kernel cannot perform, with why', () => {
    const plan = planScenario(
      scenario(`
name: plan
config: none
tasks:
  - {name: worker, kthread: true, sleepsIn: cmdline_proc_show}
  - {name: reader}
patches:
  - {name: fix, functions: [cmdline_proc_show]}
  - {name: sched_fix, functions: [schedule]}
steps:
  - load: fix
  - load: sched_fix
  - wake: worker
  - sleep: {task: reader, in: cmdline_proc_show}
  - reverse: fix
  - load_mod: test_klp_livepatch
  - wake: reader
  - load: test_klp_atomic_replace
`),
      modgen,
      { policies: true },
    );
    expect(plan.modules.map((m) => m.name)).toEqual(['fix']);
    expect(plan.missing.get('sched_fix')).toBe('patch `sched_fix`: vmlinux function `schedule` cannot be replaced by a generated module');
    expect(plan.absentTasks.get('worker')).toMatch(/task `worker` sleeps in vmlinux's `cmdline_proc_show`/);
    expect([...plan.steps.keys()]).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(plan.steps.get(1)).toMatch(/^patch `sched_fix`: vmlinux function `schedule`/);
    expect(plan.steps.get(2)).toMatch(/^task `worker` sleeps in vmlinux's/);
    expect(plan.steps.get(3)).toMatch(/^task `reader` has no kernel thread on a real kernel: only tasks that sleep in a target module's functions do/);
    expect(plan.steps.get(4)).toMatch(/gated, and the host cannot dry-run a reverse/);
    expect(plan.steps.get(5)).toMatch(/selftest modules \(test_klp_livepatch\) are not part of `run --vm`'s payload/);
    expect(plan.steps.get(6)).toMatch(/^task `reader` has no kernel thread on a real kernel, so nothing sleeps to be woken/);
    expect(plan.steps.get(7)).toMatch(/selftest modules \(test_klp_atomic_replace\) are not part/);
  });

  it('makes a task that is sent to sleep in a module later an idle thread of that module', () => {
    const plan = planScenario(
      scenario(`
name: later
config: none
modules: [{name: tgt, functions: [work, other], loaded: true}, {name: tgt2, functions: [w2], loaded: true}]
tasks: [{name: late, comm: late_worker}]
patches: [{name: fix, functions: ["tgt:work"]}]
steps:
  - sleep: {task: late, in: "tgt:work"}
  - wake: late
  - sleep: {task: late, in: "tgt2:w2"}
`),
      modgen,
      { policies: false },
    );
    expect(plan.modules.map((m) => [m.name, m.files])).toEqual([
      ['tgt', { tasks: 'late' }],
      ['tgt2', { tasks: '' }],
      ['fix', {}],
    ]);
    expect([...plan.threads]).toEqual([['late', { comm: 'late_worker', module: 'tgt' }]]);
    expect([...plan.steps]).toEqual([[2, 'task `late` is a kernel thread of module `tgt`: it can sleep only in that module\'s functions (or their replacements), not in `tgt2:w2`']]);
  });

  it('lets a reverse through when no policy decides it', () => {
    const plan = planScenario(scenario('name: r\nconfig: none\npatches: [{name: fix, functions: [cmdline_proc_show]}]\nsteps: [{reverse: fix}]\n'), modgen, { policies: false });
    expect([...plan.steps]).toEqual([]);
  });
});
