/**
 * Where plugins come from: the config's own project first, then patchwise's own installation;
 * programs that bundle the standard plugins register them; TypeScript plugin files; a plugin that
 * cannot load says which and why; options that name files resolve beside their config.
 */
import { realpathSync, symlinkSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, registerPlugins, resolvePackage } from '@patchwise/config';
import { cleanup, diagnosticOf, localPolicySource, tempProject, write } from './support.js';

afterAll(cleanup);

const packageOf = (name: string, source: string) => ({
  [`node_modules/${name}/package.json`]: JSON.stringify({ name, version: '1.0.0', type: 'module', main: 'index.js' }),
  [`node_modules/${name}/index.js`]: source,
});

const versioned = (name: string, version: string) => localPolicySource(name).replace("kind: 'patchwise-policy',", `kind: 'patchwise-policy', version: '${version}',`);

describe('plugin resolution', () => {
  it("a short name resolves to a package in the config's own project", async () => {
    const dir = tempProject({ ...packageOf('patchwise-plugin-local', localPolicySource('local')), 'patchwise.config.yaml': 'plugins: [local]\n' });
    const config = await loadConfig({ cwd: dir });
    expect(config.plugins.map((p) => p.name)).toEqual(['local']);
  });

  it("the project's copy of a standard plugin wins over patchwise's own", async () => {
    const dir = tempProject({
      ...packageOf('@patchwise/plugin-semver-deps', versioned('semver-deps', '9.9.9-project')),
      'patchwise.config.yaml': 'plugins: [semver-deps]\n',
    });
    expect((await loadConfig({ cwd: dir })).plugins[0]?.version).toBe('9.9.9-project');
  });

  it("without the project having it, a standard plugin comes from patchwise's own installation", async () => {
    const dir = tempProject({ 'patchwise.config.yaml': 'plugins: [semver-deps]\n' });
    const config = await loadConfig({ cwd: dir });
    expect(config.plugins[0]?.name).toBe('semver-deps');
    // Not registered in this process: it is the package @patchwise/config itself can resolve.
    expect(resolvePackage('@patchwise/plugin-semver-deps', dir)).toBe(createRequire(import.meta.url).resolve('@patchwise/plugin-semver-deps'));
  });

  it('a TypeScript plugin file loads (through jiti), types and all', async () => {
    const dir = tempProject({
      'policies/typed.ts': `interface Meta { docs: { description: string }; messages: Record<string, string> }\nconst meta: Meta = { docs: { description: 'typed' }, messages: {} };\nexport default { kind: 'patchwise-policy' as const, name: 'typed', meta, apply(): void {} };\n`,
      'patchwise.config.yaml': 'plugins: [./policies/typed.ts]\n',
    });
    expect((await loadConfig({ cwd: dir })).plugins.map((p) => p.name)).toEqual(['typed']);
  });

  it('a folder with a package.json is a plugin by path', async () => {
    const dir = tempProject({
      'policies/pkg/package.json': JSON.stringify({ name: 'pkg', type: 'module', main: 'lib/main.js' }),
      'policies/pkg/lib/main.js': localPolicySource('in-a-folder'),
      'patchwise.config.yaml': 'plugins: [./policies/pkg]\n',
    });
    expect((await loadConfig({ cwd: dir })).plugins.map((p) => p.name)).toEqual(['in-a-folder']);
  });
});

