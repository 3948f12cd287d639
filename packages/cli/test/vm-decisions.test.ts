/**
 * `run --vm`'s decisions are made on the host from a real kernel's state: a snapshot as
 * `@patchwise/sysfs` reads it (here written by hand, as the kernel shows two patches), restored
 * with the scenario's manifests, the policies applied. The kernel's own refusals are not decisions.
 */
import { describe, expect, it } from 'vitest';
import { hostDecisions } from '@patchwise/cli';
import { policyEntries, resolveConfig } from '@patchwise/config';
import type { PatchManifest } from '@patchwise/manifest';
import type { SystemSnapshot } from '@patchwise/sysfs';

const manifest = (name: string, vendor: string, extra: Partial<PatchManifest> = {}) => ({ name, vendor, version: '1.0.0', functions: ['cmdline_proc_show'], ...extra }) as PatchManifest;
const manifests = new Map([manifest('acme_fix', 'acme'), manifest('beta_fix', 'beta'), manifest('acme_fix2', 'acme')].map((m) => [m.name, m]));

/** The kernel with acme_fix enabled, as readSystem reads it on 6.12. */
const snapshot: SystemSnapshot = {
  release: '6.12.95+deb12-amd64',
  bootId: undefined,
  tainted: 12288,
  livepatch: true,
  patches: [
    { name: 'acme_fix', enabled: true, transition: false, replace: false, stackOrder: undefined, objects: [{ name: 'vmlinux', patched: true, functions: [{ name: 'cmdline_proc_show', sympos: 1 }] }] },
  ],
  modules: [{ name: 'acme_fix', size: 16384, refcount: 1, users: [], state: 'Live', taint: 'OEK', initstate: 'live' }],
  unknown: [],
};

async function policies(plugins: unknown[]) {
  const resolved = await resolveConfig({ plugins } as never, { file: null, dir: process.cwd() });
  return { entries: policyEntries(resolved), audit: false };
}

describe('hostDecisions', () => {
  it("refuses a second vendor's patch of a function the kernel shows patched", async () => {
    const ds = await hostDecisions(snapshot, { kind: 'enable', name: 'beta_fix' }, manifests, await policies(['vendor-tags']), Date.parse('2026-12-01T00:00:00Z'));
    expect(ds.map((d) => [d.operation, d.patch, d.gate, d.allowed])).toEqual([['enable', 'beta_fix', 'prePatch', false]]);
    expect(ds[0]?.findings.map((f) => `${f.policy}/${f.code}`)).toEqual(['vendor-tags/function-vendor-mismatch']);
  });

  it("allows the same vendor's patch", async () => {
    const ds = await hostDecisions(snapshot, { kind: 'enable', name: 'acme_fix2' }, manifests, await policies(['vendor-tags']), Date.parse('2026-12-01T00:00:00Z'));
    expect(ds.map((d) => d.allowed)).toEqual([true]);
  });

  it("leaves the kernel's own refusals to the kernel (a module already loaded is no policy's finding)", async () => {
    const ds = await hostDecisions(snapshot, { kind: 'enable', name: 'acme_fix' }, manifests, await policies(['vendor-tags']), Date.parse('2026-12-01T00:00:00Z'));
    expect(ds.flatMap((d) => d.findings.map((f) => f.policy))).not.toContain('kernel');
    expect(ds.every((d) => d.allowed)).toBe(true);
  });

  it('decides a disable with the policies that gate it', async () => {
    const two: SystemSnapshot = {
      ...snapshot,
      patches: [...snapshot.patches, { ...(snapshot.patches[0] as SystemSnapshot['patches'][number]), name: 'hotfix' }],
      modules: [{ ...(snapshot.modules[0] as SystemSnapshot['modules'][number]), name: 'hotfix' }, ...snapshot.modules],
    };
    const deps = new Map([
      ['acme_fix', manifest('acme_fix', 'acme', { lineage: 'base', version: '1.2.0' } as Partial<PatchManifest>)],
      ['hotfix', manifest('hotfix', 'acme', { requires: { base: '^1.0.0' }, functions: ['meminfo_proc_show'] } as Partial<PatchManifest>)],
    ]);
    const ds = await hostDecisions(two, { kind: 'disable', name: 'acme_fix' }, deps, await policies(['semver-deps']), Date.parse('2026-12-01T00:00:00Z'));
    expect(ds.map((d) => [d.operation, d.allowed, d.findings.map((f) => `${f.policy}/${f.code}`)])).toEqual([['disable', false, ['semver-deps/required-by']]]);
  });
});
