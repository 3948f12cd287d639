/**
 * Config discovery: every file name of SEARCH_PLACES is found, the nearest config wins, the search
 * stops at the project root (the first folder with a package.json), `configFile` overrides it, and
 * no config at all means no policies.
 */
import { truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_GATE_TIMEOUT_MS, loadConfig, SEARCH_PLACES } from '@patchwise/config';
import { cleanup, diagnosticOf, tempDir, tempProject, write } from './support.js';

afterAll(cleanup);

/** The same config in every syntax: audit on, vendor-tags at `warn`. */
const YAML = 'audit: true\nplugins:\n  - plugin: vendor-tags\n    severity: warn\n';
const OBJECT = { audit: true, plugins: [{ plugin: 'vendor-tags', severity: 'warn' }] };
const JSON_TEXT = `${JSON.stringify(OBJECT, null, 2)}\n`;
const ESM = `export default ${JSON.stringify(OBJECT)};\n`;
const CJS = `module.exports = ${JSON.stringify(OBJECT)};\n`;
/** TypeScript that needs no import (a temp dir cannot resolve `@patchwise/config`). */
const TS = `type Plugin = { plugin: string; severity: 'error' | 'warn' | 'off' };
const config: { audit: boolean; plugins: Plugin[] } = { audit: true, plugins: [{ plugin: 'vendor-tags', severity: 'warn' }] };
export default config;
`;

const FILES: readonly (readonly [label: string, file: string, text: string])[] = [
  ['patchwise.config.ts', 'patchwise.config.ts', TS],
  ['patchwise.config.mts', 'patchwise.config.mts', TS],
  ['patchwise.config.js (CommonJS package)', 'patchwise.config.js', CJS],
  ['patchwise.config.mjs', 'patchwise.config.mjs', ESM],
  ['patchwise.config.cjs', 'patchwise.config.cjs', CJS],
  ['patchwise.config.json', 'patchwise.config.json', JSON_TEXT],
  ['patchwise.config.yaml', 'patchwise.config.yaml', YAML],
  ['patchwise.config.yml', 'patchwise.config.yml', YAML],
  ['.patchwiserc holding JSON', '.patchwiserc', JSON_TEXT],
  ['.patchwiserc holding YAML', '.patchwiserc', YAML],
  ['.patchwiserc.json', '.patchwiserc.json', JSON_TEXT],
  ['.patchwiserc.yaml', '.patchwiserc.yaml', YAML],
  ['.patchwiserc.yml', '.patchwiserc.yml', YAML],
  ['.patchwiserc.js', '.patchwiserc.js', CJS],
  ['.patchwiserc.cjs', '.patchwiserc.cjs', CJS],
  ['.patchwiserc.mjs', '.patchwiserc.mjs', ESM],
];

describe('SEARCH_PLACES', () => {
  it('lists every documented file name, and package.json', () => {
    const documented = [
      'package.json',
      '.patchwiserc',
      ...['json', 'yaml', 'yml', 'js', 'cjs', 'mjs'].map((ext) => `.patchwiserc.${ext}`),
      ...['ts', 'mts', 'js', 'mjs', 'cjs', 'json', 'yaml', 'yml'].map((ext) => `patchwise.config.${ext}`),
    ];
    expect([...SEARCH_PLACES].sort()).toEqual(documented.sort());
  });

  it('is covered by the table of this file', () => {
    const covered = new Set([...FILES.map(([, file]) => file), 'package.json']);
    expect([...covered].sort()).toEqual([...SEARCH_PLACES].sort());
  });
});

