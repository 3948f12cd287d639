import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs module shared with scripts/update-examples.mjs
import { EXAMPLE_COMMANDS, runExample } from '../../example-commands.mjs';

interface ExampleCommand {
  args: string[];
  expected: string;
  exit: number;
}

// Every example's README command, run as a user would from the repository root, must print exactly
// the checked-in output (regenerate with `pnpm examples:update`, never by hand).
describe('example commands', () => {
  it.each((EXAMPLE_COMMANDS as ExampleCommand[]).map((c) => [c.args.join(' '), c]))('patchwise %s', async (_title, example) => {
    const { code, stdout, stderr } = (await runExample(example.args)) as { code: number; stdout: string; stderr: string };
    expect(stderr).toBe('');
    expect(code).toBe(example.exit);
    expect(stdout).toBe(readFileSync(example.expected, 'utf8'));
  });
});
