/**
 * Every invalid config is a Diagnostic naming the file, the path inside it, and (for YAML/JSON)
 * the line: unknown keys with did-you-mean, wrong types, unknown plugins, invalid plugin options,
 * circular extends, malformed YAML and JSON.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@patchwise/config';
import { cleanup, diagnosticOf, tempProject } from './support.js';

afterAll(cleanup);

/** Load the config of a temp project holding `files`; resolve to the Diagnostic it fails with. */
async function failure(files: Record<string, string>, name = 'patchwise.config.yaml') {
  const dir = tempProject(files);
  const err = await diagnosticOf(loadConfig({ cwd: dir }));
  return { err, dir, file: join(dir, name) };
}

describe('unknown keys', () => {
  it('`plugin:` at the top level: did you mean `plugins`', async () => {
    const { err, file } = await failure({ 'patchwise.config.yaml': 'audit: true\nplugin:\n  - vendor-tags\n' });
    expect(err.code).toBe('PW_CONFIG');
    expect(err.file).toBe(file);
    expect(err.path).toBe('plugin');
    expect(err.line).toBe(2);
    expect(err.message).toContain('unknown key `plugin`');
    expect(err.message).toContain('did you mean `plugins`');
    expect(err.message).toContain(file);
  });

  it('`audti` on line 3, column 1', async () => {
    const { err } = await failure({ 'patchwise.config.yaml': '# a comment\nplugins: []\naudti: true\n' });
    expect(err).toMatchObject({ code: 'PW_CONFIG', path: 'audti', line: 3, column: 1 });
    expect(err.message).toContain('did you mean `audit`');
  });

  it('`optons` inside a plugin entry: did you mean `options`', async () => {
    const { err, file } = await failure({
      'patchwise.config.yaml': 'plugins:\n  - plugin: vendor-tags\n    optons:\n      sameFunction: deny\n',
    });
    expect(err.code).toBe('PW_CONFIG');
    expect(err.file).toBe(file);
    expect(err.path).toBe('plugins[0].optons');
    expect(err.line).toBe(3);
    expect(err.message).toContain('unknown key `optons`');
    expect(err.message).toContain('did you mean `options`');
  });

  it('`serverity` in the second plugin entry', async () => {
    const { err } = await failure({
      'patchwise.config.yaml': 'plugins:\n  - vendor-tags\n  - plugin: semver-deps\n    serverity: warn\n',
    });
    expect(err).toMatchObject({ code: 'PW_CONFIG', path: 'plugins[1].serverity', line: 4 });
    expect(err.message).toContain('did you mean `severity`');
  });

  it('in a JSON config, with the line', async () => {
    const { err, file } = await failure({ '.patchwiserc.json': '{\n  "audit": true,\n  "plugin": ["vendor-tags"]\n}\n' }, '.patchwiserc.json');
    expect(err).toMatchObject({ code: 'PW_CONFIG', file, path: 'plugin', line: 3 });
    expect(err.message).toContain('did you mean `plugins`');
  });

  it('in a .patchwiserc holding JSON, with the line', async () => {
    const { err, file } = await failure({ '.patchwiserc': '{\n  "plugins": [\n    { "plugin": "vendor-tags", "optons": {} }\n  ]\n}\n' }, '.patchwiserc');
    expect(err).toMatchObject({ code: 'PW_CONFIG', file, path: 'plugins[0].optons', line: 3 });
    expect(err.message).toContain('did you mean `options`');
  });

  it('in a JS config: the file and the path (no line to give)', async () => {
    const { err, file } = await failure({ 'patchwise.config.mjs': 'export default { audit: true, plugin: ["vendor-tags"] };\n' }, 'patchwise.config.mjs');
    expect(err).toMatchObject({ code: 'PW_CONFIG', file, path: 'plugin' });
    expect(err.message).toContain('did you mean `plugins`');
  });
});

