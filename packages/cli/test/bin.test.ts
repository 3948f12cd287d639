/**
 * The installed command is a bundle (scripts/bundle-cli.mjs), not the modules the other tests import:
 * run it as a user would, in a separate process, for what a bundle could get wrong — files found
 * next to a package (the bundled selftest cases), the built-in plugins, the TypeScript config loader
 * left outside the bundle.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = join(ROOT, 'packages/cli/bin/patchwise.cjs');

function patchwise(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args, '--no-color'], { cwd: ROOT, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the bundled patchwise command', () => {
  it('replays the bundled selftest cases', () => {
    const { code, stdout } = patchwise('replay', '--check');
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('39 passed, 0 failed');
    expect(code).toBe(0);
  });

  it('loads the built-in plugins a YAML config names, and refuses with reasons', () => {
    const { code, stdout } = patchwise(
      'check',
      '--config',
      'examples/config-driven/patchwise.config.yaml',
      '--kernel',
      '6.8.0-45-generic',
      'examples/config-driven/patches/acme-base.yaml',
      'examples/config-driven/patches/beta-fix.yaml',
    );
    expect(stdout).toContain('vendor-tags/function-vendor-mismatch');
    expect(code).toBe(1);
  });

  it('loads a TypeScript config (its loader stays outside the bundle)', () => {
    const { code, stdout, stderr } = patchwise('print-config', '--config', 'examples/config-driven/patchwise.config.ts');
    expect(stderr).toBe('');
    expect(stdout).toContain('plugin change-window@1.0.0');
    expect(code).toBe(0);
  });

  it('reports bad input as one message, exit 2', () => {
    const { code, stdout, stderr } = patchwise('run', 'no-such-scenario.yaml');
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^error no-such-scenario\.yaml: no such file or folder/);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(code).toBe(2);
  });
});
