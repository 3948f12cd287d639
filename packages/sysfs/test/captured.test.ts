/**
 * The reader on sysfs trees captured from Debian's real 6.1 and 6.12 kernels (fixtures/sysfs, by
 * scripts/capture-sysfs-fixtures.mjs). What each tree must read as comes from the scenario the
 * capture ran (its CAPTURE.json and the fixtures README), not from this reader.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { materializeFixture, type MaterializedFixture } from '@patchwise/qemu';
import { readSystem, realMachine } from '@patchwise/sysfs';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/sysfs');
const opened: MaterializedFixture[] = [];
afterAll(async () => {
  for (const f of opened) await f.cleanup();
});

async function captured(series: string, scenario: string) {
  const fixture = await materializeFixture(join(FIXTURES, series, scenario));
  opened.push(fixture);
  return { root: fixture.root, release: (JSON.parse(readFileSync(join(FIXTURES, series, scenario, 'CAPTURE.json'), 'utf8')) as { kernel: { release: string } }).kernel.release };
}

const shape = (root: string) =>
  readSystem(root).patches.map((p) => ({
    name: p.name,
    enabled: p.enabled,
    transition: p.transition,
    replace: p.replace,
    objects: p.objects.map((o) => `${o.name}${o.patched ? '' : ' (unpatched)'}: ${o.functions.map((f) => `${f.name},${f.sympos}`).join(' ')}`),
  }));

describe.each([
  ['6.1', undefined],
  ['6.12', false],
] as const)('trees captured from %s', (series, noReplace) => {
  // 6.1 has no `replace` file: unknown there; 6.12 shows it.
  const replace = (value: boolean) => (noReplace === undefined ? undefined : value);

  it('no patches: an empty livepatch directory, the release as captured', async () => {
    const { root, release } = await captured(series, 'no-patches');
    const s = readSystem(root);
    expect(s.livepatch).toBe(true);
    expect(s.patches).toEqual([]);
    expect(s.release).toBe(release);
  });

  it('acme_cmdline enabled, its transition done', async () => {
    const { root } = await captured(series, 'acme-cmdline');
    expect(shape(root)).toEqual([{ name: 'acme_cmdline', enabled: true, transition: false, replace: replace(false), objects: ['vmlinux: cmdline_proc_show,1'] }]);
    const s = readSystem(root);
    expect(s.modules.find((m) => m.name === 'acme_cmdline')).toMatchObject({ refcount: 1, taint: 'OEK', state: 'Live', initstate: 'live' });
    expect(s.unknown.some((u) => u.includes('`replace`'))).toBe(series === '6.1');
  });

  it('acme_cmdline disabled: gone from sysfs, its module still loaded with refcount 0', async () => {
    const { root } = await captured(series, 'acme-cmdline-disabled');
    const s = readSystem(root);
    expect(s.patches).toEqual([]);
    expect(s.modules.find((m) => m.name === 'acme_cmdline')).toMatchObject({ refcount: 0, taint: 'OEK' });
  });

  it('a cumulative replace: only acme_cumulative left, replacing', async () => {
    const { root } = await captured(series, 'cumulative-replace');
    expect(shape(root)).toEqual([
      { name: 'acme_cumulative', enabled: true, transition: false, replace: replace(true), objects: ['vmlinux: cmdline_proc_show,1 version_proc_show,1'] },
    ]);
  });

  it('a target module patched by two patches, in load order, with the second pw_target_step', async () => {
    const { root } = await captured(series, 'target-module-patched');
    const s = shape(root);
    expect(s.map((p) => p.name)).toEqual(['acme_target_fix', 'acme_callbacks']);
    expect(s[0]?.objects).toEqual(['pw_target: pw_target_step,2 pw_target_work,1']);
    expect(s[1]?.objects.map((o) => o.split(':')[0])).toEqual(['vmlinux', 'pw_target']);
  });

  it('a stalled patching transition: transition 1, the pw_target kthread not yet patched', async () => {
    const { root } = await captured(series, 'stalled-patching');
    expect(shape(root)).toEqual([{ name: 'acme_target_fix', enabled: true, transition: true, replace: replace(false), objects: ['pw_target: pw_target_step,2 pw_target_work,1'] }]);
    expect(realMachine(root).tasks().filter((t) => t.comm === 'pw_target').map((t) => t.state)).toEqual([0]);
  });

  it('a stalled unpatching transition: enabled 0, transition 1, the kthread still patched', async () => {
    const { root } = await captured(series, 'stalled-unpatching');
    expect(shape(root)).toEqual([{ name: 'acme_target_fix', enabled: false, transition: true, replace: replace(false), objects: ['pw_target: pw_target_step,2 pw_target_work,1'] }]);
    expect(realMachine(root).tasks().filter((t) => t.comm === 'pw_target').map((t) => t.state)).toEqual([1]);
  });
});
