import { describe, expect, it } from 'vitest';
import type { Decision } from '@patchwise/core';
import { manifestModule, type PatchManifest } from '@patchwise/manifest';
import semverDeps from '@patchwise/plugin-semver-deps';
import { applyPolicies } from '@patchwise/policy';
import { Machine } from '@patchwise/sim';

/** A machine that can load `manifests`, the policy applied before anything is loaded. */
function boot(manifests: PatchManifest[], options: Record<string, unknown> = {}) {
  const machine = new Machine({ kernelFunctions: ['base_fn', 'app_fn', 'cumulative_fn'] });
  for (const m of manifests) machine.addModule(manifestModule(m));
  const decisions: Decision[] = [];
  machine.livepatch.hooks.decision.tap('test', (d) => decisions.push(d));
  applyPolicies(machine.livepatch, [{ policy: semverDeps, options }], { seal: false });
  return { machine, decisions };
}

const enabledPath = (name: string) => `/sys/kernel/livepatch/${name}/enabled`;

describe('semver-deps on a machine', () => {
  it('keeps a required patch enabled, and lets it go once its dependent is gone', async () => {
    const { machine } = boot([
      { name: 'base', version: '1.2.0', functions: ['base_fn'] },
      { name: 'app', version: '1.0.0', requires: { base: '^1' }, functions: ['app_fn'] },
    ]);
    expect(await machine.insmod('app')).toBe(-1);
    expect(await machine.insmod('base')).toBe(0);
    machine.advance(2000);
    expect(await machine.insmod('app')).toBe(0);
    machine.advance(2000);

    const mark = machine.log.mark;
    expect(await machine.write(enabledPath('base'), '0')).toBe(-1);
    expect(machine.log.records(mark).map((r) => r.text)).toEqual([
      "patchwise: semver-deps: required-by: patch 'base' is required by 'app' (`base ^1`), and no other enabled patch satisfies that",
      "patchwise: refusing to disable patch 'base'",
    ]);
    expect(machine.read(enabledPath('base')).trim()).toBe('1');

    expect(await machine.write(enabledPath('app'), '0')).toBe(0);
    machine.advance(2000);
    expect(await machine.write(enabledPath('base'), '0')).toBe(0);
    machine.advance(2000);
    expect(machine.livepatch.patches).toHaveLength(0);
  });

  it('a patch in an unpatching transition satisfies no requirement', async () => {
    const { machine, decisions } = boot([
      { name: 'base', version: '1.2.0', functions: ['base_fn'] },
      { name: 'app', version: '1.0.0', requires: { base: '^1' }, functions: ['app_fn'] },
    ]);
    expect(await machine.insmod('base')).toBe(0);
    machine.advance(2000);
    // A kthread asleep in base's replacement keeps base's unpatching transition from completing.
    const replacement = machine.kallsyms.address('base', 'livepatch_base_fn');
    expect(replacement).toBeTruthy();
    machine.spawn({ comm: 'sleeper', kthread: true, stack: [...machine.frames(['schedule']), replacement!, ...machine.frames(['kthread', 'ret_from_fork'])] });
    expect(await machine.write(enabledPath('base'), '0')).toBe(0);
    machine.advance(2000);
    expect(machine.livepatch.transitionPatch?.name).toBe('base');

    expect(await machine.insmod('app')).toBe(-1);
    const last = decisions.at(-1)!;
    expect(last.patch).toBe('app');
    expect(last.findings.map((f) => [f.code, f.data.patches])).toEqual([['unmet-requirement', ['app']]]);
  });

  it('an atomic replace of a lineage: forward allowed, backward refused, then allowed by option', async () => {
    const manifests: PatchManifest[] = [
      { name: 'fix-2', version: '2.0.0', lineage: 'fix', replace: true, functions: ['base_fn'] },
      { name: 'fix-3', version: '3.0.0', lineage: 'fix', replace: true, functions: ['base_fn', 'app_fn'] },
      { name: 'fix-1', version: '1.0.0', lineage: 'fix', replace: true, functions: ['base_fn'] },
    ];
    const strict = boot(manifests);
    expect(await strict.machine.insmod('fix-2')).toBe(0);
    strict.machine.advance(2000);
    expect(await strict.machine.insmod('fix-3')).toBe(0);
    strict.machine.advance(2000);
    expect(strict.machine.livepatch.patches.map((p) => p.name)).toEqual(['fix-3']);
    expect(await strict.machine.insmod('fix-1')).toBe(-1);
    expect(strict.decisions.at(-1)!.findings.map((f) => f.message)).toEqual([
      "atomic replace by 'fix-1' 1.0.0 would downgrade lineage `fix` from 'fix-3' 3.0.0",
    ]);

    const lenient = boot(manifests, { allowDowngrade: true });
    expect(await lenient.machine.insmod('fix-3')).toBe(0);
    lenient.machine.advance(2000);
    expect(await lenient.machine.insmod('fix-1')).toBe(0);
    lenient.machine.advance(2000);
    expect(lenient.machine.livepatch.patches.map((p) => p.name)).toEqual(['fix-1']);
  });

  it('never refuses reversing a disable; checks reversing an enable like a disable', async () => {
    const machine = new Machine({ kernelFunctions: ['base_fn', 'app_fn', 'legacy_fn'] });
    const manifests: PatchManifest[] = [
      { name: 'legacy', version: '1.0.0', functions: ['legacy_fn'] },
      { name: 'app', version: '1.0.0', requires: { base: '^1' }, conflicts: { legacy: '<2' }, functions: ['app_fn'] },
      { name: 'base', version: '1.2.0', functions: ['base_fn'] },
    ];
    for (const m of manifests) machine.addModule(manifestModule(m));
    // Installed before the policy: `app` conflicts with `legacy` and misses `base`.
    expect(await machine.insmod('legacy')).toBe(0);
    machine.advance(2000);
    expect(await machine.insmod('app')).toBe(0);
    machine.advance(2000);
    const decisions: Decision[] = [];
    machine.livepatch.hooks.decision.tap('test', (d) => decisions.push(d));
    applyPolicies(machine.livepatch, [{ policy: semverDeps }], { seal: false });
    const sleeperIn = (addr: string | undefined) =>
      machine.spawn({ comm: 'sleeper', kthread: true, stack: [...machine.frames(['schedule']), addr!, ...machine.frames(['kthread', 'ret_from_fork'])] });

    // Disabling `app` stalls on a task in its code; reversing that (back to enabled) is allowed
    // although `app` conflicts with `legacy`: it returns to where it was.
    sleeperIn(machine.kallsyms.address('app', 'livepatch_app_fn'));
    expect(await machine.write(enabledPath('app'), '0')).toBe(0);
    machine.advance(2000);
    expect(machine.livepatch.transitionPatch?.name).toBe('app');
    expect(await machine.write(enabledPath('app'), '1')).toBe(0);
    expect(decisions.at(-1)).toMatchObject({ gate: 'prePatch', operation: 'reverse', allowed: true, findings: [] });
    machine.advance(3000);
    expect(machine.livepatch.transitionPatch).toBeNull();

    // Enabling `base` stalls on a task in the original `base_fn`; reversing it would take away
    // what `app` requires.
    sleeperIn(machine.kallsyms.address('vmlinux', 'base_fn'));
    expect(await machine.insmod('base')).toBe(0);
    machine.advance(2000);
    expect(machine.livepatch.transitionPatch?.name).toBe('base');
    expect(await machine.write(enabledPath('base'), '0')).toBe(-1);
    expect(decisions.at(-1)).toMatchObject({ gate: 'preUnpatch', operation: 'reverse', allowed: false });
    expect(decisions.at(-1)!.findings.map((f) => [f.code, f.data.patches])).toEqual([['required-by', ['base', 'app']]]);
  });

  it('refuses options it does not know, naming them', () => {
    const machine = new Machine();
    expect(() => applyPolicies(machine.livepatch, [{ policy: semverDeps, options: { allowDowngrades: true } }])).toThrow(
      /unknown option `allowDowngrades`/,
    );
    expect(() => applyPolicies(new Machine().livepatch, [{ policy: semverDeps, options: { checkKernel: 'no' } }])).toThrow(/option `checkKernel`/);
  });
});
