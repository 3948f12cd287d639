/**
 * A real system as the simulator's installed-state snapshot: what sysfs shows wins for what is
 * patched; the module found in the patch directory gives what only it knows.
 */
import { describe, expect, it } from 'vitest';
import { systemState } from '@patchwise/cli';
import type { PatchManifest } from '@patchwise/manifest';
import { restoreState } from '@patchwise/scenario';
import type { SystemSnapshot } from '@patchwise/sysfs';

const snapshot: SystemSnapshot = {
  release: '6.12.117+deb12-amd64',
  tainted: 12288,
  livepatch: true,
  patches: [
    {
      name: 'acme_cmdline',
      enabled: true,
      transition: false,
      replace: false,
      stackOrder: undefined,
      objects: [{ name: 'vmlinux', patched: true, functions: [{ name: 'cmdline_proc_show', sympos: 1 }] }],
    },
    {
      name: 'acme_target_fix',
      enabled: true,
      transition: true,
      replace: undefined,
      stackOrder: undefined,
      objects: [{ name: 'pw_target', patched: true, functions: [{ name: 'pw_target_work', sympos: 1 }, { name: 'pw_target_step', sympos: 2 }] }],
    },
  ],
  modules: [
    { name: 'acme_target_fix', size: 1, refcount: 1, users: [], state: 'Live', taint: 'OEK', initstate: 'live' },
    { name: 'old_patch', size: 1, refcount: 0, users: [], state: 'Live', taint: 'OEK', initstate: 'live' },
    { name: 'pw_target', size: 1, refcount: 1, users: ['acme_target_fix'], state: 'Live', taint: 'OE', initstate: 'live' },
    { name: 'acme_cmdline', size: 1, refcount: 1, users: [], state: 'Live', taint: 'OEK', initstate: 'live' },
  ],
  unknown: [],
};

const module: PatchManifest = {
  name: 'acme_cmdline',
  vendor: 'acme',
  version: '1.0.0',
  replace: true,
  objects: [{ name: 'vmlinux', functions: [{ name: 'something_else' }] }],
  states: [{ id: 1, version: 1 }],
};

describe('systemState', () => {
  const now = new Date('2026-12-01T10:00:00Z');
  const { state, unknown } = systemState(snapshot, new Map([['acme_cmdline', module]]), now);

  it('is a patchwise-state/1 snapshot of the release, the time and the installed patches in order', () => {
    expect(state.format).toBe('patchwise-state/1');
    expect(state.release).toBe('6.12.117+deb12-amd64');
    expect(state.time).toBe('2026-12-01T10:00:00.000Z');
    expect(state.patches.map((p) => [p.manifest.name, p.enabled, p.transition])).toEqual([
      ['acme_cmdline', true, false],
      ['acme_target_fix', true, true],
    ]);
  });

  it('takes what is patched (and replace) from sysfs, the rest from the module', () => {
    expect(state.patches[0]?.manifest).toEqual({
      name: 'acme_cmdline',
      vendor: 'acme',
      version: '1.0.0',
      states: [{ id: 1, version: 1 }],
      replace: false,
      objects: [{ name: 'vmlinux', functions: [{ name: 'cmdline_proc_show', object: 'vmlinux' }] }],
    });
    expect(state.patches[1]?.manifest.objects).toEqual([
      { name: 'pw_target', functions: [{ name: 'pw_target_work', object: 'pw_target' }, { name: 'pw_target_step', object: 'pw_target', sympos: 2 }] },
    ]);
  });

  it('lists the loaded target modules, not the livepatch modules (installed or disabled)', () => {
    expect(state.modules).toEqual([{ name: 'pw_target', functions: [] }]);
  });

  it('says what it could not know', () => {
    expect(unknown).toEqual(["the metadata of 'acme_target_fix' (vendor, version, states, replace (taken as not)): its module is not in the patch directory"]);
  });

  it('restores as a simulated machine with the same patches enabled', async () => {
    const machine = await restoreState(state);
    expect(machine.livepatch.patches.map((p) => [p.name, p.enabled, p.metadata['vendor'] ?? null])).toEqual([
      ['acme_cmdline', true, 'acme'],
      ['acme_target_fix', true, null],
    ]);
  });
});

describe('functions at a later position', () => {
  it('restore on the simulator, in vmlinux as in a module (a real kernel has them)', async () => {
    const patch = (name: string, object: string) => ({
      name,
      enabled: true,
      transition: false,
      replace: false,
      stackOrder: undefined,
      objects: [{ name: object, patched: true, functions: [{ name: 'dup_show', sympos: 2 }] }],
    });
    const snap: SystemSnapshot = {
      ...snapshot,
      patches: [patch('in_vmlinux', 'vmlinux'), patch('in_module', 'pw_target')],
      modules: [{ name: 'pw_target', size: 1, refcount: 1, users: [], state: 'Live', taint: 'OE', initstate: 'live' }],
    };
    const machine = await restoreState(systemState(snap, new Map(), new Date()).state);
    expect(machine.livepatch.patches.map((p) => p.name)).toEqual(['in_vmlinux', 'in_module']);
  });
});
