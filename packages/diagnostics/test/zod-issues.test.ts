/**
 * Zod issues in words, on their own: which issue is reported (an unknown key first, unions narrowed
 * to the option the value was meant for), where it is, and the sentence. Issues come from parsing
 * real values with zod, except where zod cannot produce the case (a path beneath a schema zod never
 * reports inside): there the issue is written by hand. Expected texts follow from the rules and
 * the inputs; the did-you-mean distances are counted in the comments.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssue, issuePlace, narrowIssue, pickIssue } from '@patchwise/diagnostics';

type Issue = z.core.$ZodIssue;

/** The issues of parsing `value` (fails the test when it parses). */
function issuesOf(schema: z.ZodType, value: unknown): Issue[] {
  const result = schema.safeParse(value);
  if (result.success) throw new Error(`parsed: ${JSON.stringify(value)}`);
  return result.error.issues;
}

/** The one issue zod reports (fails the test when there are several). */
function onlyIssue(schema: z.ZodType, value: unknown): Issue {
  const issues = issuesOf(schema, value);
  expect(issues).toHaveLength(1);
  return issues[0] as Issue;
}

/** What a reader reports: the picked issue's sentence. */
function said(schema: z.ZodType, value: unknown, options?: { noun?: string }): string {
  return describeIssue(pickIssue(issuesOf(schema, value)) as Issue, schema, options);
}

/** An unknown-keys issue as zod writes one, for places zod cannot reach. */
const unknownKeys = (keys: string[], path: (string | number)[]): Issue => ({ code: 'unrecognized_keys', keys, path, message: 'Unrecognized key' }) as Issue;

const Inner = z.strictObject({ depth: z.number(), label: z.string().optional() });
const A = z.strictObject({ kind: z.literal('a'), x: z.number() });
const B = z.strictObject({ kind: z.literal('b'), y: z.string() });
const policyLike = z.custom<{ kind: 'policy' }>((v) => typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'policy', 'not a policy');

describe('pickIssue', () => {
  const Doc = z.strictObject({ name: z.string(), count: z.number() });

  it('no issues: undefined', () => {
    expect(pickIssue([])).toBeUndefined();
  });

  it('an unknown key before the errors it causes, though zod lists it after them', () => {
    const issues = issuesOf(Doc, { name: 1, cuont: 2 });
    expect(issues[0]?.code).not.toBe('unrecognized_keys');
    expect(pickIssue(issues)).toMatchObject({ code: 'unrecognized_keys', keys: ['cuont'], path: [] });
  });

  it('of several unknown keys, only the first: the one a report points at', () => {
    const issues = issuesOf(Doc, { name: 'a', count: 1, x: 1, y: 2 });
    expect(issues).toMatchObject([{ code: 'unrecognized_keys', keys: ['x', 'y'] }]);
    expect(pickIssue(issues)).toMatchObject({ code: 'unrecognized_keys', keys: ['x'] });
  });

  it('no unknown key: the first issue, as zod gave it', () => {
    const issues = issuesOf(Doc, { name: 1, count: 'x' });
    expect(issues).toHaveLength(2);
    expect(pickIssue(issues)).toBe(issues[0]);
    expect(pickIssue(issues)?.path).toEqual(['name']);
  });

  it('narrowed through a union, with its whole path', () => {
    const Fns = z.strictObject({ fns: z.array(z.union([z.string(), z.strictObject({ name: z.string() })])) });
    const issues = issuesOf(Fns, { fns: ['a', {}] });
    expect(issues).toMatchObject([{ code: 'invalid_union', path: ['fns', 1] }]);
    expect(pickIssue(issues)).toMatchObject({ code: 'invalid_type', expected: 'string', path: ['fns', 1, 'name'] });
  });
});

