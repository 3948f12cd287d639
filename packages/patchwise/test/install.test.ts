/**
 * patchwise as a project outside this repository gets it: every package packed (`pnpm pack`), the
 * tarballs installed with plain npm into a fresh folder, then the README's "Use patchwise in your
 * project" commands run there VERBATIM (read from the README), and a JavaScript policy with its
 * PolicyTester tests under vitest and node:test.
 *
 * The one substitution: in an `npm install` line the word `patchwise` stands for the local tarballs
 * (all of them in one install, so that npm takes @patchwise/* from them instead of the registry).
 * npm's options come from the environment (prefer-offline, no audit), not from the command text.
 *
 * Slow (npm downloads vitest and TypeScript): runs with `pnpm test:install` (and in .ci/run).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const ENABLED = process.env.PATCHWISE_INSTALL_TEST === '1';
const MINUTE = 60_000;

interface Step {
  readonly command: string;
  readonly exit: number;
}

/** The commands of the README's section, in order, with the exit code a `# exit N` comment gives. */
export function readmeCommands(readme: string): Step[] {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Use patchwise in your project'));
  const block = section && /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no ```sh block under "## Use patchwise in your project"');
  return block
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const exit = /#\s*exit (\d+)/.exec(line)?.[1];
      return { command: line.replace(/\s+#.*$/, '').trim(), exit: exit === undefined ? 0 : Number(exit) };
    });
}

/** Publishable packages: every package.json under packages/ and plugins/ not marked private. */
function publishable(): string[] {
  return ['packages', 'plugins'].flatMap((group) =>
    readdirSync(join(ROOT, group))
      .map((name) => join(ROOT, group, name))
      .filter((dir) => existsSync(join(dir, 'package.json')) && !(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { private?: boolean }).private),
  );
}

/** A clean environment for npm: nothing of the pnpm running this test, no colour. */
function projectEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|INIT_CWD$|PNPM_|VITEST|NODE_OPTIONS$|FORCE_COLOR$)/i.test(key)));
  return { ...env, NO_COLOR: '1', npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
}

interface Ran {
  readonly code: number | null;
  readonly output: string;
}

function sh(command: string, cwd: string, timeout = 3 * MINUTE): Ran {
  const r = spawnSync('bash', ['-c', command], { cwd, env: projectEnv(), encoding: 'utf8', timeout });
  return { code: r.status, output: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}` };
}

