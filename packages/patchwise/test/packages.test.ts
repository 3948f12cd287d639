/**
 * Every package is publishable as it stands, and `patchwise` gives a project what it imports.
 * (Packing and installing them for real: install.test.ts, `pnpm test:install`.)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as patchwise from 'patchwise';
import * as testing from 'patchwise/testing';
import { definePolicy as fromPolicy } from '@patchwise/policy';
import { PolicyTester } from '@patchwise/testing';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

interface Manifest {
  name: string;
  private?: boolean;
  license?: string;
  types?: string;
  exports?: Record<string, unknown>;
  files?: string[];
  engines?: { node?: string };
  repository?: { type?: string; url?: string; directory?: string };
  publishConfig?: { access?: string };
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
}

const packages = ['packages', 'plugins'].flatMap((group) =>
  readdirSync(join(ROOT, group))
    .map((name) => join(ROOT, group, name))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest })),
);

describe.each(packages.map((p) => [p.manifest.name, p] as const))('%s is publishable', (_name, { dir, manifest }) => {
  it('exports with types, a license, engines, repository, publishConfig', () => {
    expect(manifest.private).toBeUndefined();
    expect(manifest.license).toBe('MIT');
    expect(manifest.types).toBe('./dist/index.d.ts');
    expect(manifest.exports?.['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(manifest.engines?.node).toBe('>=20.19');
    expect(manifest.repository).toMatchObject({ type: 'git', directory: relative(ROOT, dir) });
    expect(manifest.publishConfig).toEqual({ access: 'public' });
  });

  it('ships dist without the build cache, and its sources (for source maps)', () => {
    expect(manifest.files).toEqual(expect.arrayContaining(['dist', '!dist/.tsbuildinfo', 'src', 'README.md']));
    expect(existsSync(join(dir, 'README.md'))).toBe(true);
  });
});

describe('the patchwise package', () => {
  it('provides the patchwise command', () => {
    const manifest = packages.find((p) => p.manifest.name === 'patchwise')?.manifest;
    expect(manifest?.bin).toEqual({ patchwise: './bin/patchwise.cjs' });
    expect(readFileSync(join(ROOT, 'packages/patchwise/bin/patchwise.cjs'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it('re-exports what policy and config authors import; the PolicyTester under patchwise/testing', () => {
    expect(patchwise.definePolicy).toBe(fromPolicy);
    expect(typeof patchwise.defineConfig).toBe('function');
    expect(patchwise.z.string().parse('x')).toBe('x');
    expect(testing.PolicyTester).toBe(PolicyTester);
    expect(Object.keys(patchwise).sort()).toEqual(['defineConfig', 'definePolicy', 'renderMessage', 'z']);
  });

  it('a policy written with it runs under its PolicyTester', async () => {
    const policy = patchwise.definePolicy({
      name: 'no-beta',
      meta: { docs: { description: 'no beta' }, messages: { beta: "'{{patch}}' is beta's" }, schema: patchwise.z.strictObject({}) },
      apply(hooks) {
        hooks.prePatch((ctx, report) => {
          if (ctx.patch.metadata.vendor === 'beta') report({ messageId: 'beta', data: { patch: ctx.patch.name } });
        });
      },
    });
    const tester = new testing.PolicyTester();
    const refused = await tester.runCase(policy, { enable: { name: 'b', vendor: 'beta', functions: ['cmdline_proc_show'] } });
    expect(refused.findings.map((f) => [f.code, f.message])).toEqual([['beta', "'b' is beta's"]]);
    expect(refused.result).toBeLessThan(0);
    expect((await tester.runCase(policy, { enable: { name: 'a', vendor: 'acme', functions: ['cmdline_proc_show'] } })).result).toBe(0);
  });
});

describe("the README's set-up works whatever pnpm is installed", () => {
  it('runs pnpm through npx at the version the repository pins, as .ci/run installs it', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const setup = /## Set-up[^\n]*\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const pinned = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { packageManager: string }).packageManager.replace('pnpm@', '');
    const commands = setup.split('\n').filter((l) => l.trim());
    expect(commands.length).toBeGreaterThan(0);
    // Every pnpm is `npx -y pnpm@VERSION`: no global install (a root-owned prefix, a corepack shim).
    for (const line of commands) expect(line.replace(/#.*$/, '').match(/\bpnpm\b/g)?.length ?? 0, line).toBe(line.replace(/#.*$/, '').match(/npx -y pnpm@/g)?.length ?? 0);
    expect(setup).toContain(`npx -y pnpm@${pinned} install`);
    expect(setup).not.toMatch(/npm (i|install) -g/);
    expect(readFileSync(join(ROOT, '.ci/run'), 'utf8')).toContain(`PNPM_VERSION=${pinned}\n`);
  });
});
