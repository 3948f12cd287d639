/**
 * Hostile input: every file of the corpus in `hostile/` (listed, with what each must say, in
 * `hostile/index.json`), and inputs too large to check in, generated here. Each one, through the
 * CLI verb of its kind: exit 2, exactly one error message (and at most one hint line) naming the
 * file and the place, nothing on stdout, no stack trace. No wall-clock budget (these machines are
 * noisy): the work is bounded by counted limits (`@patchwise/diagnostics` limits, tested there), and
 * a hang fails at the test timeout.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli, STACK, tempPath, type Run } from './support.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'hostile');

interface Entry {
  readonly why: string;
  /** A fragment of the message. */
  readonly expect: string;
  /** The line the message gives in the file. */
  readonly line?: number;
  /** `file:line` when the place is in another file of the corpus. */
  readonly at?: string;
  /** The command, when not the kind's verb; `{file}` is the file, `{dir}` this folder. */
  readonly args?: readonly string[];
}

const index = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as { files: Record<string, Entry>; generated: Record<string, string> };
const corpus = readdirSync(DIR).filter((f) => f.includes('--')).sort();

const VERBS: Record<string, readonly string[]> = {
  config: ['print-config', '--config', '{file}'],
  scenario: ['run', '{file}'],
  manifest: ['check', '{file}'],
  case: ['replay', '{file}'],
  state: ['check', '--config', 'none', '--state', '{file}', '{dir}/support/ok.manifest.yaml'],
};


/** Bad input, said once and clearly: exit 2, one `error` line naming `file` (plus a hint), nothing else. */
function expectOneClearMessage(run: Run, file: string, fragment: string, place?: string): void {
  const lines = run.stderr.trimEnd().split('\n');
  expect(run.code, run.stderr).toBe(2);
  expect(run.stdout).toBe('');
  expect(lines[0], run.stderr).toMatch(/^error /);
  expect(lines.length, run.stderr).toBeLessThanOrEqual(2);
  if (lines[1] !== undefined) expect(lines[1]).toMatch(/^ {2}hint: /);
  const [message = ''] = lines;
  expect(message).toContain(file);
  expect(message).toContain(fragment);
  if (place) expect(message).toContain(`${place}:`);
  expect(run.stderr).not.toMatch(STACK);
  expect(run.stderr).not.toContain('internal error');
}

describe('the hostile corpus', () => {
  it('has at least 40 real files of all four kinds, every one of them in the index', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    expect(Object.keys(index.files).sort()).toEqual(corpus);
    expect(new Set(corpus.map((f) => f.split('--')[0]))).toEqual(new Set(Object.keys(VERBS)));
  });

  it.each(corpus)('%s', async (name) => {
    const entry = index.files[name];
    if (!entry) throw new Error(`${name} is not in hostile/index.json`);
    const kind = name.split('--')[0] ?? '';
    const args = (entry.args ?? VERBS[kind] ?? []).map((a) => a.replace('{file}', join(DIR, name)).replace('{dir}', DIR));
    const place = entry.at ?? (entry.line === undefined ? undefined : `${name}:${entry.line}`);
    expectOneClearMessage(await cli(args), name, entry.expect, place);
  });
});

/** Inputs too large (or too silly) to check in: written to a temp folder. */
function write(name: string, text: string): string {
  const file = tempPath(name);
  writeFileSync(file, text);
  return file;
}

const MB = 1024 * 1024;
const filler = (bytes: number) => `# ${'x'.repeat(97)}\n`.repeat(Math.ceil(bytes / 100));
const bomb = (levels: number) =>
  Array.from({ length: levels }, (_, i) => `l${i}: &l${i} [${Array.from({ length: 10 }, () => (i ? `*l${i - 1}` : '"lol"')).join(', ')}]`).join('\n');
const flowNesting = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

interface Generated {
  readonly title: string;
  readonly name: string;
  readonly verb: string;
  readonly text: () => string;
  readonly expect: string;
}

