/**
 * `run --compare`'s pure parts, without a kernel: the step-by-step diff, what is compared of a
 * log and of sysfs, the README section that explains differences, and who a probe says runs.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { compareLog, compareRuns, documentedDifferences, lineDiff, ownerFromProbe, parseTasks, simulate, stateLines, unexplained, type StepObservation } from '@patchwise/cli';
import { parseScenario } from '@patchwise/scenario';
import { temp } from './support.js';
import type { PatchManifest } from '@patchwise/manifest';
import type { SystemSnapshot } from '@patchwise/sysfs';

const step = (index: number, over: Partial<StepObservation> = {}): StepObservation => ({ index, name: index < 0 ? 'setup' : 'load', log: [], state: [], owners: {}, decisions: [], ...over });

describe('lineDiff', () => {
  it('is empty for equal lists and marks each side otherwise', () => {
    expect(lineDiff(['a', 'b'], ['a', 'b'])).toEqual([]);
    expect(lineDiff(['a', 'b', 'c'], ['a', 'x', 'c'])).toEqual(['- b', '+ x']);
    expect(lineDiff([], ['only kernel'])).toEqual(['+ only kernel']);
  });
});

describe('compareRuns', () => {
  it('finds no difference between identical runs', () => {
    const run = [step(-1), step(0, { log: ["livepatch: enabling patch 'a'"], state: ['patch a enabled=1 transition=0'], owners: { 'vmlinux:f': 'a' }, result: 'ok' })];
    expect(compareRuns(run, run)).toEqual([]);
  });

  it('names every kind of difference with its step, 1-based, the set-up as step 0', () => {
    const sim = [
      step(-1),
      step(0, {
        log: ["livepatch: 'a': patching complete"],
        state: ['patch a enabled=1 transition=0'],
        owners: { 'vmlinux:f': 'a' },
        decisions: [{ operation: 'enable', target: 'a', gate: 'prePatch', allowed: true, findings: [] }],
        result: 'ok',
      }),
    ];
    const vm = [
      step(-1, { notPerformable: 'not performable on 6.12.1: task `w` sleeps in vmlinux' }),
      step(0, {
        log: ["livepatch: 'a': patching complete", 'livepatch: signaling remaining tasks'],
        state: ['patch a enabled=1 transition=1'],
        owners: { 'vmlinux:f': 'original' },
        decisions: [{ operation: 'enable', target: 'a', gate: 'prePatch', allowed: false, findings: ['p/x error'] }],
        result: 'EPERM',
      }),
    ];
    const found = compareRuns(sim, vm);
    expect(found.map((d) => `${d.step} ${d.name} ${d.kind}`)).toEqual(['0 setup not-performable', '1 load log', '1 load state', '1 load owner', '1 load decision', '1 load result']);
    expect(found[1]?.lines).toEqual(['+ livepatch: signaling remaining tasks']);
    expect(found[2]?.lines).toEqual(['- patch a enabled=1 transition=0', '+ patch a enabled=1 transition=1']);
    expect(found[3]?.lines).toEqual(['vmlinux:f: simulator runs a, kernel runs original']);
    expect(found[4]?.lines).toEqual(["- allowed enable 'a' (prePatch)", "+ denied enable 'a' (prePatch): p/x error"]);
    expect(found[5]?.lines).toEqual(['simulator ok, kernel EPERM']);
  });

  it('does not compare an owner one side could not observe (during a transition)', () => {
    expect(compareRuns([step(0, { owners: { 'vmlinux:f': 'a' } })], [step(0, { owners: {} })])).toEqual([]);
  });

  it('reports once where the kernel run stopped', () => {
    const found = compareRuns([step(-1), step(0), step(1), step(2)], [step(-1), step(0)]);
    expect(found).toEqual([{ step: 2, name: 'load', kind: 'not-performable', lines: ['the kernel run stopped before this step'] }]);
  });
});

describe('compareLog', () => {
  it("keeps the simulator's filter's lines and a scenario module's own, never taint notices", () => {
    const lines = [
      '% insmod test_modules/a.ko',
      'a: loading out-of-tree module taints kernel.',
      'a: tainting kernel with TAINT_LIVEPATCH',
      "livepatch: enabling patch 'a'",
      'a: set up x',
      'other: hello',
      'patchwise: refusing to enable patch',
    ];
    expect(compareLog(lines, ['a'])).toEqual(["livepatch: enabling patch 'a'", 'a: set up x']);
  });
});

describe('stateLines', () => {
  it('lists patches in order with their objects and functions, then the loaded scenario modules', () => {
    const snapshot: SystemSnapshot = {
      release: '6.12.0',
      bootId: undefined,
      tainted: 0,
      livepatch: true,
      patches: [
        { name: 'a', enabled: true, transition: false, replace: false, stackOrder: undefined, objects: [{ name: 'vmlinux', patched: true, functions: [{ name: 'f', sympos: 1 }] }] },
        { name: 'b', enabled: false, transition: true, replace: undefined, stackOrder: undefined, objects: [] },
      ],
      modules: [
        { name: 'b', size: 1, refcount: 1, users: [], state: 'Live', taint: 'OEK', initstate: undefined },
        { name: 'virtio_pci', size: 1, refcount: 0, users: [], state: 'Live', taint: '', initstate: undefined },
      ],
      unknown: [],
    };
    expect(stateLines(snapshot, ['a', 'b', 'tgt'])).toEqual([
      'patch a enabled=1 transition=0 replace=0',
      '  object a/vmlinux patched=1',
      '    func a/vmlinux/f,1',
      'patch b enabled=0 transition=1',
      'module b loaded',
    ]);
  });
});

describe('documentedDifferences', () => {
  const readme = [
    '# An example',
    '## On a real kernel',
    'Text.',
    '- `kernel.scenario.yaml` step 0 `setup` not-performable: the worker sleeps in vmlinux',
    '- `kernel.scenario.yaml` step 2 `advance` log (6.1): only 6.1 says so',
    '* `force.scenario.yaml` steps 3-5 `*` state, owner: no worker',
    '## Next',
    '- `x.scenario.yaml` step 1 `load` log: not in the section',
  ].join('\n');

  it('reads the bullets of the section only', () => {
    expect(documentedDifferences(readme)).toEqual([
      { file: 'kernel.scenario.yaml', from: 0, to: 0, name: 'setup', kinds: ['not-performable'], explanation: 'the worker sleeps in vmlinux' },
      { file: 'kernel.scenario.yaml', from: 2, to: 2, name: 'advance', kinds: ['log'], kernels: ['6.1'], explanation: 'only 6.1 says so' },
      { file: 'force.scenario.yaml', from: 3, to: 5, name: '*', kinds: ['state', 'owner'], explanation: 'no worker' },
    ]);
    expect(documentedDifferences('# none')).toEqual([]);
  });

  it('refuses a bullet it cannot read, naming it', () => {
    expect(() => documentedDifferences('## On a real kernel\n- `a.yaml` step one `load` log: x')).toThrow(/cannot read .*step one/);
    expect(() => documentedDifferences('## On a real kernel\n- `a.yaml` step 1 `load` logs: x')).toThrow(/KIND one of/);
    expect(() => documentedDifferences('## On a real kernel\n- `a.yaml` steps 5-2 `*` log: x')).toThrow(/cannot read/);
  });

  it('leaves unexplained what no bullet names for that file, step, kind and kernel', () => {
    const documented = documentedDifferences(readme);
    const d = (step: number, name: string, kind: 'log' | 'not-performable' | 'state' | 'owner') => ({ step, name, kind, lines: [] });
    const found = [d(0, 'setup', 'not-performable'), d(2, 'advance', 'log')];
    expect(unexplained(found, 'examples/x/kernel.scenario.yaml', '6.1', documented)).toEqual([]);
    expect(unexplained(found, 'examples/x/kernel.scenario.yaml', '6.12', documented)).toEqual([d(2, 'advance', 'log')]);
    expect(unexplained(found, 'examples/x/force.scenario.yaml', '6.1', documented)).toEqual(found);
    const ranged = [d(3, 'load', 'state'), d(5, 'expect', 'owner'), d(5, 'expect', 'log'), d(6, 'load', 'state')];
    expect(unexplained(ranged, 'force.scenario.yaml', '6.12', documented)).toEqual([d(5, 'expect', 'log'), d(6, 'load', 'state')]);
  });
});

describe('ownerFromProbe', () => {
  const patches = [
    { name: 'acme_fix', functions: [{ name: 'cmdline_proc_show', output: "acme's fix\n" }] },
    { name: 'acme_fix2', functions: ['cmdline_proc_show'] },
  ] as unknown as PatchManifest[];
  const defaultOutput = (p: string) => `${p}: this has been live patched\n`;
  it("names the patch whose output the probe printed, else the original", () => {
    expect(ownerFromProbe("acme's fix\n", 'vmlinux', 'cmdline_proc_show', patches, defaultOutput)).toBe('acme_fix');
    expect(ownerFromProbe('acme_fix2: this has been live patched\n', 'vmlinux', 'cmdline_proc_show', patches, defaultOutput)).toBe('acme_fix2');
    expect(ownerFromProbe('console=ttyS0 quiet\n', 'vmlinux', 'cmdline_proc_show', patches, defaultOutput)).toBe('original');
    expect(ownerFromProbe("acme's fix\n", 'vmlinux', 'meminfo_proc_show', patches, defaultOutput)).toBe('original');
  });
});

describe('parseTasks', () => {
  it('reads pid, patch state and comm, skipping anything else', () => {
    expect(parseTasks('1 -1 init\n42 0 kworker/u4:2\nbad line\n7 2 x\n')).toEqual([
      { pid: 1, state: -1, comm: 'init' },
      { pid: 42, state: 0, comm: 'kworker/u4:2' },
    ]);
  });
});

describe('simulate (the simulator side of --compare)', () => {
  const yaml = `
name: two vendors
config: none
patches:
  - {name: acme_fix, functions: [{name: cmdline_proc_show, output: "acme\\n"}]}
  - {name: beta_fix, replace: true, functions: [meminfo_proc_show]}
steps:
  - load: acme_fix
  - load: beta_fix
  - unload: acme_fix
`;
  it("observes each step as the real kernel's reader would, keyed to the kernel's release", async () => {
    const scenario = parseScenario(yaml, join(temp, 'sim.scenario.yaml'));
    const on612 = await simulate(scenario, { entries: [], audit: false }, '6.12.95+deb12-amd64');
    expect(on612.steps.map((s) => `${s.index} ${s.name}`)).toEqual(['-1 setup', '0 load', '1 load', '2 unload']);
    expect(on612.steps[1]?.state).toEqual([
      'patch acme_fix enabled=1 transition=0 replace=0',
      '  object acme_fix/vmlinux patched=1',
      '    func acme_fix/vmlinux/cmdline_proc_show,1',
      'module acme_fix loaded',
    ]);
    expect(on612.steps[1]?.log).toEqual([
      "livepatch: enabling patch 'acme_fix'",
      "livepatch: 'acme_fix': initializing patching transition",
      "livepatch: 'acme_fix': starting patching transition",
      "livepatch: 'acme_fix': completing patching transition",
      "livepatch: 'acme_fix': patching complete",
    ]);
    expect(on612.steps[1]?.owners).toEqual({ 'vmlinux:cmdline_proc_show': 'acme_fix', 'vmlinux:meminfo_proc_show': 'original' });
    // The atomic replace leaves acme_fix's function to a nop: the original runs again.
    expect(on612.steps[2]?.owners).toEqual({ 'vmlinux:cmdline_proc_show': 'original', 'vmlinux:meminfo_proc_show': 'beta_fix' });
    expect(on612.steps[3]?.result).toBe('ok');
    // 6.1 has no `replace` file: the same reader sees none.
    const on61 = await simulate(scenario, { entries: [], audit: false }, '6.1.0-57-amd64');
    expect(on61.steps[1]?.state[0]).toBe('patch acme_fix enabled=1 transition=0');
  });
});