describe('wrong types', () => {
  it('`audit: "yes"`', async () => {
    const { err, file } = await failure({ 'patchwise.config.yaml': 'plugins: [vendor-tags]\naudit: "yes"\n' });
    expect(err.code).toBe('PW_CONFIG');
    expect(err.file).toBe(file);
    expect(err.path).toBe('audit');
    expect(err.line).toBe(2);
    expect(err.message).toMatch(/boolean/);
    expect(err.message).toContain('`audit`');
  });

  it('in the `patchwise` key of package.json: the line inside package.json', async () => {
    const dir = tempProject({}, { name: 'tmp', private: true, patchwise: { audit: 'yes' } });
    const err = await diagnosticOf(loadConfig({ cwd: dir }));
    expect(err.code).toBe('PW_CONFIG');
    expect(err.file).toBe(join(dir, 'package.json'));
    expect(err.path).toBe('audit');
    // JSON.stringify(…, null, 2): line 1 `{`, 2 name, 3 private, 4 `"patchwise": {`, 5 audit.
    expect(err.line).toBe(5);
  });

  it('a negative gateTimeoutMs', async () => {
    const { err } = await failure({ 'patchwise.config.yaml': 'gateTimeoutMs: -5\n' });
    expect(err).toMatchObject({ code: 'PW_CONFIG', path: 'gateTimeoutMs', line: 1 });
  });

  it('`extends` of none of its types: the types it takes, not "Invalid input"', async () => {
    const { err } = await failure({ 'patchwise.config.yaml': 'extends: 5\n' });
    expect(err).toMatchObject({ code: 'PW_CONFIG', path: 'extends', line: 1, column: 10, reason: 'invalid config: `extends`: expected string or array, received number' });
  });

  it('a list of `extends` with a number in it: the entry, and what it should be', async () => {
    const { err } = await failure({ 'patchwise.config.yaml': 'extends:\n  - ./base.yaml\n  - 5\n' });
    expect(err).toMatchObject({ code: 'PW_CONFIG', path: 'extends[1]', line: 3, column: 5, reason: 'invalid config: `extends[1]`: expected string, received number; put the value in quotes (`"…"`) to write it as a string' });
  });

  it('a plugin entry without `plugin`: the missing key, and what it takes', async () => {
    const { err } = await failure({ 'patchwise.config.yaml': 'plugins:\n  - severity: warn\n' });
    expect(err).toMatchObject({
      code: 'PW_CONFIG',
      path: 'plugins[0].plugin',
      line: 2,
      column: 5,
      reason: 'invalid config: missing key `plugin`: a package name, a relative path, or a policy made with `definePolicy`',
    });
  });

  it('a plugin entry of neither form, and a `plugin` of no form, in the config’s own words', async () => {
    const entry = await failure({ 'patchwise.config.yaml': 'plugins:\n  - 5\n' });
    expect(entry.err).toMatchObject({ path: 'plugins[0]', reason: 'invalid config: `plugins[0]`: a plugin is a name or path, or `{ plugin, options?, severity?, failOpen?, timeoutMs? }`' });
    const plugin = await failure({ 'patchwise.config.yaml': 'plugins:\n  - plugin: 5\n' });
    expect(plugin.err).toMatchObject({ path: 'plugins[0].plugin', reason: 'invalid config: `plugins[0].plugin`: expected a package name, a relative path, or a policy made with `definePolicy`' });
  });

  it('an unknown severity', async () => {
    const { err } = await failure({ 'patchwise.config.yaml': 'plugins:\n  - plugin: vendor-tags\n    severity: fatal\n' });
    expect(err.code).toBe('PW_CONFIG');
    expect(err.path).toBe('plugins[0].severity');
    expect(err.line).toBe(3);
    expect(err.message).toMatch(/error.*warn.*off/);
  });
});