describe.skipIf(!ENABLED)('patchwise in a fresh project outside the workspace (skipped unless PATCHWISE_INSTALL_TEST=1: run `pnpm test:install`)', () => {
  let temp = '';
  let project = '';
  let tarballs: string[] = [];
  const ran = new Map<string, Ran>();

  beforeAll(() => {
    temp = mkdtempSync(join(tmpdir(), 'patchwise-install-'));
    const packs = join(temp, 'tarballs');
    mkdirSync(packs);
    // The pnpm running this (`pnpm test:install`, also through `npx pnpm@…`), or the one on PATH.
    const pnpm = process.env.npm_execpath?.includes('pnpm') ? [process.execPath, process.env.npm_execpath] : ['pnpm'];
    for (const dir of publishable()) {
      const r = spawnSync(pnpm[0] as string, [...pnpm.slice(1), 'pack', '--pack-destination', packs], { cwd: dir, encoding: 'utf8', timeout: 2 * MINUTE });
      if (r.status !== 0) throw new Error(`pnpm pack in ${dir} failed: ${r.stdout}${r.stderr}`);
    }
    tarballs = readdirSync(packs).map((f) => join(packs, f));
    project = join(temp, 'my-patches');
    mkdirSync(project);
  }, 5 * MINUTE);

  afterAll(() => {
    if (temp) rmSync(temp, { recursive: true, force: true });
  }, 2 * MINUTE);

  it('every package packs without build caches and with its types', () => {
    expect(tarballs.length).toBe(publishable().length);
    for (const tarball of tarballs) {
      const list = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout.split('\n');
      expect(list.filter((f) => f.endsWith('.tsbuildinfo')), tarball).toEqual([]);
      expect(list, tarball).toContain('package/dist/index.d.ts');
      const manifest = JSON.parse(spawnSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }).stdout) as { dependencies?: Record<string, string> };
      // pnpm pack turns workspace:* into the version: npm could not install `workspace:`.
      expect(JSON.stringify(manifest.dependencies ?? {}), tarball).not.toContain('workspace:');
    }
  });

  it("runs the README's commands verbatim", () => {
    const steps = readmeCommands(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(steps.map((s) => s.command)).toContain('npx patchwise --version');
    for (const step of steps) {
      const command = step.command.startsWith('npm install') ? step.command.replace(/(?<=\s)patchwise(?=\s|$)/, tarballs.join(' ')) : step.command;
      const r = sh(command, project, step.command.startsWith('npm install') ? 8 * MINUTE : 3 * MINUTE);
      ran.set(step.command, r);
      expect(r.code, `${step.command}\n${r.output}`).toBe(step.exit);
    }
    const version = (JSON.parse(readFileSync(join(ROOT, 'packages/patchwise/package.json'), 'utf8')) as { version: string }).version;
    expect(ran.get('npx patchwise --version')?.output.trim()).toBe(version);
    expect(ran.get('npx patchwise run scenarios')?.output).toContain('1 scenario: 1 passed, 0 failed');
    expect(ran.get('npx patchwise check patches/acme-fix.yaml patches/beta-fix.yaml')?.output).toContain('vendor-tags/function-vendor-mismatch');
    // The scaffolded TypeScript policy, loaded from the config by path, judged the last check.
    expect(ran.get('npx patchwise check patches/acme-fix.yaml')?.output).toMatch(/prePatch gate: .*vendor-allowlist/);
    expect(ran.get('npx vitest run policies')?.output).toMatch(/Tests\s+4 passed/);
  }, 20 * MINUTE);

  it("the scaffold's tests test the source: an edit to src/ is what they run", () => {
    const file = join(project, 'policies/vendor-allowlist/src/index.ts');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace("defaults: { vendors: ['acme'] }", "defaults: { vendors: ['beta'] }"));
    const r = sh('npx vitest run policies', project);
    writeFileSync(file, original);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toContain('vendor-not-allowed');
  }, 5 * MINUTE);

  it('a JavaScript policy of the project: loaded from its config, its PolicyTester tests under vitest and node:test', () => {
    writeFileSync(
      join(project, 'policies/no-friday.mjs'),
      `import { definePolicy, z } from 'patchwise';

export default definePolicy({
  name: 'no-friday',
  meta: {
    docs: { description: 'No patches on Fridays.' },
    messages: { friday: "no patches on Fridays: '{{patch}}' waits for Monday" },
    schema: z.strictObject({ day: z.number().int().min(0).max(6) }),
    defaults: { day: 5 },
  },
  apply(hooks, { day }) {
    hooks.prePatch((ctx, report) => {
      if (new Date(ctx.now).getUTCDay() === day) report({ messageId: 'friday', data: { patch: ctx.patch.name, patches: [ctx.patch.name] } });
    });
  },
});
`,
    );
    writeFileSync(
      join(project, 'policies/no-friday.test.mjs'),
      `import { PolicyTester } from 'patchwise/testing';
import policy from './no-friday.mjs';

const { describe, it } = process.env.VITEST ? await import('vitest') : await import('node:test');
PolicyTester.describe = describe;
PolicyTester.it = it;

const fix = { name: 'acme-fix', vendor: 'acme', functions: ['cmdline_proc_show'] };
new PolicyTester().run(policy, {
  valid: [{ name: 'a Tuesday', now: '2026-11-24T10:00:00Z', enable: fix }],
  invalid: [{ name: 'a Friday', now: '2026-11-27T10:00:00Z', enable: fix, errors: ['friday'] }],
});
`,
    );
    const config = join(project, 'patchwise.config.yaml');
    writeFileSync(config, `${readFileSync(config, 'utf8')}  - ./policies/no-friday.mjs\n`);

    const friday = sh('npx patchwise check --time 2026-11-27T10:00:00Z patches/acme-fix.yaml', project);
    expect(friday.code, friday.output).toBe(1);
    expect(friday.output).toContain("no-friday/friday  no patches on Fridays: 'acme_fix' waits for Monday");
    const tuesday = sh('npx patchwise check --time 2026-11-24T10:00:00Z patches/acme-fix.yaml', project);
    expect(tuesday.code, tuesday.output).toBe(0);

    const vitest = sh('npx vitest run policies/no-friday.test.mjs', project);
    expect(vitest.code, vitest.output).toBe(0);
    expect(vitest.output).toMatch(/Tests\s+2 passed/);
    const nodeTest = sh('node --test policies/no-friday.test.mjs', project);
    expect(nodeTest.code, nodeTest.output).toBe(0);
    expect(nodeTest.output).toMatch(/# pass 2/);
  }, 5 * MINUTE);

  it('a plugin whose own dependency is missing says so, not "unknown plugin"', () => {
    writeFileSync(join(project, 'policies/needs-dep.mjs'), "import 'left-pad-not-installed';\nexport default {};\n");
    writeFileSync(join(project, 'broken.config.yaml'), 'plugins:\n  - ./policies/needs-dep.mjs\n');
    const r = sh('npx patchwise check --config broken.config.yaml patches/acme-fix.yaml', project);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toContain('imports `left-pad-not-installed`, which is not installed');
    expect(r.output).not.toContain('unknown plugin');
  }, 2 * MINUTE);
});