describe('each search place is found and read', () => {
  it.each(FILES)('%s', async (_label, name, text) => {
    const dir = tempProject({ [name]: text });
    const config = await loadConfig({ cwd: dir });
    expect(config.file).toBe(join(dir, name));
    expect(config.audit).toBe(true);
    expect(config.origin.audit).toBe(join(dir, name));
    expect(config.plugins.map((p) => [p.name, p.severity])).toEqual([['vendor-tags', 'warn']]);
    expect(config.plugins[0]?.origin.plugin).toBe(join(dir, name));
  });

  it('patchwise.config.js in an ES module package ("type": "module")', async () => {
    const dir = tempProject({ 'patchwise.config.js': ESM }, { name: 'tmp-esm', private: true, type: 'module' });
    const config = await loadConfig({ cwd: dir });
    expect(config.file).toBe(join(dir, 'patchwise.config.js'));
    expect(config.audit).toBe(true);
  });

  it('a `patchwise` key in package.json', async () => {
    const dir = tempProject({}, { name: 'tmp-project', private: true, patchwise: OBJECT });
    const config = await loadConfig({ cwd: dir });
    expect(config.file).toBe(join(dir, 'package.json'));
    expect(config.audit).toBe(true);
    expect(config.plugins.map((p) => [p.name, p.severity])).toEqual([['vendor-tags', 'warn']]);
  });

  it('the limits on size and nesting hold for package.json and for JS configs too', async () => {
    const deep = (n: number): unknown => (n === 0 ? 1 : { k: deep(n - 1) });
    const nested = tempProject({}, { name: 'tmp-project', private: true, patchwise: { plugins: [{ plugin: 'vendor-tags', severity: 'off', options: deep(200) }] } });
    expect(await diagnosticOf(loadConfig({ cwd: nested }))).toMatchObject({ code: 'PW_SYNTAX', file: join(nested, 'package.json') });
    const big = tempProject({}, { name: 'tmp-project', private: true, description: 'x'.repeat(6 * 1024 * 1024), patchwise: { audit: true } });
    expect(await diagnosticOf(loadConfig({ cwd: big }))).toMatchObject({ code: 'PW_TOO_LARGE', file: join(big, 'package.json') });
    const loop = tempProject({ 'patchwise.config.mjs': 'const o = {};\no.o = o;\nexport default { plugins: [{ plugin: "vendor-tags", severity: "off", options: o }] };\n' });
    const err = await diagnosticOf(loadConfig({ cwd: loop }));
    expect(err).toMatchObject({ code: 'PW_SYNTAX', file: join(loop, 'patchwise.config.mjs') });
    expect(err.reason).toContain('refers to itself');
  });

  it('a config file over the size limit is refused by its size, before anything reads it', async () => {
    // Sparse files of 3 GB: read whole (as cosmiconfig reads a candidate), they fail as no string
    // can hold them; refused by their size, they cost one stat.
    const huge = (dir: string, name: string) => {
      truncateSync(join(dir, name), 3 * 1024 ** 3);
      return join(dir, name);
    };
    for (const name of ['patchwise.config.yaml', 'patchwise.config.mjs', 'package.json']) {
      const dir = tempProject({ [name === 'package.json' ? 'placeholder' : name]: '' });
      const file = huge(dir, name);
      const err = await diagnosticOf(loadConfig({ cwd: dir }));
      expect(err, name).toMatchObject({ code: 'PW_TOO_LARGE', file });
      expect(err.reason).toBe(`file is ${3 * 1024 ** 3} bytes; the limit is ${5 * 1024 * 1024}`);
    }
    const dir = tempProject({ 'big.yaml': '' });
    const err = await diagnosticOf(loadConfig({ cwd: dir, configFile: huge(dir, 'big.yaml') }));
    expect(err).toMatchObject({ code: 'PW_TOO_LARGE', file: join(dir, 'big.yaml') });
  });

  it('`$import` (cosmiconfig\'s own merging, outside `extends`\' checks) is refused in every kind of config', async () => {
    const yaml = tempProject({ 'patchwise.config.yaml': '# base\n$import: patchwise.config.yaml\n' });
    expect(await diagnosticOf(loadConfig({ cwd: yaml }))).toMatchObject({
      code: 'PW_CONFIG',
      file: join(yaml, 'patchwise.config.yaml'),
      line: 2,
      column: 1,
      path: '$import',
      reason: '`$import` is not supported',
      hint: 'name the files to build on under `extends`',
    });
    const inPackage = tempProject({ 'other.yaml': 'audit: true\n' }, { name: 'tmp-project', private: true, patchwise: { $import: 'other.yaml' } });
    expect(await diagnosticOf(loadConfig({ cwd: inPackage }))).toMatchObject({ code: 'PW_CONFIG', file: join(inPackage, 'package.json'), path: 'patchwise.$import' });
    const js = tempProject({ 'other.yaml': 'audit: true\n', 'patchwise.config.mjs': 'export default { $import: "other.yaml" };\n' });
    expect(await diagnosticOf(loadConfig({ cwd: js }))).toMatchObject({ code: 'PW_CONFIG', file: join(js, 'patchwise.config.mjs'), path: '$import' });
  });

  it('a package.json without a `patchwise` key is not a config', async () => {
    const dir = tempProject({}, { name: 'tmp-project', private: true, version: '1.0.0' });
    const config = await loadConfig({ cwd: dir });
    expect(config.file).toBeNull();
    expect(config.plugins).toEqual([]);
  });

  it('a TypeScript config is type-checked no further than it runs: a plain object export works', async () => {
    const dir = tempProject({ 'patchwise.config.ts': 'export default { gateTimeoutMs: 1234 } as { gateTimeoutMs: number };\n' });
    const config = await loadConfig({ cwd: dir });
    expect(config.gateTimeoutMs).toBe(1234);
    expect(config.origin.gateTimeoutMs).toBe(join(dir, 'patchwise.config.ts'));
  });
});