describe('narrowIssue', () => {
  it('not a union: the very same issue', () => {
    const issue = onlyIssue(z.string(), 5);
    expect(narrowIssue(issue)).toBe(issue);
  });

  it('one option takes the value’s type (a map, not a string): that option’s issue, an unknown key first', () => {
    const Fn = z.union([z.string(), z.strictObject({ name: z.string(), object: z.string().optional() })]);
    const issue = onlyIssue(Fn, { name: 1, objct: 'm' });
    expect(issue.code).toBe('invalid_union');
    expect(narrowIssue(issue)).toMatchObject({ code: 'unrecognized_keys', keys: ['objct'], path: [] });
  });

  it('an option that fails on its literal value does not fit either', () => {
    const issue = onlyIssue(z.union([z.literal('auto'), z.strictObject({ n: z.number() })]), { n: 'x' });
    expect(issue.code).toBe('invalid_union');
    expect(narrowIssue(issue)).toMatchObject({ code: 'invalid_type', expected: 'number', path: ['n'] });
  });

  it('through a union inside a union', () => {
    const issue = onlyIssue(z.union([z.number(), z.union([z.string(), z.strictObject({ a: z.string() })])]), { a: 1 });
    expect(narrowIssue(issue)).toMatchObject({ code: 'invalid_type', expected: 'string', path: ['a'] });
  });

  it('two options take the value: the union’s issue stays', () => {
    const issue = onlyIssue(z.union([A, B]), { kind: 'a', x: 's' });
    expect(narrowIssue(issue)).toBe(issue);
  });

  it('an absent value fits no option: not narrowed into a custom check, which any value reaches', () => {
    const Doc = z.strictObject({ p: z.union([z.string(), policyLike]) });
    const missing = onlyIssue(Doc, {});
    expect(narrowIssue(missing)).toBe(missing);
    // A value that is there is the custom check's to judge.
    expect(narrowIssue(onlyIssue(Doc, { p: 5 }))).toMatchObject({ code: 'custom', message: 'not a policy', path: ['p'] });
  });

  it('a union issue without options (more than one matched): as it is', () => {
    const issue = onlyIssue(z.xor([z.string(), z.string().min(1)]), 'ab');
    expect(issue).toMatchObject({ code: 'invalid_union', errors: [] });
    expect(narrowIssue(issue)).toBe(issue);
  });
});

describe('issuePlace', () => {
  const Doc = z.strictObject({ a: z.strictObject({ b: z.number() }), u: z.union([z.number(), z.literal(false)]).optional() });

  it('an unknown key: the path ends at the key, which is named', () => {
    expect(issuePlace(onlyIssue(Doc, { a: { b: 1, c: 2 } }))).toStrictEqual({ path: ['a', 'c'], key: 'unknown' });
  });

  it('a missing key: where it belongs', () => {
    expect(issuePlace(onlyIssue(Doc, { a: {} }))).toStrictEqual({ path: ['a', 'b'], key: 'missing' });
  });

  it('a missing key of a union type', () => {
    expect(issuePlace(onlyIssue(z.strictObject({ u: z.union([z.number(), z.literal(false)]) }), {}))).toStrictEqual({ path: ['u'], key: 'missing' });
  });

  it('a wrong value: its path, no key named', () => {
    expect(issuePlace(onlyIssue(Doc, { a: { b: 'x' } }))).toStrictEqual({ path: ['a', 'b'] });
    expect(issuePlace(onlyIssue(Doc, { a: { b: 1 }, u: true }))).toStrictEqual({ path: ['u'] });
  });

  it('`undefined` where no key is (a list item, the whole document) is no missing key', () => {
    expect(issuePlace(onlyIssue(z.array(z.string()), [undefined]))).toStrictEqual({ path: [0] });
    expect(issuePlace(onlyIssue(z.string(), undefined))).toStrictEqual({ path: [] });
  });

  it('a symbol in a path is given as its text', () => {
    const issue = { code: 'custom', path: [Symbol('s'), 1], message: 'x' } as Issue;
    expect(issuePlace(issue)).toStrictEqual({ path: ['Symbol(s)', 1] });
  });
});