describe('plugins', () => {
  it('an unknown plugin, near a built-in: did you mean `vendor-tags`', async () => {
    const { err, file } = await failure({ 'patchwise.config.yaml': 'plugins:\n  - semver-deps\n  - vendor-tag\n' });
    expect(err.code).toBe('PW_UNKNOWN_PLUGIN');
    expect(err.file).toBe(file);
    expect(err.path).toBe('plugins[1]');
    expect(err.line).toBe(3);
    expect(err.message).toContain('unknown plugin `vendor-tag`');
    expect(err.message).toContain('did you mean `vendor-tags`');
  });

  it('an unknown plugin in `{ plugin }` form points at `plugin`', async () => {
    const { err } = await failure({ 'patchwise.config.yaml': 'plugins:\n  - plugin: scoped-callback\n    severity: warn\n' });
    expect(err).toMatchObject({ code: 'PW_UNKNOWN_PLUGIN', path: 'plugins[0].plugin', line: 2 });
    expect(err.message).toContain('did you mean `scoped-callbacks`');
  });

  it('a missing local plugin file', async () => {
    const { err, file } = await failure({ 'patchwise.config.yaml': 'plugins: [./policies/missing.mjs]\n' });
    expect(err).toMatchObject({ code: 'PW_UNKNOWN_PLUGIN', file, path: 'plugins[0]', line: 1 });
    expect(err.message).toContain('./policies/missing.mjs');
  });

  it('a local file that exports no policy', async () => {
    const { err, file } = await failure({ 'not-a-policy.mjs': 'export default { name: "x" };\n', 'patchwise.config.yaml': 'plugins: [./not-a-policy.mjs]\n' });
    expect(err).toMatchObject({ code: 'PW_NOT_A_POLICY', file, path: 'plugins[0]' });
  });

  it('invalid options: a bad enum value for vendor-tags `sameFunction`, naming the option', async () => {
    const { err, file } = await failure({
      'patchwise.config.yaml': 'plugins:\n  - plugin: vendor-tags\n    options:\n      sameFunction: sometimes\n',
    });
    expect(err.code).toBe('PW_POLICY_OPTIONS');
    expect(err.file).toBe(file);
    expect(err.path).toMatch(/^plugins\[0\]\.options/);
    expect(err.line).toBeGreaterThanOrEqual(3);
    expect(err.line).toBeLessThanOrEqual(4);
    expect(err.message).toContain('`sameFunction`');
    expect(err.message).toContain('vendor-tags');
    expect(err.message).toMatch(/same-vendor/);
  });

  it('an unknown option of vendor-tags', async () => {
    const { err } = await failure({ 'patchwise.config.yaml': 'plugins:\n  - plugin: vendor-tags\n    options: { samefunction: deny }\n' });
    expect(err.code).toBe('PW_POLICY_OPTIONS');
    expect(err.path).toMatch(/^plugins\[0\]\.options/);
    expect(err.line).toBe(3);
    expect(err.message).toContain('`samefunction`');
  });

  it('invalid options set in an extended file name that file', async () => {
    const { err, dir } = await failure({
      'base.yaml': 'plugins:\n  - plugin: vendor-tags\n    options: { replace: never }\n',
      'patchwise.config.yaml': 'extends: ./base.yaml\n',
    });
    expect(err.code).toBe('PW_POLICY_OPTIONS');
    expect(err.file).toBe(join(dir, 'base.yaml'));
    expect(err.line).toBe(3);
    expect(err.message).toContain('`replace`');
  });
});

describe('extends', () => {
  it('the cycle is named by its own chain of files, from the file it returns to', async () => {
    const dir = tempProject({ 'top.yaml': 'extends: ./a.yaml\n', 'a.yaml': 'extends: ./b.yaml\n', 'b.yaml': 'extends: ./a.yaml\n' });
    const err = await diagnosticOf(loadConfig({ cwd: dir, configFile: 'top.yaml' }));
    expect(err).toMatchObject({ code: 'PW_CONFIG_CIRCULAR', file: join(dir, 'b.yaml'), line: 1 });
    expect(err.reason).toBe('circular `extends`: a.yaml → b.yaml → a.yaml');
  });

  it('a file that extends itself: `a.yaml → a.yaml`', async () => {
    const dir = tempProject({ 'a.yaml': 'extends: [patchwise:recommended, ./a.yaml]\n' });
    const err = await diagnosticOf(loadConfig({ cwd: dir, configFile: 'a.yaml' }));
    expect(err.reason).toBe('circular `extends`: a.yaml → a.yaml');
  });

  it('a circular extends (a.yaml → b.yaml → a.yaml) lists the cycle', async () => {
    const dir = tempProject({ 'a.yaml': 'extends: ./b.yaml\n', 'b.yaml': 'extends: ./a.yaml\n' });
    const err = await diagnosticOf(loadConfig({ cwd: dir, configFile: 'a.yaml' }));
    expect(err.code).toBe('PW_CONFIG_CIRCULAR');
    expect([join(dir, 'a.yaml'), join(dir, 'b.yaml')]).toContain(err.file);
    expect(err.path).toBe('extends');
    expect(err.line).toBe(1);
    expect(err.message).toMatch(/circular/);
    const cycle = err.message.slice(err.message.indexOf('circular'));
    const a = cycle.indexOf('a.yaml');
    const b = cycle.indexOf('b.yaml');
    expect(a).toBeGreaterThanOrEqual(0);
    expect(b).toBeGreaterThan(a);
    expect(cycle.indexOf('a.yaml', b)).toBeGreaterThan(b);
  });

  it('a file extending itself', async () => {
    const { err, file } = await failure({ 'patchwise.config.yaml': 'audit: true\nextends: ./patchwise.config.yaml\n' });
    expect(err).toMatchObject({ code: 'PW_CONFIG_CIRCULAR', file, path: 'extends', line: 2 });
  });

  it('an unknown preset: did you mean', async () => {
    const { err, file } = await failure({ 'patchwise.config.yaml': 'extends: patchwise:recomended\n' });
    expect(err).toMatchObject({ code: 'PW_CONFIG_EXTENDS', file, path: 'extends', line: 1 });
    expect(err.message).toContain('did you mean `patchwise:recommended`');
  });

  it('an extended package that is not installed', async () => {
    const { err, file } = await failure({ 'patchwise.config.yaml': 'audit: true\nextends: patchwise-config-nowhere\n' });
    expect(err).toMatchObject({ code: 'PW_CONFIG_EXTENDS', file, path: 'extends', line: 2 });
    expect(err.message).toContain('patchwise-config-nowhere');
  });

  it('a missing extended file names it, and the extending file', async () => {
    const { err, dir } = await failure({ 'patchwise.config.yaml': 'extends: ./missing.yaml\n' });
    expect(err.message).toContain('missing.yaml');
    expect([join(dir, 'missing.yaml'), join(dir, 'patchwise.config.yaml')]).toContain(err.file);
  });

  it('an error inside an extended file names that file', async () => {
    const { err, dir } = await failure({
      'base.yaml': 'plugins: []\naudit: 1\n',
      'patchwise.config.yaml': 'extends: ./base.yaml\n',
    });
    expect(err).toMatchObject({ code: 'PW_CONFIG', file: join(dir, 'base.yaml'), path: 'audit', line: 2 });
  });
});