describe('where the search goes', () => {
  it('runs up from a subfolder to the project root', async () => {
    const dir = tempProject({ 'patchwise.config.yaml': YAML, 'src/deep/er/.keep': '' });
    const config = await loadConfig({ cwd: join(dir, 'src', 'deep', 'er') });
    expect(config.file).toBe(join(dir, 'patchwise.config.yaml'));
    expect(config.audit).toBe(true);
  });

  it('the nearest config wins: a subfolder config over the root config', async () => {
    const dir = tempProject({
      'patchwise.config.yaml': 'audit: false\nplugins: [semver-deps]\n',
      'sub/.patchwiserc.json': '{ "audit": true, "plugins": ["scoped-callbacks"] }\n',
    });
    const fromSub = await loadConfig({ cwd: join(dir, 'sub') });
    expect(fromSub.file).toBe(join(dir, 'sub', '.patchwiserc.json'));
    expect(fromSub.audit).toBe(true);
    expect(fromSub.plugins.map((p) => p.name)).toEqual(['scoped-callbacks']);

    const fromRoot = await loadConfig({ cwd: dir });
    expect(fromRoot.file).toBe(join(dir, 'patchwise.config.yaml'));
    expect(fromRoot.audit).toBe(false);
    expect(fromRoot.plugins.map((p) => p.name)).toEqual(['semver-deps']);
  });

  it('the nearest wins from deeper down too', async () => {
    const dir = tempProject({
      'patchwise.config.yaml': 'audit: false\n',
      'a/patchwise.config.yml': 'audit: true\n',
      'a/b/c/.keep': '',
    });
    const config = await loadConfig({ cwd: join(dir, 'a', 'b', 'c') });
    expect(config.file).toBe(join(dir, 'a', 'patchwise.config.yml'));
    expect(config.audit).toBe(true);
  });

  it('in one folder, the places are tried in SEARCH_PLACES order', async () => {
    const dir = tempProject({ 'patchwise.config.yaml': 'audit: false\n', '.patchwiserc.json': '{ "audit": true }\n' });
    const config = await loadConfig({ cwd: dir });
    const first = SEARCH_PLACES.find((p) => p === '.patchwiserc.json' || p === 'patchwise.config.yaml');
    expect(config.file).toBe(join(dir, first as string));
  });

  it('stops at the project root: a config above the package.json folder is not found', async () => {
    const outer = tempDir();
    write(outer, {
      'patchwise.config.yaml': YAML,
      '.patchwiserc': YAML,
      'project/package.json': '{ "name": "inner", "private": true }\n',
      'project/src/.keep': '',
    });
    for (const cwd of [join(outer, 'project'), join(outer, 'project', 'src')]) {
      const config = await loadConfig({ cwd });
      expect(config.file).toBeNull();
      expect(config.audit).toBe(false);
      expect(config.plugins).toEqual([]);
    }
  });

  it('a package.json with a `patchwise` key at the root counts, and is the last place looked', async () => {
    const dir = tempProject({ 'sub/.keep': '' }, { name: 'tmp', private: true, patchwise: { audit: true } });
    const config = await loadConfig({ cwd: join(dir, 'sub') });
    expect(config.file).toBe(join(dir, 'package.json'));
    expect(config.audit).toBe(true);
  });
});

