/**
 * No input of any kind is an internal error: valid manifests, configs, scenarios and state files,
 * mutated (keys deleted, values swapped for other types, huge numbers, deep nesting, text cut
 * short or spliced), each through its command. The outcome is always exit 0, 1 or 2, never 70;
 * nothing throws out of `main`; bad input is one message (and at most one hint line), no stack.
 *
 * `pnpm test` runs a few dozen inputs of each kind in-process (the library entry the command
 * uses), and a handful through the real bundle; `FUZZ_RUNS=N pnpm fuzz` runs N/20 of each kind.
 * A failure prints the shrunk input and the seed: `FUZZ_SEED=<seed> FUZZ_PATH=<path>` replays it.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { cli, STACK, tempPath, type Run } from '../support.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = join(HERE, '..', '..', 'bin', 'patchwise.cjs');
const OK_MANIFEST = join(HERE, '..', 'hostile', 'support', 'ok.manifest.yaml');

type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

const MANIFEST: Value = {
  name: 'acme_fix',
  vendor: 'acme',
  version: '1.0.0',
  replace: false,
  functions: ['cmdline_proc_show', { name: 'meminfo_proc_show', output: 'fixed\n' }],
  states: [{ id: 1, version: 1 }],
  metadata: { ticket: 'ACME-1' },
};

const CONFIG: Value = {
  audit: false,
  gateTimeoutMs: 1000,
  plugins: ['vendor-tags', { plugin: 'semver-deps', severity: 'warn' }, { plugin: 'scoped-callbacks', severity: 'off', options: { a: [1, 2] } }],
};

const SCENARIO: Value = {
  name: 'fuzzed',
  machine: { release: '6.8.0-45-generic', cpus: 2, time: '2026-11-24T10:00:00Z' },
  config: { plugins: ['vendor-tags'] },
  patches: [
    { name: 'acme_fix', vendor: 'acme', version: '1.0.0', functions: ['cmdline_proc_show', 'acme_drv:acme_read'] },
    { name: 'beta_fix', vendor: 'beta', version: '2.1.0', functions: ['cmdline_proc_show'] },
  ],
  modules: [{ name: 'acme_drv', functions: ['acme_read'], loaded: true }],
  tasks: [{ name: 'worker', kthread: true, sleepsIn: 'cmdline_proc_show' }],
  steps: [
    { load: 'acme_fix' },
    { advance: '2s' },
    { wake: 'worker' },
    { load: { name: 'beta_fix', wait: false } },
    { expect: { decision: 'denied', result: 'EPERM', order: ['acme_fix'], enabled: { acme_fix: true }, loaded: { acme_drv: true } } },
    { expect: { owner: { function: 'cmdline_proc_show', patch: 'acme_fix' }, live: { task: 'worker', function: 'acme_drv:acme_read', runs: 'acme_fix' } } },
    { disable: 'acme_fix' },
    { spawn_tasks: { count: 2, behavior: 'getpid-loop' } },
    { loop_until: { read: '/sys/kernel/livepatch/acme_fix/enabled', value: '0' } },
  ],
};

const STATE: Value = {
  format: 'patchwise-state/1',
  release: '6.14.0-patchwise',
  time: '2026-01-01T00:00:02.000Z',
  patches: [
    { manifest: { name: 'acme_base', vendor: 'acme', functions: [{ name: 'cmdline_proc_show', output: 'base\n' }] }, enabled: true, transition: false },
    { manifest: { name: 'acme_drv_fix', vendor: 'acme', functions: ['acme_drv:acme_read'] }, enabled: true, transition: true },
  ],
  modules: [{ name: 'acme_drv', functions: ['acme_read', 'acme_write'] }],
};

interface Kind {
  readonly seed: Value;
  /** The file name (its extension decides YAML or JSON). */
  readonly name: (json: boolean) => string;
  readonly args: (file: string) => string[];
}

const KINDS: Record<string, Kind> = {
  manifest: { seed: MANIFEST, name: (json) => (json ? 'fix.json' : 'fix.yaml'), args: (file) => ['check', '--config', 'none', file] },
  config: { seed: CONFIG, name: (json) => (json ? 'patchwise.config.json' : 'patchwise.config.yaml'), args: (file) => ['print-config', '--config', file] },
  scenario: { seed: SCENARIO, name: (json) => (json ? 'fuzz.scenario.json' : 'fuzz.scenario.yaml'), args: (file) => ['run', '--config', 'none', file] },
  state: { seed: STATE, name: (json) => (json ? 'machine.state.json' : 'machine.state.yaml'), args: (file) => ['check', '--config', 'none', '--state', file, OK_MANIFEST] },
};

// ---- mutations ----

/** Keys that are not JavaScript's own (prototype keys are another test's subject). */
const key = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k));

const scalar: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.constantFrom(0, -1, 1e308, -1e308, 2 ** 53 + 2, 2 ** 31, 1e21, 0.5, -0),
  fc.string({ maxLength: 20 }),
  fc.constantFrom('', ' ', '0', 'none', 'original', 'acme_fix', 'vmlinux:', ':', ',', '1e400', '99999999999999999999s', '-1ms', '\u00e9\u4e2d', 'a'.repeat(300)),
);

/** A value of any shape, sometimes nested far past the limits. */
const anyValue: fc.Arbitrary<Value> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(key, scalar, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 400 }).map((depth) => nest(depth)) },
);

