import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Decision } from '@patchwise/core';
import { loadManifestFile, manifestModule, type PatchManifest } from '@patchwise/manifest';
import semverDeps from '@patchwise/plugin-semver-deps';
import { applyPolicies } from '@patchwise/policy';
import { Machine } from '@patchwise/sim';

// The README's manifest example, read from the README itself, behaves as the README says.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const yamlBlocks = [...readme.slice(readme.indexOf('## Manifest example')).matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

function manifests(): Record<string, PatchManifest> {
  const dir = mkdtempSync(join(tmpdir(), 'semver-deps-readme-'));
  const loaded = yamlBlocks.map((text, i) => {
    const file = join(dir, `${i}.yaml`);
    writeFileSync(file, text);
    return loadManifestFile(file);
  });
  return Object.fromEntries(loaded.map((m) => [m.name, m]));
}

function boot(release: string, list: PatchManifest[], options: Record<string, unknown> = {}) {
  const machine = new Machine({ release, kernelFunctions: ['tcp_retransmit_skb', 'tcp_v4_rcv'] });
  for (const m of list) machine.addModule(manifestModule(m));
  const decisions: Decision[] = [];
  machine.livepatch.hooks.decision.tap('test', (d) => decisions.push(d));
  applyPolicies(machine.livepatch, [{ policy: semverDeps, options }], { seal: false });
  const codes = () => decisions.at(-1)!.findings.map((f) => f.code);
  return { machine, codes };
}

describe('README manifest example', () => {
  it('has the two manifests', () => {
    expect(Object.keys(manifests())).toEqual(['net-fixes-v3', 'net-extra']);
  });

  it('requires, then keeps, the cumulative patch', async () => {
    const { 'net-fixes-v3': v3, 'net-extra': extra } = manifests();
    const { machine, codes } = boot('6.8.0-45-generic', [v3!, extra!]);
    expect(await machine.insmod('net-extra')).toBe(-1);
    expect(codes()).toEqual(['unmet-requirement', 'unmet-requirement']);
    expect(await machine.insmod('net-fixes-v3')).toBe(0);
    machine.advance(2000);
    expect(await machine.insmod('net-extra')).toBe(0);
    machine.advance(2000);
    expect(await machine.write('/sys/kernel/livepatch/net-fixes-v3/enabled', '0')).toBe(-1);
    expect(codes()).toEqual(['required-by', 'required-by']);
    expect(await machine.write('/sys/kernel/livepatch/net-extra/enabled', '0')).toBe(0);
    machine.advance(2000);
    expect(await machine.write('/sys/kernel/livepatch/net-fixes-v3/enabled', '0')).toBe(0);
  });

  it('refuses an older cumulative patch of the lineage unless allowed', async () => {
    const { 'net-fixes-v3': v3 } = manifests();
    const v2 = { ...v3!, name: 'net-fixes-v2', version: '2.4.0' };
    for (const [options, result] of [
      [{}, -1],
      [{ allowDowngrade: true }, 0],
    ] as const) {
      const { machine, codes } = boot('6.8.0-45-generic', [v3!, v2], options);
      expect(await machine.insmod('net-fixes-v3')).toBe(0);
      machine.advance(2000);
      expect(await machine.insmod('net-fixes-v2')).toBe(result);
      if (result === -1) expect(codes()).toEqual(['downgrade']);
    }
  });

  it('refuses the cumulative patch on a kernel outside its range', async () => {
    const { 'net-fixes-v3': v3 } = manifests();
    const { machine, codes } = boot('6.10.5', [v3!]);
    expect(await machine.insmod('net-fixes-v3')).toBe(-1);
    expect(codes()).toEqual(['kernel-mismatch']);
    const onLts = boot('6.12.9-arch1-1', [v3!]);
    expect(await onLts.machine.insmod('net-fixes-v3')).toBe(0);
  });
});
