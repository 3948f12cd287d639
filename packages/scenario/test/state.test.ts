/**
 * Saved machine states (`run --save-state`, `check --state`): saveState, readState, restoreState.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScenario, readState, restoreState, runScenario, saveState, type Scenario } from '@patchwise/scenario';

const FILE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'inline.scenario.yaml');

const temp = mkdtempSync(join(tmpdir(), 'patchwise-state-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('saved state', () => {
  async function twoPatches(): Promise<{ scenario: Scenario; result: Awaited<ReturnType<typeof runScenario>> }> {
    const scenario = parseScenario(
      `name: state
machine: {release: 6.8.0-45-generic, time: "2026-11-24T10:00:00Z"}
patches:
  - {name: acme_fix, vendor: acme, version: 1.0.0, tags: [net], functions: [cmdline_proc_show]}
  - {name: acme_drv_fix, vendor: acme, version: 1.2.0, functions: ["acme_drv:acme_read"]}
modules: [{name: acme_drv, functions: [acme_read, acme_write], loaded: true}]
steps:
  - load: acme_fix
  - load: acme_drv_fix
  - expect: {order: [acme_fix, acme_drv_fix]}
`,
      FILE,
    );
    return { scenario, result: await runScenario(scenario) };
  }

  it('saveState records the release, time, patches in order, and target modules', async () => {
    const { scenario, result } = await twoPatches();
    expect(result.passed).toBe(true);
    const state = saveState(result.machine, scenario.patches);
    expect(state.format).toBe('patchwise-state/1');
    expect(state.release).toBe('6.8.0-45-generic');
    expect(Date.parse(state.time)).toBeGreaterThanOrEqual(Date.parse('2026-11-24T10:00:00Z'));
    expect(state.patches.map((p) => [p.manifest.name, p.enabled, p.transition])).toEqual([
      ['acme_fix', true, false],
      ['acme_drv_fix', true, false],
    ]);
    expect(state.patches[0]?.manifest).toEqual(scenario.patches[0]);
    expect(state.modules.map((m) => m.name)).toEqual(['acme_drv']);
    expect([...(state.modules[0]?.functions ?? [])].sort()).toEqual(['acme_read', 'acme_write']);
  });

  it('round trip: save, write, read back, restore', async () => {
    const { scenario, result } = await twoPatches();
    const state = saveState(result.machine, scenario.patches);
    const file = join(temp, 'prod.state.json');
    writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
    const read = readState(file);
    expect(read).toEqual(state);

    const machine = await restoreState(read);
    expect(machine.release).toBe('6.8.0-45-generic');
    expect(machine.livepatch.patches.map((p) => [p.name, p.enabled])).toEqual([
      ['acme_fix', true],
      ['acme_drv_fix', true],
    ]);
    expect(machine.livepatch.transitionPatch).toBeFalsy();
    expect(machine.modules.find('acme_drv')).toBeDefined();
    // The restored machine saves to the same state (time aside).
    const again = saveState(machine, read.patches.map((p) => p.manifest));
    expect({ ...again, time: '' }).toEqual({ ...state, time: '' });
  });

  it('a hand-written YAML state file reads and restores', async () => {
    const file = join(temp, 'hand.state.yaml');
    writeFileSync(
      file,
      `# written by hand
format: patchwise-state/1
release: 5.14.0-427.el9.x86_64
time: "2026-03-01T08:00:00.000Z"
modules:
  - {name: acme_drv, functions: [acme_read]}
patches:
  - enabled: true
    transition: false
    manifest: {name: acme_drv_fix, vendor: acme, functions: ["acme_drv:acme_read"]}
`,
    );
    const state = readState(file);
    expect(state.release).toBe('5.14.0-427.el9.x86_64');
    expect(state.patches.map((p) => p.manifest.name)).toEqual(['acme_drv_fix']);
    const machine = await restoreState(state);
    expect(machine.livepatch.patches.map((p) => [p.name, p.enabled])).toEqual([['acme_drv_fix', true]]);
    expect(machine.modules.find('acme_drv')).toBeDefined();
  });

  it('readState refuses what is not a state file, naming it', () => {
    const file = join(temp, 'not-state.json');
    writeFileSync(file, '{ "name": "acme_fix" }\n');
    expect(() => readState(file)).toThrow(expect.objectContaining({ code: 'PW_STATE', file }));
  });

  it('readState: an invalid manifest inside points at it', () => {
    const file = join(temp, 'bad-manifest.state.yaml');
    writeFileSync(
      file,
      'format: patchwise-state/1\nrelease: 6.8.0\ntime: "2026-01-01T00:00:00.000Z"\nmodules: []\npatches:\n  - enabled: true\n    transition: false\n    manifest: {name: x, functons: [a]}\n',
    );
    expect(() => readState(file)).toThrow(expect.objectContaining({ code: 'PW_MANIFEST', file, line: 8 }));
  });
});