function nest(depth: number): Value {
  let value: Value = 'deep';
  for (let i = 0; i < depth; i += 1) value = i % 2 ? [value] : { k: value };
  return value;
}

type Op = { kind: 'delete' | 'replace' | 'wrap'; at: number; value: Value } | { kind: 'duplicate'; at: number; value: Value };

/** Every path in `value` (for picking one by index). */
function paths(value: Value, prefix: (string | number)[] = [], into: (string | number)[][] = []): (string | number)[][] {
  into.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], into));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], into);
  return into;
}

function mutate(seed: Value, ops: readonly Op[]): Value {
  let doc = structuredClone(seed);
  for (const op of ops) {
    const all = paths(doc);
    const path = all[op.at % all.length] as (string | number)[];
    if (path.length === 0) {
      doc = op.kind === 'replace' ? op.value : op.kind === 'wrap' ? [doc] : doc;
      continue;
    }
    const parent = path.slice(0, -1).reduce<Value>((v, p) => (v as Record<string, Value>)[p] as Value, doc) as Record<string | number, Value>;
    const last = path.at(-1) as string | number;
    if (op.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else Reflect.deleteProperty(parent, last);
    } else if (op.kind === 'replace') parent[last] = op.value;
    else if (op.kind === 'wrap') parent[last] = [parent[last] as Value];
    else if (Array.isArray(parent)) parent.push(structuredClone(parent[last] as Value));
    else parent[`${String(last)}2`] = structuredClone(parent[last] as Value);
  }
  return doc;
}

const op: fc.Arbitrary<Op> = fc.record({ kind: fc.constantFrom('delete', 'replace', 'wrap', 'duplicate'), at: fc.nat(), value: anyValue });

/** What is done to the text after the value is written out. */
const textOp = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), text: fc.constantFrom('\t', ']', '}', '{', '[', ': ', '- ', '? ', '&a ', '*a', '"', "'", '#', '\n  ', '---\n', '|\n', ',', '!!binary ') }) },
);

interface Input {
  readonly ops: readonly Op[];
  readonly json: boolean;
  readonly text: { kind: 'none' } | { kind: 'truncate'; at: number } | { kind: 'insert'; at: number; text: string };
}

const input: fc.Arbitrary<Input> = fc.record({ ops: fc.array(op, { minLength: 1, maxLength: 3 }), json: fc.boolean(), text: textOp });

function render(kind: Kind, { ops, json, text }: Input): { name: string; text: string } {
  const value = mutate(kind.seed, ops);
  let out = json ? JSON.stringify(value, null, 2) : stringify(value);
  const at = (f: number) => Math.floor(out.length * f);
  if (text.kind === 'truncate') out = out.slice(0, at(text.at));
  else if (text.kind === 'insert') out = `${out.slice(0, at(text.at))}${text.text}${out.slice(at(text.at))}`;
  return { name: kind.name(json), text: out };
}

/** The contract for any input: a known exit code; bad input said once, no stack, no internal error. */
function expectHandled(run: Run): void {
  expect([0, 1, 2], run.stderr).toContain(run.code);
  expect(run.stderr).not.toContain('internal error');
  expect(run.stderr).not.toMatch(STACK);
  if (run.code === 2) {
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0], run.stderr).toMatch(/^error /);
    expect(lines.length, run.stderr).toBeLessThanOrEqual(2);
  }
}

function runs(): number {
  const total = Number(process.env.FUZZ_RUNS ?? '');
  return Number.isInteger(total) && total > 0 ? Math.ceil(total / 20) : 25;
}

function parameters(): fc.Parameters<[Input]> {
  const seed = Number(process.env.FUZZ_SEED ?? '');
  return {
    numRuns: runs(),
    ...(Number.isInteger(seed) && process.env.FUZZ_SEED ? { seed } : {}),
    ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
  };
}

describe('mutated inputs never make an internal error (in-process)', () => {
  it.each(Object.keys(KINDS))('%s', async (name) => {
    const kind = KINDS[name] as Kind;
    // The seed itself is handled (exit 0 or 1): the mutations start from valid input.
    const valid = tempPath(kind.name(false));
    writeFileSync(valid, stringify(kind.seed));
    const clean = await cli(kind.args(valid));
    expect([0, 1], clean.stderr).toContain(clean.code);
    await fc.assert(
      fc.asyncProperty(input, async (mutation) => {
        const { name: file, text } = render(kind, mutation);
        const path = tempPath(file);
        writeFileSync(path, text);
        // `main` catching everything is part of the contract: a throw fails the property too.
        expectHandled(await cli(kind.args(path)));
      }),
      parameters(),
    );
  }, 120_000);
});

describe('mutated inputs through the real bundle', () => {
  // One fixed input per kind (the same every run), so that a failure here is reproducible.
  const samples = Object.entries(KINDS).map(([name, kind]) => {
    const [mutation] = fc.sample(input.filter((m) => m.text.kind === 'none'), { seed: name.length * 7919, numRuns: 1 }) as [Input];
    return { name, kind, mutation };
  });

  it.each(samples)('$name', ({ kind, mutation }) => {
    const { name: file, text } = render(kind, mutation);
    const path = tempPath(file);
    writeFileSync(path, text);
    const result = spawnSync(process.execPath, [BIN, '--no-color', ...kind.args(path)], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 });
    expectHandled({ code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr });
  });
});
