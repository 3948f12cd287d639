import { describe, expect, it } from 'vitest';
import type { Decision } from '@patchwise/core';
import { manifestModule, type PatchManifest } from '@patchwise/manifest';
import { applyPolicies } from '@patchwise/policy';
import { Machine } from '@patchwise/sim';
import { PolicyTester } from '@patchwise/testing';
import vendorTags, { defaults, generateVendorKeys, messages, optionsSchema } from '@patchwise/plugin-vendor-tags';

const acme: PatchManifest = { name: 'acme-1', vendor: 'acme', functions: ['cmdline_proc_show'] };
const globex: PatchManifest = { name: 'globex-1', vendor: 'globex', functions: ['cmdline_proc_show'] };

/** A machine with `installed` enabled before the policy is applied, so they may break its rules. */
async function machineWith(installed: PatchManifest[], options: unknown) {
  const machine = new Machine();
  for (const m of installed) machine.addModule(manifestModule(m));
  for (const m of installed) {
    expect(await machine.insmod(m.name)).toBe(0);
    machine.advance(2000);
  }
  applyPolicies(machine.livepatch, [{ policy: vendorTags, options }], { seal: false });
  const decisions: Decision[] = [];
  machine.livepatch.hooks.decision.tap('test', (d) => decisions.push(d));
  return { machine, decisions };
}

describe('reversing a transition', () => {
  it('keeps a patch whose disable is reversed, though it breaks a rule (it was judged when enabled)', async () => {
    const { machine, decisions } = await machineWith([acme, globex], {});
    expect(await machine.write('/sys/kernel/livepatch/globex-1/enabled', '0')).toBe(0);
    expect(machine.read('/sys/kernel/livepatch/globex-1/transition')).toBe('1\n');
    expect(await machine.write('/sys/kernel/livepatch/globex-1/enabled', '1')).toBe(0);
    machine.advance(2000);
    expect(machine.read('/sys/kernel/livepatch/globex-1/enabled')).toBe('1\n');
    expect(decisions.map((d) => [d.operation, d.allowed, d.findings.length])).toEqual([
      ['disable', true, 0],
      ['reverse', true, 0],
    ]);
  });

  it('lets an enable be reversed though the patch carries a tag another patch requires', async () => {
    const base = { ...acme, name: 'base-1', tags: ['base'] };
    const hotfix = { ...acme, name: 'hotfix-1', tags: ['hotfix'] };
    const { machine, decisions } = await machineWith([hotfix], { requiresTag: { hotfix: ['base'] } });
    machine.addModule(manifestModule(base));
    expect(await machine.insmod('base-1')).toBe(0);
    expect(await machine.write('/sys/kernel/livepatch/base-1/enabled', '0')).toBe(0);
    expect(decisions.map((d) => [d.operation, d.allowed])).toEqual([
      ['enable', true],
      ['reverse', true],
    ]);
  });

  it('but a plain disable of that patch is refused, and the refusal is logged', async () => {
    const base = { ...acme, name: 'base-1', tags: ['base'] };
    const hotfix = { ...acme, name: 'hotfix-1', tags: ['hotfix'] };
    const { machine } = await machineWith([base, hotfix], { requiresTag: { hotfix: ['base'] } });
    const mark = machine.log.mark;
    expect(await machine.write('/sys/kernel/livepatch/base-1/enabled', '0')).toBe(-1);
    expect(machine.log.records(mark).map((r) => r.text)).toEqual([
      "patchwise: vendor-tags: required-tag-removed: disabling 'base-1' would leave no enabled patch tagged `base`, required by 'hotfix-1' (tagged `hotfix`)",
      "patchwise: refusing to disable patch 'base-1'",
    ]);
  });
});

describe('dry runs (`check`)', () => {
  it('sees the same findings as the real enable, without enabling', async () => {
    const { machine } = await machineWith([acme], {});
    const decisions = await machine.livepatch.check({
      operation: 'enable',
      name: 'globex-1',
      patch: { objects: [{ name: null, funcs: [{ oldName: 'cmdline_proc_show', newFunc: 'x' }] }], metadata: { vendor: 'globex' } },
      loaded: false,
    });
    expect(decisions.flatMap((d) => d.findings.map((f) => f.code))).toEqual(['function-vendor-mismatch']);
    expect(machine.livepatch.patches.map((p) => p.name)).toEqual(['acme-1']);
  });
});

describe('options', () => {
  const tester = new PolicyTester();
  const run = (options: unknown) => tester.runCase(vendorTags, { enable: acme, options });

  it('defaults: same-vendor for both rules, signatures optional, no tag rules, prefix `replace-set:`', () => {
    expect(optionsSchema.parse(defaults)).toEqual({
      sameFunction: 'same-vendor',
      replace: 'same-vendor',
      replaceSetPrefix: 'replace-set:',
      requiresTag: {},
      conflictsWithTag: {},
      keys: {},
      signatures: 'optional',
    });
  });

  it('refuses an unknown option', async () => {
    await expect(run({ sameVendor: true })).rejects.toThrow(/unknown option `sameVendor`/);
  });

  it('refuses a value outside an option\'s choices, naming the option', async () => {
    await expect(run({ sameFunction: 'same-set' })).rejects.toThrow(/option `sameFunction`/);
    await expect(run({ signatures: 'yes' })).rejects.toThrow(/option `signatures`/);
  });

  it('refuses a key that is not an Ed25519 public key, naming the vendor', async () => {
    await expect(run({ keys: { acme: 'not a key' } })).rejects.toThrow(/option `keys\.acme`: expected a PEM public key/);
    const pair = generateVendorKeys();
    const err = await run({ keys: { acme: pair.privateKey } }).catch((e: Error) => e);
    expect(String(err)).toMatch(/option `keys\.acme`: this is a private key/);
    expect(String(err)).not.toContain(pair.privateKey.split('\n')[1]);
  });

  it('refuses `signatures: required` with no keys', async () => {
    await expect(run({ signatures: 'required' })).rejects.toThrow(/option `keys`: `signatures` is `required` but `keys` is empty/);
  });

  it('refuses empty tag lists and empty tags', async () => {
    await expect(run({ requiresTag: { hotfix: [] } })).rejects.toThrow(/option `requiresTag\.hotfix`/);
    await expect(run({ conflictsWithTag: { a: [''] } })).rejects.toThrow(/option `conflictsWithTag\.a\[0\]`/);
  });

  it('every message names the patch it is about', () => {
    for (const [id, template] of Object.entries(messages)) expect([id, template.includes("'{{patch}}'")]).toEqual([id, true]);
  });
});