describe('a plugin that cannot load says which and why', () => {
  it('its own import missing: PW_PLUGIN_DEPENDENCY naming the import, not "unknown plugin"', async () => {
    const dir = tempProject({ 'needs.mjs': "import 'not-installed-anywhere-xyz';\nexport default {};\n", 'patchwise.config.yaml': 'plugins:\n  - ./needs.mjs\n' });
    const err = await diagnosticOf(loadConfig({ cwd: dir }));
    expect(err.code).toBe('PW_PLUGIN_DEPENDENCY');
    expect(err.message).toContain('plugin `./needs.mjs`');
    expect(err.message).toContain('imports `not-installed-anywhere-xyz`, which is not installed');
    expect(err.message).not.toContain('unknown plugin');
    expect(err.line).toBe(2);
  });

  it("a package's missing dependency is the same, for a package found in the project", async () => {
    const dir = tempProject({ ...packageOf('patchwise-plugin-broken', "import 'zzz-missing';\n"), 'patchwise.config.yaml': 'plugins: [broken]\n' });
    const err = await diagnosticOf(loadConfig({ cwd: dir }));
    expect(err.code).toBe('PW_PLUGIN_DEPENDENCY');
    expect(err.message).toContain('`zzz-missing`');
  });

  it('a path that is not there: unknown plugin, no such file, naming the full path', async () => {
    const dir = tempProject({ 'patchwise.config.yaml': 'plugins: [./nope.mjs]\n' });
    const err = await diagnosticOf(loadConfig({ cwd: dir }));
    expect(err.code).toBe('PW_UNKNOWN_PLUGIN');
    expect(err.message).toContain(`unknown plugin \`./nope.mjs\`: no such file (${join(dir, 'nope.mjs')})`);
  });

  it('a plugin that throws while importing: PW_PLUGIN_LOAD with its message, the error kept as the cause', async () => {
    const dir = tempProject({ 'throws.mjs': "throw new Error('boom at import');\n", 'patchwise.config.yaml': 'plugins: [./throws.mjs]\n' });
    const err = await diagnosticOf(loadConfig({ cwd: dir }));
    expect(err.code).toBe('PW_PLUGIN_LOAD');
    expect(err.message).toContain('failed to load: boom at import');
    expect((err.cause as Error).stack).toContain('throws.mjs');
  });
});

describe('options that name files (`meta.fileOptions`)', () => {
  const POLICY = fileURLToPath(new URL('fixtures/file-options-policy.mjs', import.meta.url));

  it('resolve beside the config that set them, even when another config extends it', async () => {
    const dir = tempProject({
      'base/patchwise.config.yaml': `plugins:\n  - plugin: ${POLICY}\n    options: {keys: {acme: ./keys/acme.pub, raw: 'not a path'}, file: ../top.txt, other: ./stays}\n`,
      'app/patchwise.config.yaml': 'extends: ../base/patchwise.config.yaml\n',
    });
    const config = await loadConfig({ cwd: join(dir, 'app') });
    expect(config.plugins[0]?.options).toEqual({ keys: { acme: join(dir, 'base/keys/acme.pub'), raw: 'not a path' }, file: join(dir, 'top.txt'), other: './stays' });
  });
});

describe('registered plugins (what a program bundles)', () => {
  it("are used for their names when the project has no copy, or has the very copy patchwise's own resolution finds", async () => {
    registerPlugins({ '@patchwise/plugin-scoped-callbacks': async () => ({ default: (await import(dataUrl(versioned('scoped-callbacks', '0.0.0-registered')))).default }) });
    const none = tempProject({ 'patchwise.config.yaml': 'plugins: [scoped-callbacks]\n' });
    expect((await loadConfig({ cwd: none })).plugins[0]?.version).toBe('0.0.0-registered');
    // The same installed package as patchwise's own (npm hoists it into the project): the registered copy.
    const hoisted = tempProject({ 'patchwise.config.yaml': 'plugins: [scoped-callbacks]\n' });
    const own = realpathSync(dirname(dirname(createRequire(import.meta.url).resolve('@patchwise/plugin-scoped-callbacks'))));
    mkdirSync(join(hoisted, 'node_modules/@patchwise'), { recursive: true });
    symlinkSync(own, join(hoisted, 'node_modules/@patchwise/plugin-scoped-callbacks'));
    expect((await loadConfig({ cwd: hoisted })).plugins[0]?.version).toBe('0.0.0-registered');
    // A copy of the project's own (another version): the project's.
    const mine = tempProject({ 'patchwise.config.yaml': 'plugins: [scoped-callbacks]\n' });
    write(mine, packageOf('@patchwise/plugin-scoped-callbacks', versioned('scoped-callbacks', '5.0.0-mine')));
    expect((await loadConfig({ cwd: mine })).plugins[0]?.version).toBe('5.0.0-mine');
  });
});

function dataUrl(source: string): string {
  return `data:text/javascript,${encodeURIComponent(source)}`;
}