describe('malformed files', () => {
  it('malformed YAML: line and column', async () => {
    const { err, file } = await failure({ 'patchwise.config.yaml': 'audit: true\nplugins: [vendor-tags\ngateTimeoutMs: 10\n' });
    expect(err.code).toBe('PW_SYNTAX');
    expect(err.file).toBe(file);
    expect(err.line).toBeGreaterThanOrEqual(2);
    expect(err.column).toBeTypeOf('number');
    expect(err.message).toContain(`${file}:${err.line}:${err.column}`);
  });

  it('malformed YAML: a tab-indented block', async () => {
    const { err, file } = await failure({ '.patchwiserc.yml': 'plugins:\n\t- vendor-tags\n' }, '.patchwiserc.yml');
    expect(err).toMatchObject({ code: 'PW_SYNTAX', file, line: 2 });
    expect(err.column).toBeTypeOf('number');
  });

  it('malformed JSON (a missing comma): line and column', async () => {
    const { err, file } = await failure({ 'patchwise.config.json': '{\n  "audit": true\n  "plugins": []\n}\n' }, 'patchwise.config.json');
    expect(err.code).toBe('PW_SYNTAX');
    expect(err.file).toBe(file);
    // The comma is missing at the end of line 2; the parser trips on line 3. Either is a fair place.
    expect([2, 3]).toContain(err.line);
    expect(err.column).toBeTypeOf('number');
    // A JSON file is reported as JSON, not with YAML's vocabulary.
    expect(err.message).toMatch(/JSON/);
    expect(err.message).not.toMatch(/YAML/);
  });

  it('malformed JSON (a trailing comma): line and column', async () => {
    const { err, file } = await failure({ '.patchwiserc.json': '{\n  "audit": true,\n  "plugins": ["vendor-tags"],\n}\n' }, '.patchwiserc.json');
    expect(err.code).toBe('PW_SYNTAX');
    expect(err.file).toBe(file);
    expect(err.line).toBeTypeOf('number');
    expect(err.line).toBeGreaterThanOrEqual(3);
    expect(err.line).toBeLessThanOrEqual(4);
    expect(err.column).toBeTypeOf('number');
    // The reason is in the message, not only "JSON Error in FILE:".
    expect(err.reason).not.toMatch(/:\s*$/);
  });

  it('malformed JSON in package.json', async () => {
    const dir = tempProject();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'package.json'), '{\n  "name": "tmp"\n  "patchwise": { "audit": true }\n}\n');
    const err = await diagnosticOf(loadConfig({ cwd: dir }));
    expect(err.file).toBe(join(dir, 'package.json'));
    expect(err.line).toBe(3);
  });

  it('a JS config that throws names the file', async () => {
    const { err, file } = await failure({ 'patchwise.config.mjs': 'throw new Error("boom in config");\n' }, 'patchwise.config.mjs');
    expect(err.code).toBe('PW_CONFIG_LOAD');
    expect(err.file).toBe(file);
    expect(err.message).toContain('boom in config');
  });

  it('a config that is not a mapping', async () => {
    const { err, file } = await failure({ 'patchwise.config.yaml': '- vendor-tags\n- semver-deps\n' });
    expect(err.code).toBe('PW_CONFIG');
    expect(err.file).toBe(file);
  });
});
