/**
 * `check MODULE.ko --system ROOT` decides exactly as `check MANIFEST --state FILE` does for the same
 * machine: the same findings and the same exit code, on modules built for Debian's 6.1 and 6.12.
 * The manifests are written by hand from the modules' C sources; the modules are kbuild's.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifestFile } from '@patchwise/manifest';
import { cli, fx, jsonLines, tempPath } from './support.js';

const KMOD_FIXTURES = join(fx('.'), '../../../kmod/test/fixtures');
const CONFIG = fx('configs/real.yaml');

/** A system with acme_cmdline installed, laid out as each kernel shows it (6.12 adds `replace`). */
function system(series: '6.1' | '6.12'): string {
  const root = tempPath(`system-${series}`);
  const lp = join(root, 'sys/kernel/livepatch/acme_cmdline');
  mkdirSync(join(lp, 'vmlinux/cmdline_proc_show,1'), { recursive: true });
  mkdirSync(join(root, 'proc/sys/kernel'), { recursive: true });
  writeFileSync(join(root, 'proc/sys/kernel/osrelease'), series === '6.1' ? '6.1.0-57-amd64\n' : '6.12.95+deb12-amd64\n');
  writeFileSync(join(root, 'proc/modules'), 'acme_cmdline 16384 1 - Live 0x0000000000000000 (OEK)\n');
  writeFileSync(join(lp, 'enabled'), '1\n');
  writeFileSync(join(lp, 'transition'), '0\n');
  if (series === '6.12') writeFileSync(join(lp, 'replace'), '0\n');
  writeFileSync(join(lp, 'vmlinux/patched'), '1\n');
  return root;
}

/** The same machine as a saved state, from the hand-written manifest. */
function state(series: '6.1' | '6.12'): string {
  const file = tempPath(`state-${series}.json`);
  const release = series === '6.1' ? '6.1.0-57-amd64' : '6.12.95+deb12-amd64';
  const manifest = loadManifestFile(fx('real/acme_cmdline.yaml'));
  writeFileSync(file, JSON.stringify({ format: 'patchwise-state/1', release, time: '2026-12-01T10:00:00.000Z', patches: [{ manifest, enabled: true, transition: false }], modules: [] }));
  return file;
}

/** What a decision says, without its id and time. */
const verdicts = (stdout: string) =>
  jsonLines(stdout)
    .filter((l) => l['type'] === 'decision')
    .map((d) => ({ patch: d['patch'], gate: d['gate'], outcome: d['outcome'], findings: d['findings'] }));

describe.each(['6.1', '6.12'] as const)('check on a real %s system', (series) => {
  const ko = (name: string) => join(KMOD_FIXTURES, series, 'nodebug', `${name}.ko`);
  const patchDir = join(KMOD_FIXTURES, series, 'nodebug');

  it("refuses beta's module exactly as beta's manifest against the saved state", async () => {
    const real = await cli(['check', ko('beta_cmdline'), '--system', system(series), '--patch-dir', patchDir, '-c', CONFIG, '--format', 'json', '--time', '2026-12-01T10:00:00Z']);
    const saved = await cli(['check', fx('real/beta_cmdline.yaml'), '--state', state(series), '-c', CONFIG, '--format', 'json']);
    expect(real.code, real.stderr).toBe(1);
    expect(saved.code, saved.stderr).toBe(1);
    expect(verdicts(real.stdout)).toEqual(verdicts(saved.stdout));
    expect(JSON.stringify(verdicts(real.stdout))).toContain('function-vendor-mismatch');
  });

  it("allows acme's cumulative replace, with the replace decision, as the manifests would", async () => {
    const real = await cli(['check', ko('acme_cumulative'), '--system', system(series), '--patch-dir', patchDir, '-c', CONFIG, '--format', 'json']);
    expect(real.code, real.stderr).toBe(0);
    expect(verdicts(real.stdout).map((d) => [d.gate, d.outcome])).toEqual([
      ['prePatch', 'allowed'],
      ['replace', 'allowed'],
    ]);
  });

  it("a requirement met by the installed patch's module is met; without --patch-dir it is not known, and the check fails closed", async () => {
    const withDir = await cli(['check', ko('acme_target_fix'), '--system', system(series), '--patch-dir', patchDir, '-c', CONFIG]);
    expect(withDir.code, withDir.stdout + withDir.stderr).toBe(0);
    const without = await cli(['check', ko('acme_target_fix'), '--system', system(series), '-c', CONFIG]);
    expect(without.code).toBe(1);
    expect(without.stdout).toContain('semver-deps/');
    expect(without.stderr).toContain("note: not known: the metadata of 'acme_cmdline'");
  });
});
