/**
 * The CLI as people use it (issue 14): --version, help on every verb, JSON and JUnit output, check
 * at the current time, saved-state verbs, key files, signing warnings, colour, --debug.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ANSI, cli, fx, jsonLines, STACK, tempPath, BUNDLED_CASE } from './support.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = join(ROOT, 'packages/cli/bin/patchwise.cjs');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string }).version;
const VERBS = ['run', 'check', 'replay', 'print-config', 'init', 'keygen', 'sign', 'status', 'load', 'disable', 'unload'];
const config = ['--config', fx('configs/vendor-tags.yaml')];

function bin(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, ...options.env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('--version and --help', () => {
  it('--version and -V print the version', async () => {
    expect((await cli(['--version'])).stdout.trim()).toBe(VERSION);
    expect((await cli(['-V'])).stdout.trim()).toBe(VERSION);
  });

  it.each(VERBS)('%s --help: a description, examples, exit codes', async (verb) => {
    const r = await cli([verb, '--help']);
    expect(r.code).toBe(0);
    const [usage, , description] = r.stdout.split('\n');
    expect(usage).toContain(`patchwise ${verb}`);
    expect(description?.trim().length, r.stdout).toBeGreaterThan(20);
    expect(r.stdout).toMatch(/Examples:\n {2}\$ patchwise /);
    expect(r.stdout).toContain('Exit codes');
  });

  it.each(['run', 'check', 'replay', 'print-config', 'init', 'keygen', 'sign', 'status', 'load', 'disable', 'unload'])('%s offers --format json', async (verb) => {
    expect((await cli([verb, '--help'])).stdout).toMatch(/--format <format>.*json/s);
  });
});

describe('--format json on every verb that reports', () => {
  it('replay: one record per case, then a summary', async () => {
    const r = await cli(['replay', '--check', BUNDLED_CASE, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const [record, summary] = jsonLines(r.stdout);
    expect(record).toMatchObject({ type: 'case', id: 'livepatch/basic-function-patching', passed: true });
    expect((record as { log: string[] }).log).toContain("livepatch: enabling patch 'test_klp_livepatch'");
    expect(summary).toEqual({ type: 'summary', cases: 1, passed: 1, failed: 0 });
  });

  it('replay --check of a wrong case: passed false with the diff, exit 1', async () => {
    const r = await cli(['replay', '--check', fx('cases/wrong-expect.yaml'), '--format', 'json']);
    expect(r.code).toBe(1);
    const [record] = jsonLines(r.stdout) as [{ passed: boolean; diff: string }];
    expect(record.passed).toBe(false);
    expect(record.diff).toMatch(/^[-+]/m);
  });

  it('keygen and sign', async () => {
    const dir = tempPath('json-keys');
    const made = await cli(['keygen', 'acme', '--out-dir', dir, '--format', 'json']);
    expect(made.code, made.stderr).toBe(0);
    const [key] = jsonLines(made.stdout) as [{ type: string; vendor: string; publicKey: string; publicKeyPem: string }];
    expect(key).toMatchObject({ type: 'keygen', vendor: 'acme' });
    expect(readFileSync(key.publicKey, 'utf8')).toBe(key.publicKeyPem);
    const manifest = join(dir, 'acme-fix.yaml');
    copyFileSync(fx('patches/acme-fix.yaml'), manifest);
    const signed = await cli(['sign', manifest, '--key', join(dir, 'acme.key'), '--config', 'none', '--format', 'json']);
    expect(signed.code, signed.stderr).toBe(0);
    const [record] = jsonLines(signed.stdout) as [{ type: string; vendor: string; signature: string; warnings: string[] }];
    expect(record).toMatchObject({ type: 'sign', vendor: 'acme', keyVendor: 'acme', warnings: [] });
    expect(readFileSync(manifest, 'utf8')).toContain(`signature: "${record.signature}"`);
  });

  it('init', async () => {
    const dir = tempPath('json-init');
    const r = await cli(['init', '--dir', dir, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const [record] = jsonLines(r.stdout) as [{ type: string; written: string[]; next: string[] }];
    expect(record.type).toBe('init');
    expect(record.written).toHaveLength(4);
    for (const file of record.written) expect(existsSync(file)).toBe(true);
  });

  it('print-config', async () => {
    const r = await cli(['print-config', ...config, '--format', 'json']);
    expect(JSON.parse(r.stdout)).toHaveProperty('plugins');
  });
});

describe('--format junit', () => {
  it('run: a suite per scenario, a failure per failed expectation, XML-escaped', async () => {
    const r = await cli(['run', fx('scenarios/fail.scenario.yaml'), fx('scenarios/pass.scenario.yaml'), '--format', 'junit']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="patchwise run" tests="\d+" failures="1" errors="0">/);
    expect(r.stdout.match(/<testsuite /g)).toHaveLength(2);
    expect(r.stdout).toContain('<testsuite name="a wrong expectation"');
    expect(r.stdout).toMatch(/<failure message="[^"<]*">/);
    // The log rides along, escaped: `'` stays, `<`/`&` never appear raw inside text.
    expect(r.stdout).toContain('<system-out>');
    const texts = r.stdout.replace(/<[^>]+>/g, '');
    expect(texts).not.toMatch(/[<>]/);
  });

  it('replay: one test case per selftest case', async () => {
    const r = await cli(['replay', '--check', BUNDLED_CASE, fx('cases/wrong-expect.yaml'), '--format', 'junit']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('<testsuites name="patchwise replay" tests="2" failures="1" errors="0">');
    expect(r.stdout).toContain('<testcase name="livepatch/basic-function-patching: basic function patching" classname="kselftest"');
  });
});

describe('check judges now unless --time, and says at what', () => {
  it('without --time: the current time, printed with the kernel release', async () => {
    const before = Date.now();
    const r = await cli(['check', fx('patches/acme-fix.yaml'), ...config, '--format', 'json']);
    const after = Date.now();
    const summary = jsonLines(r.stdout).at(-1) as { time: string; kernel: string };
    expect(Date.parse(summary.time)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(summary.time)).toBeLessThanOrEqual(after);
    expect(summary.kernel).toBe('6.14.0-patchwise');
  });

  it('--time and --kernel pin them, and the text summary names both', async () => {
    const r = await cli(['check', fx('patches/acme-fix.yaml'), ...config, '--time', '2026-11-24T10:00:00Z', '--kernel', '6.8.0-45-generic']);
    expect(r.stdout).toContain('at 2026-11-24T10:00:00.000Z, kernel 6.8.0-45-generic)');
  });
});

describe('status, load, disable, unload on a saved state', () => {
  async function savedState(): Promise<string> {
    const state = tempPath('state.json');
    const r = await cli(['run', fx('scenarios/acme-installed.scenario.yaml'), '--save-state', state, '--config', 'none']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    return state;
  }

  it('status lists each patch, its state, the functions it owns, vendor and version', async () => {
    const state = await savedState();
    const r = await cli(['status', '--state', state, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const [status] = jsonLines(r.stdout) as [{ patches: unknown[] }];
    expect(status.patches).toContainEqual({ name: 'acme_fix', state: 'enabled', vendor: 'acme', version: '1.0.0', owns: ['vmlinux:cmdline_proc_show'], shadowed: [] });
    const text = await cli(['status', '--state', state]);
    expect(text.stdout).toMatch(/acme_fix {2}enabled {2}\(vendor acme, version 1\.0\.0\)\n {2}owns {6}vmlinux:cmdline_proc_show/);
  });

  it('load refused by a policy: the decision, exit 1, the state file byte for byte as it was', async () => {
    const state = await savedState();
    const before = readFileSync(state, 'utf8');
    const r = await cli(['load', fx('patches/beta-fix.yaml'), '--state', state, ...config]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('vendor-tags/function-vendor-mismatch');
    expect(r.stdout).toContain("load 'beta_fix' refused (EPERM)");
    expect(readFileSync(state, 'utf8')).toBe(before);
  });

  it('load allowed writes the state (status then shows it); disable and unload remove it', async () => {
    const state = await savedState();
    const loaded = await cli(['load', fx('patches/acme-other.yaml'), '--state', state, ...config, '--format', 'json']);
    expect(loaded.code, loaded.stdout + loaded.stderr).toBe(0);
    const name = (jsonLines(loaded.stdout).at(-1) as { patch: string }).patch;
    expect(jsonLines(loaded.stdout).at(-1)).toMatchObject({ type: 'result', operation: 'load', done: true });
    const names = () => (JSON.parse(readFileSync(state, 'utf8')) as { patches: { manifest: { name: string } }[] }).patches.map((p) => p.manifest.name);
    expect(names()).toEqual(['acme_fix', name]);
    expect((await cli(['disable', name, '--state', state, ...config])).code).toBe(0);
    expect(names()).toEqual(['acme_fix']);
    const unloaded = await cli(['unload', 'acme_fix', '--state', state, ...config]);
    expect(unloaded.code, unloaded.stdout).toBe(0);
    expect(unloaded.stdout).toContain("livepatch: 'acme_fix': unpatching complete");
    expect(names()).toEqual([]);
  });

  it('a patch the state does not have: one message naming what it has, exit 2', async () => {
    const state = await savedState();
    const r = await cli(['disable', 'nope', '--state', state]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no patch 'nope' in this state");
    expect(r.stderr).toContain('installed: acme_fix');
  });
});

describe('vendor-tags key files and signing', () => {
  async function keyProject() {
    const dir = tempPath('keyfiles');
    mkdirSync(join(dir, 'keys'), { recursive: true });
    expect((await cli(['keygen', 'acme', '--out-dir', join(dir, 'keys')])).code).toBe(0);
    expect((await cli(['keygen', 'acme', '--out-dir', join(dir, 'other')])).code).toBe(0);
    writeFileSync(join(dir, 'patchwise.config.yaml'), 'plugins:\n  - plugin: vendor-tags\n    options:\n      signatures: required\n      keys:\n        acme: ./keys/acme.pub\n');
    const manifest = join(dir, 'acme-fix.yaml');
    copyFileSync(fx('patches/acme-fix.yaml'), manifest);
    return { dir, manifest, config: join(dir, 'patchwise.config.yaml') };
  }

  it('a key file relative to the config verifies a signature, from any working folder', async () => {
    const { dir, manifest, config: file } = await keyProject();
    expect((await cli(['sign', manifest, '--key', join(dir, 'keys/acme.key'), '--config', file])).code).toBe(0);
    const r = await cli(['check', manifest, '--config', file]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('a key file that is not there: one message naming the option and the file', async () => {
    const { manifest, config: file } = await keyProject();
    writeFileSync(file, readFileSync(file, 'utf8').replace('./keys/acme.pub', './keys/gone.pub'));
    const r = await cli(['check', manifest, '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('option `keys.acme`: cannot read the key file');
    expect(r.stderr).toContain(join(dirname(file), 'keys/gone.pub'));
  });

  it("an untrusted key's signature says so (not only 'changed after signing')", async () => {
    const { dir, manifest, config: file } = await keyProject();
    const signed = await cli(['sign', manifest, '--key', join(dir, 'other/acme.key'), '--config', file]);
    expect(signed.code).toBe(0);
    expect(signed.stderr).toContain("the key is none of the config's vendor-tags `keys`");
    const r = await cli(['check', manifest, '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('signed with a key that is not trusted');
  });

  it("sign warns when the key is another vendor's than the manifest's", async () => {
    const { dir, manifest } = await keyProject();
    copyFileSync(join(dir, 'keys/acme.key'), join(dir, 'beta.key'));
    const r = await cli(['sign', manifest, '--key', join(dir, 'beta.key'), '--config', 'none']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("the key is vendor `beta`'s but the manifest declares vendor `acme`");
  });
});

describe('colour', () => {
  const args = ['check', fx('patches/acme-fix.yaml'), ...config, '--time', '2026-11-24T10:00:00Z'];
  it.each([
    ['no terminal, nothing set', {}, [], false],
    ['FORCE_COLOR=1 without a terminal', { FORCE_COLOR: '1' }, [], true],
    ['FORCE_COLOR=0 on a terminal', { FORCE_COLOR: '0' }, [], false, true],
    ['NO_COLOR beats FORCE_COLOR', { NO_COLOR: '1', FORCE_COLOR: '1' }, [], false],
    ['--color without a terminal', {}, ['--color'], true],
    ['--color beats NO_COLOR', { NO_COLOR: '1' }, ['--color'], true],
    ['--no-color beats FORCE_COLOR', { FORCE_COLOR: '1' }, ['--no-color'], false],
    ['the last of --color/--no-color wins', {}, ['--color', '--no-color'], false],
  ] as const)('%s', async (_title, env, flags, colored, tty = false) => {
    const r = await cli([...args, ...flags], { env, tty });
    expect(ANSI.test(r.stdout)).toBe(colored);
  });
});

describe('--debug', () => {
  it('a policy that throws shows its own stack, only with --debug', async () => {
    const dir = tempPath('throws');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'throws.mjs'),
      `export default { kind: 'patchwise-policy', name: 'throws', meta: { docs: { description: 'x' }, messages: {} }, apply(hooks) { hooks.prePatch(() => explode()); } };\nfunction explode() { throw new Error('kaboom'); }\n`,
    );
    writeFileSync(join(dir, 'patchwise.config.yaml'), 'plugins: [./throws.mjs]\n');
    const plain = await cli(['check', fx('patches/acme-fix.yaml'), '--config', join(dir, 'patchwise.config.yaml')]);
    expect(plain.stdout).toContain('policy `throws` threw: kaboom');
    expect(plain.stdout).not.toMatch(/at explode/);
    const debug = await cli(['check', fx('patches/acme-fix.yaml'), '--config', join(dir, 'patchwise.config.yaml'), '--debug']);
    expect(debug.stdout).toMatch(/at explode \(.*throws\.mjs:2:\d+\)/);
  });

  it('stack traces of the bundled command point into the TypeScript sources', () => {
    const r = bin(['check', fx('patches/acme-fix.yaml'), '--time', 'not-a-date', '--debug', '--config', 'none']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/packages\/cli\/src\/commands\/check\.ts:\d+:\d+/);
    const plain = bin(['check', fx('patches/acme-fix.yaml'), '--time', 'not-a-date', '--config', 'none']);
    expect(plain.stderr).not.toMatch(STACK);
  });
});

describe('pnpm patchwise: paths from where it was typed (INIT_CWD)', () => {
  it('a package script named patchwise runs in the folder the user typed it in; init writes there', () => {
    const dir = tempPath('init-cwd');
    mkdirSync(dir);
    const r = bin(['init'], { env: { npm_lifecycle_event: 'patchwise', INIT_CWD: dir } });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'patchwise.config.yaml'))).toBe(true);
    expect(existsSync(join(ROOT, 'scenarios'))).toBe(false);
    const run = bin(['run', 'scenarios'], { env: { npm_lifecycle_event: 'patchwise', INIT_CWD: dir } });
    expect(run.code, run.stdout + run.stderr).toBe(0);
  });

  it('another script keeps its own folder (paths in package.json scripts are relative to the package)', () => {
    const dir = tempPath('other-script');
    mkdirSync(dir);
    const r = bin(['print-config', '--config', 'packages/cli/test/fixtures/configs/vendor-tags.yaml'], { env: { npm_lifecycle_event: 'lint', INIT_CWD: dir } });
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('diagnostics point to documentation by name, not by repository path', () => {
  it('an invalid config names the README section of @patchwise/config', async () => {
    const r = await cli(['print-config', '--config', fx('configs/invalid.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('see "The config file" in the @patchwise/config README');
    expect(r.stderr).not.toMatch(/packages\/\w+\/README/);
  });

  it('an invalid manifest names the README section of @patchwise/manifest', async () => {
    const r = await cli(['check', fx('patches/bad-type.yaml'), '--config', 'none']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('hint: see "The manifest format" in the @patchwise/manifest README');
    expect(r.stderr).not.toMatch(/packages\/\w+\/README/);
  });
});
