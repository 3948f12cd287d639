/**
 * `patchwise init --policy NAME`: the scaffold is a working policy of the project, enabled in its
 * config, whose tests run against the source. The project lives inside this repository for the
 * test (so that `patchwise` resolves as it would from the project's node_modules); the install test
 * does the same in a real project outside it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '@patchwise/cli';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..', '..');
let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(HERE, '.scaffold-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]) {
  const out: string[] = [];
  const sink = { write: (chunk: unknown) => (out.push(String(chunk)), true) } as unknown as NodeJS.WritableStream;
  const code = await main(args, { stdout: sink, stderr: sink, env: {}, color: false });
  return { code, output: out.join('') };
}

const POLICY = 'policies/vendor-allowlist';
const PATCH = (vendor: string) => `name: ${vendor}_fix\nvendor: ${vendor}\nversion: 1.0.0\nfunctions: [meminfo_proc_show]\n`;

describe('init --policy NAME', () => {
  it('writes the policy, its tests, a README, and enables it in the config', async () => {
    expect((await cli(['init', '--dir', dir])).code).toBe(0);
    const r = await cli(['init', '--policy', 'vendor-allowlist', '--dir', dir]);
    expect(r.code, r.output).toBe(0);
    const source = readFileSync(join(dir, POLICY, 'src/index.ts'), 'utf8');
    expect(source).toContain("import { definePolicy, z } from 'patchwise';");
    expect(source).toMatch(/messages: \{\n\s+'no-vendor'/);
    expect(source).toContain('schema: z.strictObject({');
    const test = readFileSync(join(dir, POLICY, 'test/vendor-allowlist.test.ts'), 'utf8');
    // The test imports the source, not a build.
    expect(test).toContain("import policy from '../src/index.js';");
    expect(test).toContain("import { PolicyTester } from 'patchwise/testing';");
    expect(readFileSync(join(dir, POLICY, 'README.md'), 'utf8')).toContain(`npx vitest run ${POLICY}`);
    const config = readFileSync(join(dir, 'patchwise.config.yaml'), 'utf8');
    expect(config).toContain(`  - plugin: ./${POLICY}/src/index.ts\n    options:\n      vendors:\n        - acme\n`);
    // The starter config's comments survive.
    expect(config).toContain('# patchwise config: which policies judge');
  });

  it('the config loads it from source: check judges with it, and an edit to src/ is what runs', async () => {
    writeFileSync(join(dir, 'gamma.yaml'), PATCH('gamma'));
    writeFileSync(join(dir, 'acme.yaml'), PATCH('acme'));
    const config = ['--config', join(dir, 'patchwise.config.yaml'), '--time', '2026-11-24T10:00:00Z'];
    const gamma = await cli(['check', join(dir, 'gamma.yaml'), ...config]);
    expect(gamma.code, gamma.output).toBe(1);
    expect(gamma.output).toContain("vendor-allowlist/vendor-not-allowed  'gamma_fix' is from vendor `gamma`, which is not one of: acme");
    expect((await cli(['check', join(dir, 'acme.yaml'), ...config])).code).toBe(0);
  });

  it("its PolicyTester tests pass under vitest, and fail when the source's behaviour changes", () => {
    const vitest = join(ROOT, 'node_modules/.bin/vitest');
    // A config of the project's own: vitest would otherwise pick up this repository's, above it.
    writeFileSync(join(dir, 'vitest.config.mjs'), 'export default {};\n');
    const run = () => spawnSync(vitest, ['run', '--reporter', 'dot'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    const passing = run();
    expect(passing.status, passing.stdout + passing.stderr).toBe(0);
    expect(passing.stdout).toMatch(/Tests\s+4 passed/);
    const file = join(dir, POLICY, 'src/index.ts');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace("defaults: { vendors: ['acme'] }", "defaults: { vendors: ['beta'] }"));
    const failing = run();
    writeFileSync(file, original);
    expect(failing.status).toBe(1);
  }, 120_000);

  it('refuses a bad name, and files that exist (writing nothing)', async () => {
    const bad = await cli(['init', '--policy', 'Not A Name', '--dir', dir]);
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('is not a usable policy name');
    const before = readFileSync(join(dir, 'patchwise.config.yaml'), 'utf8');
    const again = await cli(['init', '--policy', 'vendor-allowlist', '--dir', dir]);
    expect(again.code).toBe(2);
    expect(again.output).toContain('--force');
    expect(readFileSync(join(dir, 'patchwise.config.yaml'), 'utf8')).toBe(before);
  });

  it('without a YAML config, prints the line to add instead', async () => {
    const r = await cli(['init', '--policy', 'second-one', '--dir', join(dir, 'elsewhere')]);
    expect(r.code).toBe(0);
    expect(r.output).toContain('enable it in your config:\n  plugins:\n    - plugin: ./policies/second-one/src/index.ts');
    expect(existsSync(join(dir, 'elsewhere/patchwise.config.yaml'))).toBe(false);
  });
});