const generated: Generated[] = [
  { title: '10 MB config', name: 'big.yaml', verb: 'config', text: () => `audit: true\n${filler(10 * MB)}`, expect: 'the limit is' },
  { title: '10 MB scenario', name: 'big.scenario.yaml', verb: 'scenario', text: () => `name: big\n${filler(10 * MB)}steps: [{advance: 1}]\n`, expect: 'the limit is' },
  { title: '10 MB manifest (JSON)', name: 'big.json', verb: 'manifest', text: () => `{"name": "big", "description": "${'x'.repeat(10 * MB)}"}`, expect: 'the limit is' },
  { title: '10 MB case', name: 'big-case.yaml', verb: 'case', text: () => `id: big\ntitle: big\nops: []\nexpect: |\n${'  line\n'.repeat((10 * MB) / 7)}`, expect: 'the limit is' },
  { title: '100 000-level flow nesting, scenario', name: 'deep.scenario.yaml', verb: 'scenario', text: () => `name: deep\nsteps: ${flowNesting(100_000)}\n`, expect: 'nested too deeply' },
  { title: '100 000-level flow nesting, config (JSON)', name: 'deep.json', verb: 'config', text: () => `{"plugins": ${flowNesting(100_000)}}`, expect: 'nested too deeply' },
  { title: '100 000-level flow nesting, manifest', name: 'deep-manifest.yaml', verb: 'manifest', text: () => `name: deep\nfunctions: ${flowNesting(100_000)}\n`, expect: 'nested too deeply' },
  { title: '100 000-level flow nesting, case', name: 'deep-case.yaml', verb: 'case', text: () => `id: deep\ntitle: deep\nexpect: ''\nops: ${flowNesting(100_000)}\n`, expect: 'nested too deeply' },
  {
    title: '1 000-level block nesting',
    name: 'deep-block.scenario.yaml',
    verb: 'scenario',
    text: () => `name: deep\nsteps:\n${Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i + 1)}a:`).join('\n')} 1\n`,
    expect: 'nested too deeply',
  },
  {
    title: '1 000-level compact sequence (- - - ...)',
    name: 'deep-seq.yaml',
    verb: 'manifest',
    text: () => `name: deep\nfunctions:\n${'- '.repeat(1000)}x\n`,
    expect: 'nested too deeply',
  },
  { title: '10^10 billion laughs, config', name: 'laughs.yaml', verb: 'config', text: () => `${bomb(10)}\n`, expect: 'cannot expand the document' },
  { title: '10^10 billion laughs, scenario', name: 'laughs.scenario.yaml', verb: 'scenario', text: () => `name: laughs\n${bomb(10)}\nsteps: [*l9]\n`, expect: 'cannot expand the document' },
  {
    title: 'a mapping with 60 000 keys',
    name: 'keys.yaml',
    verb: 'manifest',
    text: () => `name: keys\nmetadata:\n${Array.from({ length: 60_000 }, (_, i) => `  k${i}: ${i}`).join('\n')}\n`,
    expect: 'more than 10000 entries',
  },
  { title: 'a scenario with 60 000 steps', name: 'steps.scenario.yaml', verb: 'scenario', text: () => `name: many\nsteps:\n${'  - advance: 1\n'.repeat(60_000)}`, expect: 'more than 10000 entries' },
  { title: 'a flow list of 60 000 maps', name: 'flow.scenario.yaml', verb: 'scenario', text: () => `name: many\nsteps: [${'{advance: 1}, '.repeat(60_000)}]\n`, expect: 'more than 10000 entries' },
  { title: '100 000 stray closing brackets', name: 'closers.yaml', verb: 'manifest', text: () => `name: x\n${']'.repeat(100_000)}\n`, expect: 'more than 100000 tokens' },
  { title: '60 000 nested `? ` on one line', name: 'keys.scenario.yaml', verb: 'scenario', text: () => `${'? '.repeat(60_000)}x\n`, expect: 'more than 10000 entries' },
  { title: '60 000 `: 1` lines', name: 'values.yaml', verb: 'config', text: () => ': 1\n'.repeat(60_000), expect: 'more than 10000 entries' },
  { title: '200 000 blank lines', name: 'blank.yaml', verb: 'config', text: () => `audit: true\n${'\n'.repeat(200_000)}`, expect: 'more than 100000 tokens' },
  { title: 'a JSON config followed by 100 000 stray closing brackets', name: 'closers.json', verb: 'config', text: () => `{}\n${'] '.repeat(100_000)}`, expect: 'invalid JSON' },
  {
    title: 'a duplicate key at the end of 4 000 keys',
    name: 'dup.yaml',
    verb: 'manifest',
    text: () => `name: dup\nfunctions: [f]\nmetadata:\n${Array.from({ length: 4000 }, (_, i) => `  k${i}: ${i}`).join('\n')}\n  k0: again\n`,
    expect: 'Map keys must be unique',
  },
];

describe('generated hostile inputs', () => {
  it('are the ones the corpus index lists', () => {
    expect(Object.keys(index.generated).length).toBeGreaterThan(0);
    expect(generated.length).toBeGreaterThanOrEqual(Object.keys(index.generated).length);
  });

  it.each(generated)('$title', async ({ name, verb, text, expect: fragment }) => {
    const file = write(name, text());
    const args = (VERBS[verb] ?? []).map((a) => a.replace('{file}', file).replace('{dir}', DIR));
    expectOneClearMessage(await cli(args), basename(file), fragment);
  });
});
