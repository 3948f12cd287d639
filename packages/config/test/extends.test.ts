/**
 * `extends` (presets, relative files, packages), the override order between layers, the ways to
 * name a plugin, inline policies, and where print-config says each value came from.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatConfig, loadConfig, policyEntries, PRESETS, printableConfig } from '@patchwise/config';
import { definePolicy } from '@patchwise/policy';
import vendorTags from '@patchwise/plugin-vendor-tags';
import { cleanup, localPolicySource, tempProject } from './support.js';

afterAll(cleanup);

const STANDARD = ['vendor-tags', 'scoped-callbacks', 'semver-deps'];

const pluginsOf = (config: Awaited<ReturnType<typeof loadConfig>>) => Object.fromEntries(config.plugins.map((p) => [p.name, p]));

describe('presets', () => {
  it('patchwise:recommended gives the three standard plugins at error', async () => {
    const dir = tempProject({ 'patchwise.config.yaml': 'extends: patchwise:recommended\n' });
    const config = await loadConfig({ cwd: dir });
    expect(config.plugins.map((p) => p.name).sort()).toEqual([...STANDARD].sort());
    for (const p of config.plugins) {
      expect(p.severity).toBe('error');
      expect(p.origin.plugin).toBe('patchwise:recommended');
    }
    expect(config.audit).toBe(false);
  });

  it('patchwise:recommended, as the only entry of a list', async () => {
    const config = await loadConfig({ config: { extends: ['patchwise:recommended'] } });
    expect(config.plugins.map((p) => p.name).sort()).toEqual([...STANDARD].sort());
  });

  it('patchwise:audit sets audit, from the preset', async () => {
    const dir = tempProject({ 'patchwise.config.yaml': 'extends: patchwise:audit\n' });
    const config = await loadConfig({ cwd: dir });
    expect(config.audit).toBe(true);
    expect(config.origin.audit).toBe('patchwise:audit');
    expect(config.plugins.map((p) => p.name).sort()).toEqual([...STANDARD].sort());
  });

  it('a file that extends patchwise:audit may turn audit off again', async () => {
    const dir = tempProject({ 'patchwise.config.yaml': 'extends: patchwise:audit\naudit: false\n' });
    const config = await loadConfig({ cwd: dir });
    expect(config.audit).toBe(false);
    expect(config.origin.audit).toBe(join(dir, 'patchwise.config.yaml'));
  });

  it('the presets are the documented three', () => {
    expect(Object.keys(PRESETS).sort()).toEqual(['patchwise:audit', 'patchwise:permissive', 'patchwise:recommended']);
  });

  it('patchwise:permissive turns every rule of the standard plugins off', async () => {
    const config = await loadConfig({ config: { extends: 'patchwise:permissive' } });
    const plugins = pluginsOf(config);
    expect(plugins['vendor-tags']?.options).toMatchObject({ sameFunction: 'any', replace: 'any', signatures: 'off' });
    expect(plugins['scoped-callbacks']?.options).toEqual({ blockDisable: 'ignore' });
    expect(plugins['semver-deps']?.options).toMatchObject({ allowDowngrade: true, requireVersion: false, checkKernel: false });
  });

  it('the standard plugins run with their own defaults', async () => {
    const config = await loadConfig({ config: { extends: 'patchwise:recommended' } });
    expect(pluginsOf(config)['vendor-tags']?.options).toMatchObject({ sameFunction: 'same-vendor', replace: 'same-vendor' });
  });
});

describe('extending files', () => {
  it('a relative file: its plugins and values come first, from that file', async () => {
    const dir = tempProject({
      'base.yaml': 'gateTimeoutMs: 900\nplugins:\n  - plugin: vendor-tags\n    severity: warn\n',
      'patchwise.config.yaml': 'extends: ./base.yaml\nplugins: [semver-deps]\n',
    });
    const config = await loadConfig({ cwd: dir });
    expect(config.plugins.map((p) => p.name)).toEqual(['vendor-tags', 'semver-deps']);
    expect(config.gateTimeoutMs).toBe(900);
    expect(config.origin.gateTimeoutMs).toBe(join(dir, 'base.yaml'));
    const vt = pluginsOf(config)['vendor-tags'];
    expect(vt?.severity).toBe('warn');
    expect(vt?.origin.plugin).toBe(join(dir, 'base.yaml'));
    expect(vt?.origin.severity).toBe(join(dir, 'base.yaml'));
  });

  it('relative paths resolve from the extending file, and chains of extends are followed', async () => {
    const dir = tempProject({
      'shared/root.json': '{ "audit": true }\n',
      'shared/team.yaml': 'extends: ./root.json\nplugins: [scoped-callbacks]\n',
      'app/patchwise.config.yaml': 'extends: ../shared/team.yaml\n',
    });
    const config = await loadConfig({ cwd: join(dir, 'app') });
    expect(config.audit).toBe(true);
    expect(config.origin.audit).toBe(join(dir, 'shared', 'root.json'));
    expect(config.plugins.map((p) => p.name)).toEqual(['scoped-callbacks']);
  });

  it('a list of extends is applied in order: a later entry wins over an earlier one', async () => {
    const dir = tempProject({
      'one.yaml': 'gateTimeoutMs: 100\n',
      'two.yaml': 'gateTimeoutMs: 200\n',
      'patchwise.config.yaml': 'extends: [./one.yaml, ./two.yaml]\n',
    });
    const config = await loadConfig({ cwd: dir });
    expect(config.gateTimeoutMs).toBe(200);
    expect(config.origin.gateTimeoutMs).toBe(join(dir, 'two.yaml'));
  });

  it('a diamond (two files extending one base) is not a cycle', async () => {
    const dir = tempProject({
      'base.yaml': 'gateTimeoutMs: 300\n',
      'left.yaml': 'extends: ./base.yaml\nplugins: [vendor-tags]\n',
      'right.yaml': 'extends: ./base.yaml\nplugins: [semver-deps]\n',
      'patchwise.config.yaml': 'extends: [./left.yaml, ./right.yaml]\n',
    });
    const config = await loadConfig({ cwd: dir });
    expect(config.gateTimeoutMs).toBe(300);
    expect(config.plugins.map((p) => p.name)).toEqual(['vendor-tags', 'semver-deps']);
  });

  it('a base extended twice is applied once, where it is first extended', async () => {
    // Applied again after `left`, the base would undo what `left` changed.
    const dir = tempProject({
      'base.yaml': 'gateTimeoutMs: 300\n',
      'left.yaml': 'extends: ./base.yaml\ngateTimeoutMs: 700\n',
      'right.yaml': 'extends: ./base.yaml\nplugins: [semver-deps]\n',
      'patchwise.config.yaml': 'extends: [./left.yaml, ./right.yaml]\n',
    });
    const config = await loadConfig({ cwd: dir });
    expect(config.gateTimeoutMs).toBe(700);
    expect(config.origin.gateTimeoutMs).toBe(join(dir, 'left.yaml'));
  });

  it('each file is loaded once: 40 files each extending the next twice load in one pass each', async () => {
    // Followed as a tree, this graph has 2^40 paths: the load would never end.
    const files: Record<string, string> = { 'c40.yaml': 'gateTimeoutMs: 40\n' };
    for (let i = 0; i < 40; i += 1) files[`c${i}.yaml`] = `extends: [./c${i + 1}.yaml, ./c${i + 1}.yaml]\n`;
    const dir = tempProject({ ...files, 'patchwise.config.yaml': 'extends: ./c0.yaml\n' });
    const config = await loadConfig({ cwd: dir });
    expect(config.gateTimeoutMs).toBe(40);
    expect(config.origin.gateTimeoutMs).toBe(join(dir, 'c40.yaml'));
  });

  it('a package (a shareable config in node_modules)', async () => {
    const dir = tempProject({
      'node_modules/patchwise-config-acme/package.json': '{ "name": "patchwise-config-acme", "version": "1.0.0", "main": "config.json" }\n',
      'node_modules/patchwise-config-acme/config.json': '{ "audit": true, "plugins": ["semver-deps"] }\n',
      'patchwise.config.yaml': 'extends: patchwise-config-acme\n',
    });
    const config = await loadConfig({ cwd: dir });
    expect(config.audit).toBe(true);
    expect(config.plugins.map((p) => p.name)).toEqual(['semver-deps']);
    expect(config.origin.audit).toBe(join(dir, 'node_modules', 'patchwise-config-acme', 'config.json'));
  });
});

describe('override order, per policy name', () => {
  it("the child's severity wins, and a severity-only override keeps the parent's options", async () => {
    const dir = tempProject({
      'base.yaml': 'plugins:\n  - plugin: vendor-tags\n    severity: warn\n    options: { sameFunction: deny, replace: any }\n',
      'patchwise.config.yaml': 'extends: ./base.yaml\nplugins:\n  - plugin: vendor-tags\n    severity: error\n',
    });
    const config = await loadConfig({ cwd: dir });
    expect(config.plugins).toHaveLength(1);
    const vt = config.plugins[0];
    expect(vt?.severity).toBe('error');
    expect(vt?.origin.severity).toBe(join(dir, 'patchwise.config.yaml'));
    expect(vt?.options).toMatchObject({ sameFunction: 'deny', replace: 'any' });
    expect(vt?.origin.options).toBe(join(dir, 'base.yaml'));
    expect(vt?.origin.plugin).toBe(join(dir, 'base.yaml'));
  });

  it("the child's options win over the parent's", async () => {
    const dir = tempProject({
      'base.yaml': 'plugins:\n  - plugin: vendor-tags\n    options: { sameFunction: deny }\n',
      'patchwise.config.yaml': 'extends: ./base.yaml\nplugins:\n  - plugin: vendor-tags\n    options: { sameFunction: any }\n',
    });
    const config = await loadConfig({ cwd: dir });
    const vt = pluginsOf(config)['vendor-tags'];
    expect(vt?.options).toMatchObject({ sameFunction: 'any' });
    expect(vt?.origin.options).toBe(join(dir, 'patchwise.config.yaml'));
    expect(vt?.origin.optionKeys.sameFunction).toBe(join(dir, 'patchwise.config.yaml'));
    // Nobody set severity: the default, `error`.
    expect(vt?.severity).toBe('error');
  });

  it('overriding one preset plugin keeps the other two, once each', async () => {
    const dir = tempProject({
      'patchwise.config.yaml': 'extends: patchwise:recommended\nplugins:\n  - plugin: semver-deps\n    severity: warn\n',
    });
    const config = await loadConfig({ cwd: dir });
    expect(config.plugins.map((p) => p.name).sort()).toEqual([...STANDARD].sort());
    const byName = pluginsOf(config);
    expect(byName['semver-deps']?.severity).toBe('warn');
    expect(byName['semver-deps']?.origin.severity).toBe(join(dir, 'patchwise.config.yaml'));
    expect(byName['semver-deps']?.origin.plugin).toBe('patchwise:recommended');
    expect(byName['vendor-tags']?.severity).toBe('error');
    expect(byName['scoped-callbacks']?.severity).toBe('error');
  });

  it('merging is by policy name: a short name and the package name are one plugin', async () => {
    const dir = tempProject({
      'base.yaml': 'plugins:\n  - plugin: vendor-tags\n    options: { replace: any }\n',
      'patchwise.config.yaml': "extends: ./base.yaml\nplugins:\n  - plugin: '@patchwise/plugin-vendor-tags'\n    severity: off\n",
    });
    const config = await loadConfig({ cwd: dir });
    expect(config.plugins).toHaveLength(1);
    expect(config.plugins[0]?.name).toBe('vendor-tags');
    expect(config.plugins[0]?.severity).toBe('off');
  });

  it('`off` is handed on as a severity (the policy set does not run it)', async () => {
    const config = await loadConfig({ config: { extends: 'patchwise:recommended', plugins: [{ plugin: 'vendor-tags', severity: 'off' }] } });
    const entries = policyEntries(config);
    const vt = entries.find((e) => e.policy.name === 'vendor-tags');
    expect(vt?.severity).toBe('off');
  });

  it('a plugin named twice in one file is configured again: the later entry wins', async () => {
    const config = await loadConfig({
      config: { plugins: [{ plugin: 'vendor-tags', severity: 'warn' }, { plugin: 'vendor-tags', severity: 'error', options: { replace: 'any' } }] },
    });
    expect(config.plugins).toHaveLength(1);
    expect(config.plugins[0]?.severity).toBe('error');
    expect(config.plugins[0]?.options).toMatchObject({ replace: 'any' });
  });

  it('gateTimeoutMs is the default timeout of every policy; a plugin may set its own', async () => {
    const config = await loadConfig({
      config: { gateTimeoutMs: 250, plugins: ['vendor-tags', { plugin: 'semver-deps', timeoutMs: 50, failOpen: true }] },
    });
    const byName = pluginsOf(config);
    expect(byName['vendor-tags']?.timeoutMs).toBe(250);
    expect(byName['vendor-tags']?.failOpen).toBe(false);
    expect(byName['semver-deps']?.timeoutMs).toBe(50);
    expect(byName['semver-deps']?.failOpen).toBe(true);
  });
});

describe('naming plugins', () => {
  it('by short name', async () => {
    const config = await loadConfig({ config: { plugins: ['vendor-tags'] } });
    expect(config.plugins[0]?.name).toBe('vendor-tags');
    expect(config.plugins[0]?.specifier).toBe('vendor-tags');
    expect(config.plugins[0]?.policy).toBe(vendorTags);
  });

  it('by package name', async () => {
    const config = await loadConfig({ config: { plugins: [{ plugin: '@patchwise/plugin-semver-deps' }] } });
    expect(config.plugins[0]?.name).toBe('semver-deps');
    expect(config.plugins[0]?.specifier).toBe('@patchwise/plugin-semver-deps');
  });

  it('by a path relative to the config file (not to cwd)', async () => {
    const dir = tempProject({
      'config/policies/local.mjs': localPolicySource('local'),
      'config/patchwise.config.yaml': 'plugins:\n  - ./policies/local.mjs\n',
    });
    const config = await loadConfig({ cwd: dir, configFile: 'config/patchwise.config.yaml' });
    expect(config.plugins.map((p) => p.name)).toEqual(['local']);
    expect(config.plugins[0]?.specifier).toBe('./policies/local.mjs');
    expect(config.plugins[0]?.severity).toBe('error');
  });

  it('by a relative path inside an extended file: resolved from that file', async () => {
    const dir = tempProject({
      'team/local.mjs': localPolicySource('team-local'),
      'team/base.yaml': 'plugins: [./local.mjs]\n',
      'patchwise.config.yaml': 'extends: ./team/base.yaml\n',
    });
    const config = await loadConfig({ cwd: dir });
    expect(config.plugins.map((p) => p.name)).toEqual(['team-local']);
  });

  it('a local policy without a schema takes no options', async () => {
    const dir = tempProject({
      'local.mjs': localPolicySource('local'),
      'patchwise.config.yaml': 'plugins:\n  - plugin: ./local.mjs\n    options: { anything: 1 }\n',
    });
    await expect(loadConfig({ cwd: dir })).rejects.toMatchObject({ code: 'PW_POLICY_OPTIONS', file: join(dir, 'patchwise.config.yaml') });
  });

  it('inline, a definePolicy object, with validated options', async () => {
    const inline = definePolicy({
      name: 'change-freeze',
      meta: {
        docs: { description: 'no patches on Fridays' },
        messages: { frozen: 'frozen' },
        schema: z.strictObject({ day: z.enum(['friday', 'saturday']) }),
        defaults: { day: 'friday' },
      },
      apply() {},
    });
    const config = await loadConfig({ config: { plugins: [{ plugin: inline, severity: 'warn' }] } });
    expect(config.plugins).toHaveLength(1);
    expect(config.plugins[0]).toMatchObject({ name: 'change-freeze', specifier: 'inline', severity: 'warn', options: { day: 'friday' } });
    expect(config.plugins[0]?.policy).toBe(inline);

    await expect(loadConfig({ config: { plugins: [{ plugin: inline, options: { day: 'monday' } }] } })).rejects.toMatchObject({
      code: 'PW_POLICY_OPTIONS',
    });
  });

  it('policyEntries hands the resolved set to applyPolicies', async () => {
    const config = await loadConfig({ config: { plugins: [{ plugin: 'vendor-tags', severity: 'warn', options: { replace: 'any' } }] } });
    const [entry] = policyEntries(config);
    expect(entry).toMatchObject({ severity: 'warn', failOpen: false, timeoutMs: 5000, options: { replace: 'any' } });
    expect(entry?.policy).toBe(vendorTags);
  });
});

describe('print-config origins', () => {
  it('names the file or preset of each value, and the defaults of the plugin for the rest', async () => {
    const dir = tempProject({
      'base.yaml': 'gateTimeoutMs: 900\nplugins:\n  - plugin: vendor-tags\n    options: { sameFunction: deny }\n',
      'patchwise.config.yaml': 'extends: [patchwise:recommended, ./base.yaml]\naudit: true\nplugins:\n  - plugin: vendor-tags\n    severity: warn\n',
    });
    const config = await loadConfig({ cwd: dir });
    const printed = printableConfig(config, dir);
    expect(printed.file).toBe('patchwise.config.yaml');
    expect(printed.audit).toEqual({ value: true, from: 'patchwise.config.yaml' });
    expect(printed.gateTimeoutMs).toEqual({ value: 900, from: 'base.yaml' });
    const vt = printed.plugins.find((p) => p.name === 'vendor-tags');
    expect(vt?.plugin.from).toBe('patchwise:recommended');
    expect(vt?.severity).toEqual({ value: 'warn', from: 'patchwise.config.yaml' });
    expect(vt?.options.from.sameFunction).toBe('base.yaml');
    expect(vt?.options.from.replace).toBe('defaults of the plugin');
    expect(vt?.options.from.signatures).toBe('defaults of the plugin');
    const sd = printed.plugins.find((p) => p.name === 'semver-deps');
    expect(sd?.severity).toEqual({ value: 'error', from: 'patchwise:recommended' });
  });

  it('with nothing set, everything comes from the defaults', async () => {
    const dir = tempProject({ 'patchwise.config.yaml': 'plugins: [vendor-tags]\n' });
    const printed = printableConfig(await loadConfig({ cwd: dir }), dir);
    expect(printed.audit).toEqual({ value: false, from: 'default' });
    expect(printed.gateTimeoutMs).toEqual({ value: 5000, from: 'default' });
    const vt = printed.plugins[0];
    expect(vt?.plugin).toEqual({ value: 'vendor-tags', from: 'patchwise.config.yaml' });
    expect(vt?.severity.value).toBe('error');
    expect(Object.values(vt?.options.from ?? {}).every((from) => from === 'defaults of the plugin')).toBe(true);
    expect(Object.keys(vt?.options.from ?? {})).toContain('sameFunction');
  });

  it('no config: file null', async () => {
    const dir = tempProject();
    const printed = printableConfig(await loadConfig({ cwd: dir }), dir);
    expect(printed.file).toBeNull();
    expect(printed.plugins).toEqual([]);
  });

  it('the text form puts each origin on its line', async () => {
    const dir = tempProject({
      'patchwise.config.yaml': 'extends: patchwise:recommended\nplugins:\n  - plugin: vendor-tags\n    options: { replace: any }\n',
    });
    const text = formatConfig(await loadConfig({ cwd: dir }), dir);
    const lines = text.split('\n');
    const line = (start: RegExp) => lines.find((l) => start.test(l)) ?? '';
    expect(line(/^config file\s/)).toContain('patchwise.config.yaml');
    expect(line(/^\s+options\.replace\s/)).toMatch(/"any"\s+\(patchwise\.config\.yaml\)$/);
    expect(line(/^\s+options\.sameFunction\s/)).toMatch(/"same-vendor"\s+\(defaults of the plugin\)$/);
    expect(line(/^plugin scoped-callbacks/)).toMatch(/\(patchwise:recommended\)$/);
  });
});
