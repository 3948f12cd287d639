/**
 * Running `patchwise` in-process for the CLI tests: captured streams, fixtures, temp paths, and the
 * checks every bad-input case shares.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect } from 'vitest';
import { main } from '@patchwise/cli';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const fx = (path: string) => join(FIXTURES, path);
export const BUNDLED_CASE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'kselftest', 'cases', 'livepatch--basic-function-patching.yaml');

export const temp = mkdtempSync(join(tmpdir(), 'patchwise-cli-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
let counter = 0;
export const tempPath = (name: string) => join(temp, `${counter++}-${name}`);

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `patchwise ARGS`, capturing both streams. No color unless asked; an empty environment unless given. */
export async function cli(args: string[], options: { color?: boolean; env?: NodeJS.ProcessEnv; tty?: boolean } = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[], tty?: boolean) =>
    ({ isTTY: tty, write: (chunk: unknown) => (into.push(String(chunk)), true) }) as unknown as NodeJS.WritableStream & { isTTY?: boolean };
  const code = await main(args, {
    stdout: sink(out, options.tty),
    stderr: sink(err, options.tty),
    env: options.env ?? {},
    ...(options.color === undefined ? {} : { color: options.color }),
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

// eslint-disable-next-line no-control-regex -- the escape is what is looked for
export const ANSI = /\u001b\[/;
export const STACK = /^ {4}at /m;

/** How the CLI names a file: relative to the working folder when inside it. */
export const shown = (file: string) => {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
};

/** Bad input: exit 2, exactly one error message naming `file` (and `line`), no stack trace. */
export function expectOneMessage(run: Run, file: string, line?: number): void {
  expect(run.code).toBe(2);
  const errors = run.stderr.split('\n').filter((l) => /\berror\b/i.test(l));
  expect(errors, run.stderr).toHaveLength(1);
  const [message] = errors as [string];
  const names = [file, shown(file)];
  expect(names.some((name) => message.includes(name)), message).toBe(true);
  const place = line === undefined ? ':\\d+:\\d+' : `:${line}:\\d+`;
  expect(names.some((name) => new RegExp(`${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${place}`).test(message)), message).toBe(true);
  expect(run.stderr).not.toMatch(STACK);
  expect(run.stderr).not.toContain('internal error');
}

export const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