describe('describeIssue: unknown keys', () => {
  it('did-you-mean from the keys of the place, not of the top', () => {
    // `cpu` → `cpus`: 1 edit, allowed for 3 letters. The top level has nothing near `cpu`.
    const Scenario = z.strictObject({ name: z.string(), machine: z.strictObject({ cpus: z.number() }) });
    expect(said(Scenario, { name: 'x', machine: { cpu: 2 } })).toBe('unknown key `cpu` (did you mean `cpus`?)');
  });

  it('a key far from every known one: no suggestion', () => {
    expect(said(z.strictObject({ name: z.string() }), { name: 'x', colour: 'blue' })).toBe('unknown key `colour`');
  });

  // `dpeth` → `depth`: a swapped pair, 2 edits, allowed for 5 letters. Each row reaches `Inner`
  // through another kind of schema.
  const typo = { depth: 1, dpeth: 2 };
  const SUGGESTED = 'unknown key `dpeth` (did you mean `depth`?)';
  it.each<[string, z.ZodType, unknown]>([
    ['optional', z.strictObject({ o: Inner.optional() }), { o: typo }],
    ['nullable', z.strictObject({ o: Inner.nullable() }), { o: typo }],
    ['default, then a list', z.strictObject({ o: z.array(Inner).default([]) }), { o: [typo] }],
    ['prefault', z.strictObject({ o: Inner.prefault({ depth: 0 }) }), { o: typo }],
    ['nonoptional', z.strictObject({ o: Inner.optional().nonoptional() }), { o: typo }],
    ['readonly', z.strictObject({ o: Inner.readonly() }), { o: typo }],
    ['a pipe’s input', z.strictObject({ o: Inner.transform((v) => v.depth) }), { o: typo }],
    ['lazy', z.strictObject({ o: z.lazy(() => Inner) }), { o: typo }],
    ['a union option', z.strictObject({ o: z.union([z.string(), Inner]) }), { o: typo }],
    ['a record value', z.record(z.string(), Inner), { any: typo }],
    ['a catchall', z.object({ fixed: z.string().optional() }).catchall(Inner), { other: typo }],
    ['a tuple item', z.tuple([z.string(), Inner]), ['x', typo]],
    ['a tuple’s rest', z.tuple([z.string()], Inner), ['x', Inner.parse({ depth: 0 }), typo]],
  ])('through %s', (_kind, schema, value) => {
    expect(said(schema, value)).toBe(SUGGESTED);
  });

  it('through an intersection: the keys of both sides', () => {
    const Both = z.intersection(z.object({ depth: z.number() }), z.object({ label: z.string() }));
    expect(describeIssue(unknownKeys(['dpeth'], []), Both)).toBe(SUGGESTED);
    // `lable` → `label`: a swapped pair, from the other side.
    expect(describeIssue(unknownKeys(['lable'], []), Both)).toBe('unknown key `lable` (did you mean `label`?)');
  });

  it('a lazy schema that is its own option: the keys once, no endless walk', () => {
    const Tree: z.ZodType = z.lazy(() => z.union([Inner, Tree]));
    expect(describeIssue(unknownKeys(['dpeth'], []), Tree)).toBe(SUGGESTED);
  });

  it.each<[string, z.ZodType, (string | number)[]]>([
    ['a key the object does not have', z.strictObject({ o: Inner }), ['nope']],
    ['a tuple index past its items', z.tuple([Inner]), [1]],
    ['a key of a list', z.array(Inner), ['o']],
    ['a string', z.string(), []],
  ])('no keys known at the place (%s): no suggestion', (_kind, schema, path) => {
    expect(describeIssue(unknownKeys(['dpeth'], path), schema)).toBe('unknown key `dpeth`');
  });

  it('several keys: each, with its own suggestion', () => {
    // `hieght` → `height`: a swapped pair, 2 edits, allowed for 6 letters.
    const issue = onlyIssue(z.strictObject({ width: z.number().optional(), height: z.number().optional() }), { widht: 1, hieght: 2, zzz: 3 });
    expect(describeIssue(issue, z.strictObject({ width: z.number(), height: z.number() }))).toBe(
      'unknown keys `widht` (did you mean `width`?), `hieght` (did you mean `height`?), `zzz`',
    );
  });

  it('`noun` names the keys', () => {
    const Options = z.strictObject({ limit: z.number().optional() });
    expect(said(Options, { limt: 4 }, { noun: 'option' })).toBe('unknown option `limt` (did you mean `limit`?)');
    expect(describeIssue(onlyIssue(Options, { limt: 4, foo: 1 }), Options, { noun: 'option' })).toBe('unknown options `limt` (did you mean `limit`?), `foo`');
  });
});

