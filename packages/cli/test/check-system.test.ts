/**
 * `check MODULE.ko --system ROOT` decides exactly as `check MANIFEST --state FILE` does for the same
 * machine: the same findings and the same exit code, on modules built for Debian's 6.1 and 6.12.
 * The manifests are written by hand from the modules' C sources; the modules are kbuild's.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { materializeFixture, type MaterializedFixture } from '@patchwise/qemu';
import { loadManifestFile } from '@patchwise/manifest';
import { cli, fx, jsonLines, tempPath } from './support.js';

const KMOD_FIXTURES = join(fx('.'), '../../../kmod/test/fixtures');
const CONFIG = fx('configs/real.yaml');

const SYSFS_FIXTURES = join(fx('.'), '../../../../fixtures/sysfs');
const opened: MaterializedFixture[] = [];
afterAll(async () => {
  for (const f of opened) await f.cleanup();
});

/** A system with acme_cmdline installed, as captured from the real kernel. */
async function system(series: '6.1' | '6.12'): Promise<string> {
  const fixture = await materializeFixture(join(SYSFS_FIXTURES, series, 'acme-cmdline'));
  opened.push(fixture);
  return fixture.root;
}

/** The same machine as a saved state, from the hand-written manifest. */
function state(series: '6.1' | '6.12'): string {
  const file = tempPath(`state-${series}.json`);
  const capture = JSON.parse(readFileSync(join(SYSFS_FIXTURES, series, 'acme-cmdline', 'CAPTURE.json'), 'utf8')) as { kernel: { release: string } };
  const release = capture.kernel.release;
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
    const real = await cli(['check', ko('beta_cmdline'), '--system', await system(series), '--patch-dir', patchDir, '-c', CONFIG, '--format', 'json', '--time', '2026-12-01T10:00:00Z']);
    const saved = await cli(['check', fx('real/beta_cmdline.yaml'), '--state', state(series), '-c', CONFIG, '--format', 'json']);
    expect(real.code, real.stderr).toBe(1);
    expect(saved.code, saved.stderr).toBe(1);
    expect(verdicts(real.stdout)).toEqual(verdicts(saved.stdout));
    expect(JSON.stringify(verdicts(real.stdout))).toContain('function-vendor-mismatch');
  });

  it("allows acme's cumulative replace, with the replace decision, as the manifests would", async () => {
    const real = await cli(['check', ko('acme_cumulative'), '--system', await system(series), '--patch-dir', patchDir, '-c', CONFIG, '--format', 'json']);
    expect(real.code, real.stderr).toBe(0);
    expect(verdicts(real.stdout).map((d) => [d.gate, d.outcome])).toEqual([
      ['prePatch', 'allowed'],
      ['replace', 'allowed'],
    ]);
  });

  it("a requirement met by the installed patch's module is met; without --patch-dir it is not known, and the check fails closed", async () => {
    const withDir = await cli(['check', ko('acme_target_fix'), '--system', await system(series), '--patch-dir', patchDir, '-c', CONFIG]);
    expect(withDir.code, withDir.stdout + withDir.stderr).toBe(0);
    const without = await cli(['check', ko('acme_target_fix'), '--system', await system(series), '-c', CONFIG]);
    expect(without.code).toBe(1);
    expect(without.stdout).toContain('semver-deps/');
    expect(without.stderr).toContain("note: not known: the metadata of 'acme_cmdline'");
  });
});