describe('configFile', () => {
  it('overrides discovery (a path relative to cwd)', async () => {
    const dir = tempProject({
      'patchwise.config.yaml': 'audit: false\nplugins: [semver-deps]\n',
      'configs/strict.yaml': 'audit: true\nplugins: [vendor-tags]\n',
    });
    const config = await loadConfig({ cwd: dir, configFile: 'configs/strict.yaml' });
    expect(config.file).toBe(join(dir, 'configs', 'strict.yaml'));
    expect(config.audit).toBe(true);
    expect(config.plugins.map((p) => p.name)).toEqual(['vendor-tags']);
  });

  it('takes an absolute path, whatever cwd is', async () => {
    const dir = tempProject({ 'patchwise.config.yaml': 'audit: false\n' });
    const other = tempProject({ 'elsewhere.json': '{ "gateTimeoutMs": 777 }\n' });
    const config = await loadConfig({ cwd: dir, configFile: join(other, 'elsewhere.json') });
    expect(config.file).toBe(join(other, 'elsewhere.json'));
    expect(config.gateTimeoutMs).toBe(777);
    expect(config.audit).toBe(false);
  });

  it('works where discovery would find nothing (no package.json anywhere near)', async () => {
    const dir = tempDir();
    write(dir, { 'my.config.yml': 'audit: true\n' });
    const config = await loadConfig({ cwd: dir, configFile: 'my.config.yml' });
    expect(config.file).toBe(join(dir, 'my.config.yml'));
    expect(config.audit).toBe(true);
  });

  it('a missing file is an error naming it', async () => {
    const dir = tempProject({ 'patchwise.config.yaml': 'audit: true\n' });
    await expect(loadConfig({ cwd: dir, configFile: 'nope.yaml' })).rejects.toMatchObject({
      code: 'PW_NO_SUCH_FILE',
      file: join(dir, 'nope.yaml'),
    });
  });
});

describe('no config', () => {
  it('gives an empty policy set, the defaults and `file: null`', async () => {
    const dir = tempProject({ 'src/.keep': '' });
    const config = await loadConfig({ cwd: join(dir, 'src') });
    expect(config).toMatchObject({
      file: null,
      audit: false,
      gateTimeoutMs: DEFAULT_GATE_TIMEOUT_MS,
      plugins: [],
      origin: { audit: 'default', gateTimeoutMs: 'default' },
    });
    expect(DEFAULT_GATE_TIMEOUT_MS).toBe(5000);
  });

  it('an empty config file is a config with nothing in it', async () => {
    const dir = tempProject({ '.patchwiserc.yaml': '' });
    const config = await loadConfig({ cwd: dir });
    expect(config.plugins).toEqual([]);
    expect(config.audit).toBe(false);
  });

  it('an inline config (a program\'s own) uses no file, and ignores files on disk', async () => {
    const dir = tempProject({ 'patchwise.config.yaml': 'audit: true\nplugins: [semver-deps]\n' });
    const config = await loadConfig({ cwd: dir, config: { plugins: ['vendor-tags'] } });
    expect(config.file).toBeNull();
    expect(config.audit).toBe(false);
    expect(config.plugins.map((p) => p.name)).toEqual(['vendor-tags']);
  });
});