describe('describeIssue: missing keys', () => {
  it('the key and its type', () => {
    expect(said(z.strictObject({ name: z.string() }), {})).toBe('missing key `name` (expected string)');
    expect(said(z.strictObject({ name: z.string() }), {}, { noun: 'option' })).toBe('missing option `name` (expected string)');
  });

  it('of a union type: the types it may have', () => {
    expect(said(z.strictObject({ when: z.union([z.number(), z.literal(false)]) }), {})).toBe('missing key `when` (expected number or false)');
  });

  it('of a union with a custom check: the key alone (no type to name)', () => {
    expect(said(z.strictObject({ p: z.union([z.string(), policyLike]) }), {})).toBe('missing key `p`');
  });

  it('a schema’s own message for a missing value is kept: it is no "received undefined"', () => {
    const Doc = z.strictObject({ name: z.string({ error: 'a name is needed' }) });
    const issue = onlyIssue(Doc, {});
    expect(describeIssue(issue, Doc)).toBe('a name is needed');
    expect(issuePlace(issue)).toStrictEqual({ path: ['name'] });
  });
});

describe('describeIssue: unions', () => {
  it('a value of none of the types: the types, and what it is', () => {
    expect(said(z.union([z.string(), z.strictObject({ name: z.string() })]), 5)).toBe('expected string or object, received number');
  });

  it('three types, a union in a union among them: a list', () => {
    expect(said(z.union([z.number(), z.union([z.boolean(), z.null()])]), 'x')).toBe('expected number, boolean or null, received string');
  });

  it('a literal of a type already listed is left out (`none` beside string)', () => {
    const Config = z.union([z.literal('none'), z.string().min(1), z.record(z.string(), z.unknown())]);
    expect(said(Config, 5)).toBe('expected string or record, received number');
  });

  it('a record beside an object is left out: both are maps', () => {
    expect(said(z.union([z.strictObject({ file: z.string() }), z.record(z.string(), z.unknown())]), 5)).toBe('expected object, received number');
  });

  it('a literal of another type stays', () => {
    expect(said(z.union([z.number(), z.literal(false)]), true)).toBe('expected number or false, received boolean');
  });

  it('literals alone: no "received" (zod does not say it for a value)', () => {
    expect(said(z.union([z.literal('a'), z.literal('b')]), 'c')).toBe('expected "a" or "b"');
  });

  it('an enum among the options: its values', () => {
    expect(said(z.union([z.enum(['a', 'b', 'c']), z.number()]), true)).toBe('expected "a", "b", "c" or number, received boolean');
  });

  it('several options take the value: what each says, at its place', () => {
    // A: `x` is no number. B: `x` is not its key (and nothing near: `y` is a whole rewrite of `x`).
    expect(said(z.strictObject({ u: z.union([A, B]) }), { u: { kind: 'a', x: 's' } })).toBe(
      'fits none of its forms: `x`: expected number, received string; or unknown key `x`',
    );
  });

  it('several options saying the same: said once', () => {
    // Both options find `widht`, and both know `width` (through the union, every option's keys).
    const Size = z.union([z.strictObject({ width: z.number() }), z.strictObject({ height: z.number() })]);
    expect(said(Size, { widht: 1 })).toBe('fits none of its forms: unknown key `widht` (did you mean `width`?)');
  });

  it('a union issue without options: zod’s message, without "Invalid input: "', () => {
    expect(said(z.xor([z.string(), z.string().min(1)]), 'ab')).toBe('more than one option matched');
  });
});

describe('describeIssue: anything else', () => {
  it('zod’s message without "Invalid input: " or "Invalid option: "', () => {
    expect(said(z.number(), 'x')).toBe('expected number, received string');
    expect(said(z.enum(['strict', 'lax']), 'loose')).toBe('expected one of "strict"|"lax"');
  });

  it('other messages as they are', () => {
    expect(said(z.string().max(3), 'abcd')).toBe('Too big: expected string to have <=3 characters');
    expect(said(policyLike, 5)).toBe('not a policy');
  });
});

describe('a number or boolean where only a string is taken', () => {
  const Machine = z.strictObject({ release: z.string().optional(), name: z.union([z.string(), z.literal(false)]).optional(), cpus: z.number().optional() });

  it('says to quote it (YAML read `6.13` as a number, `yes` as a boolean)', () => {
    expect(said(Machine, { release: 6.13 })).toBe('expected string, received number; put the value in quotes (`"…"`) to write it as a string');
    expect(said(Machine, { release: true })).toBe('expected string, received boolean; put the value in quotes (`"…"`) to write it as a string');
  });

  it('says nothing of quotes where a number or boolean is also taken, or a string is not', () => {
    expect(said(Machine, { name: 3 })).not.toContain('quotes');
    expect(said(Machine, { cpus: 'two' })).not.toContain('quotes');
  });
});
