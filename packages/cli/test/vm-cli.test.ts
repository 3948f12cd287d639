/**
 * `run --vm` / `run --compare` refuse bad input before anything is built or booted: one message,
 * exit 2, no stack trace.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, STACK } from './support.js';

const SCENARIO = join(import.meta.dirname, '../../../examples/experiments/02-two-vendors-one-function/1-kernel.scenario.yaml');

const oneError = (stderr: string, pattern: RegExp) => {
  const errors = stderr.split('\n').filter((l) => /\berror\b/i.test(l));
  expect(errors, stderr).toHaveLength(1);
  expect(errors[0]).toMatch(pattern);
  expect(stderr).not.toMatch(STACK);
};

describe('run --vm and --compare: bad input', () => {
  it('refuses an unknown kernel', async () => {
    const r = await cli(['run', '--vm', '--kernel', '5.4', SCENARIO]);
    expect(r.code).toBe(2);
    oneError(r.stderr, /unknown kernel `5\.4`/);
  });

  it('refuses --kernel without --vm or --compare', async () => {
    const r = await cli(['run', '--kernel', '6.1', SCENARIO]);
    expect(r.code).toBe(2);
    oneError(r.stderr, /`--kernel` chooses the real kernel of `--vm` or `--compare`/);
  });

  it.each([
    [['--save-state', 'x.json'], '--save-state'],
    [['--report', 'x.html'], '--report'],
    [['--format', 'junit'], '--format junit'],
    [['--stacks'], '--stacks'],
  ])('refuses %j with --compare', async (extra, flag) => {
    const r = await cli(['run', '--compare', ...extra, SCENARIO]);
    expect(r.code).toBe(2);
    oneError(r.stderr, new RegExp(`\`${flag}\` is not available with \`--compare\``));
  });

  it('reads every scenario before booting: a bad one is exit 2 and nothing runs', async () => {
    const r = await cli(['run', '--vm', SCENARIO, join(import.meta.dirname, 'no-such.scenario.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
});
