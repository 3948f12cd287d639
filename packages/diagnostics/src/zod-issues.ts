/**
 * Zod 4 validation issues in words a user can act on, the same way for every document patchwise
 * reads (manifests, scenarios, configs, policy options): the issue that explains most, where it
 * is, and a sentence with a did-you-mean from the keys valid at that place. What is particular to
 * a document (the manifest's callback steps, a policy's "option `x`") stays with its reader.
 */
// The core namespace itself (not `z.core`): a bundler then keeps only the classes used here.
import * as core from 'zod/v4/core';
import { suggestion } from './suggest.js';
import { formatPath } from './yaml-source.js';

type Issue = core.$ZodIssue;
type Path = (string | number)[];

/** Where an issue is, for pointing at it. */
export interface IssuePlace {
  /** The value at fault; for an unknown key, the (first) key itself; for a missing key, where it belongs. */
  readonly path: Path;
  /**
   * Set when the sentence names the key at the end of `path`: `unknown` (locate the key, not its
   * value) or `missing` (it is not in the document: its parent is what can be located).
   */
  readonly key?: 'unknown' | 'missing';
}

const toPath = (path: readonly PropertyKey[]): Path => path.map((part) => (typeof part === 'symbol' ? String(part) : part));

/**
 * A schema that only wraps another (`.optional()`, `.default([])`, a pipe's input, a lazy one): that
 * other. (A `.catch()` reports no issue from inside it.)
 */
function unwrap(schema: core.$ZodType): core.$ZodType | undefined {
  if (
    schema instanceof core.$ZodOptional ||
    schema instanceof core.$ZodNullable ||
    schema instanceof core.$ZodDefault ||
    schema instanceof core.$ZodPrefault ||
    schema instanceof core.$ZodNonOptional ||
    schema instanceof core.$ZodReadonly
  ) {
    return schema._zod.def.innerType;
  }
  if (schema instanceof core.$ZodPipe) return schema._zod.def.in;
  if (schema instanceof core.$ZodLazy) return schema._zod.def.getter();
  return undefined;
}

/**
 * The keys an object of `schema` may have at `path` (every option's, through a union), for
 * did-you-mean: an unknown key is as likely a typo inside `objects[0]` as at the top. `seen` stops
 * a lazy schema that is its own option.
 */
function keysAt(schema: core.$ZodType, path: readonly PropertyKey[], seen = new Set<core.$ZodType>()): string[] {
  if (seen.has(schema)) return [];
  seen.add(schema);
  const inner = unwrap(schema);
  if (inner) return keysAt(inner, path, seen);
  if (schema instanceof core.$ZodUnion) return [...new Set(schema._zod.def.options.flatMap((o) => keysAt(o, path, seen)))];
  if (schema instanceof core.$ZodIntersection) return [...new Set([...keysAt(schema._zod.def.left, path, seen), ...keysAt(schema._zod.def.right, path, seen)])];
  const [head, ...rest] = path;
  if (schema instanceof core.$ZodObject) {
    const { shape, catchall } = schema._zod.def;
    if (head === undefined) return Object.keys(shape);
    const next = typeof head === 'string' && Object.hasOwn(shape, head) ? shape[head] : catchall;
    return next ? keysAt(next, rest) : [];
  }
  if (typeof head === 'number' && schema instanceof core.$ZodArray) return keysAt(schema._zod.def.element, rest);
  if (typeof head === 'number' && schema instanceof core.$ZodTuple) {
    const next = schema._zod.def.items[head] ?? schema._zod.def.rest;
    return next ? keysAt(next, rest) : [];
  }
  if (head !== undefined && schema instanceof core.$ZodRecord) return keysAt(schema._zod.def.valueType, rest);
  return [];
}

/** What an issue says the value was (`number`, `undefined`), from zod's "…, received number". */
function received(issue: Issue): string | undefined {
  if (issue.code === 'invalid_type') return /received (\w+)$/.exec(issue.message)?.[1];
  if (issue.code !== 'invalid_union') return undefined;
  for (const errors of issue.errors) {
    const first = errors[0];
    const got = first && first.path.length === 0 ? received(first) : undefined;
    if (got) return got;
  }
  return undefined;
}

/** The key an issue says is not there: zod says "expected string, received undefined". */
function missingKey(issue: Issue): string | undefined {
  const last = issue.path.at(-1);
  return typeof last === 'string' && received(issue) === 'undefined' ? last : undefined;
}

/** One thing a value may be: a type (`string`), or a literal (`"none"`, of JS type `type`). */
interface Alternative {
  readonly text: string;
  readonly type?: string;
}

/**
 * What the value may be, when the issue is that it is none of it: a wrong type, a value not among
 * the literals, or a union whose every option says one of these at the value itself. Else
 * `undefined`: some option fits the value's type and has more to say.
 */
function alternatives(issue: Issue): Alternative[] | undefined {
  if (issue.code === 'invalid_type') return [{ text: issue.expected }];
  if (issue.code === 'invalid_value') {
    return issue.values.map((v) => ({ text: typeof v === 'string' ? JSON.stringify(v) : String(v), type: v === null ? 'null' : typeof v }));
  }
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return undefined;
  const each = issue.errors.map((errors) => (errors.length === 1 && errors[0]?.path.length === 0 ? alternatives(errors[0]) : undefined));
  return each.every((a) => a !== undefined) ? each.flat() : undefined;
}

/**
 * `string or record`, `number, false or null`: without what another alternative already says (the
 * literal `"none"` beside `string`, a record beside an object).
 */
function anyOf(alternatives: readonly Alternative[]): string {
  const types = new Set(alternatives.filter((a) => a.type === undefined).map((a) => a.text));
  const kept = alternatives.filter((a) => (a.type === undefined ? !(a.text === 'record' && types.has('object')) : !types.has(a.type)));
  const texts = [...new Set(kept.map((a) => a.text))];
  return texts.length > 1 ? `${texts.slice(0, -1).join(', ')} or ${texts.at(-1)}` : (texts[0] ?? '');
}

/** Options of a union that fail only because the value has another type (or is another literal). */
const misfit = (errors: readonly Issue[]) => errors.length === 1 && errors[0]?.path.length === 0 && alternatives(errors[0]) !== undefined;

/** An unknown key explains more than the errors it causes: the first one, else the first issue. */
const firstOf = (issues: readonly Issue[]) => issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];

/**
 * A union issue (zod says only "Invalid input") where the value has the type of one option only,
 * e.g. a map where a string or `{ name, … }` is taken: that option's own issue, which says what is
 * wrong (`name` missing), with its path made whole. An absent value fits no option: it stays the
 * union's issue ("missing key"). Any other issue is returned as it is.
 */
export function narrowIssue(issue: Issue): Issue {
  let current = issue;
  while (current.code === 'invalid_union' && received(current) !== 'undefined') {
    const fitting = current.errors.filter((errors) => !misfit(errors));
    const inner = fitting.length === 1 && fitting[0] ? firstOf(fitting[0]) : undefined;
    if (!inner) break;
    current = { ...inner, path: [...current.path, ...inner.path] };
  }
  return current;
}

/**
 * The one issue to report of a failed parse: an unknown key (a typo) before the errors it causes,
 * else the first; narrowed through unions (`narrowIssue`), with its whole path. An unknown-keys
 * issue keeps only its first key, the one the report points at. `undefined` for no issues.
 */
export function pickIssue(issues: readonly Issue[]): Issue | undefined {
  const first = firstOf(issues);
  if (!first) return undefined;
  const issue = narrowIssue(first);
  return issue.code === 'unrecognized_keys' ? { ...issue, keys: issue.keys.slice(0, 1) } : issue;
}

/** Where `issue` is: its path, ending at the (first) unknown key, and whether the sentence names a key. */
export function issuePlace(issue: Issue): IssuePlace {
  const path = toPath(issue.path);
  const unknown = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  if (unknown !== undefined) return { path: [...path, unknown], key: 'unknown' };
  return missingKey(issue) === undefined ? { path } : { path, key: 'missing' };
}

/**
 * What is wrong, in words, for a reason line:
 * - an unknown key: `unknown key \`vendr\` (did you mean \`vendor\`?)`, from the keys `schema` takes
 *   at that place (every key of several: `unknown keys \`a\`, \`b\``);
 * - a missing key: `missing key \`name\` (expected string)`;
 * - a value that fits none of a union's types: `expected string or object, received number`;
 * - a union where several options fit the value's type: what each of those says;
 * - else zod's message, without its `Invalid input: ` / `Invalid option: `.
 *
 * `schema` is what the issue's path is relative to; `noun` names keys (`option`: `unknown option`).
 * The place itself is not in the sentence: see `issuePlace`.
 */
export function describeIssue(issue: Issue, schema: core.$ZodType, options: { noun?: string } = {}): string {
  const noun = options.noun ?? 'key';
  if (issue.code === 'unrecognized_keys') {
    const known = keysAt(schema, issue.path);
    // Through a union, a key one option does not take may be another's: it is no typo of itself.
    const keys = issue.keys.map((key) => `\`${key}\`${suggestion(key, known.filter((k) => k !== key))}`);
    return `unknown ${noun}${keys.length > 1 ? 's' : ''} ${keys.join(', ')}`;
  }
  const missing = missingKey(issue);
  const expected = alternatives(issue);
  if (missing !== undefined) return `missing ${noun} \`${missing}\`${expected ? ` (expected ${anyOf(expected)})` : ''}`;
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const got = received(issue);
    if (expected) return `expected ${anyOf(expected)}${got ? `, received ${got}` : ''}${quoteAdvice(issue)}`;
    // Several options take a value of this type, each for its own reason: say each one, at its place.
    const reasons = issue.errors
      .filter((errors) => !misfit(errors))
      .map((errors) => {
        const inner = firstOf(errors) as Issue;
        const whole = narrowIssue({ ...inner, path: [...issue.path, ...inner.path] } as Issue);
        const place = issuePlace(whole);
        const at = (place.key ? place.path.slice(0, -1) : place.path).slice(issue.path.length);
        return `${at.length ? `\`${formatPath(at)}\`: ` : ''}${describeIssue(whole, schema, options)}`;
      });
    return `fits none of its forms: ${[...new Set(reasons)].join('; or ')}`;
  }
  const said = issue.message.replace(/^Invalid (input|option): /, '');
  return `${said}${quoteAdvice(issue)}`;
}

/**
 * YAML reads `6.13`, `1.0` or `yes` as a number or a boolean: where only a string is taken, say how
 * to make it one (the value as written may have lost digits, `6.10` → `6.1`, so it is not repeated).
 */
function quoteAdvice(issue: Issue): string {
  const got = received(issue);
  const wanted = alternatives(issue)?.map((a) => a.type ?? a.text);
  if ((got !== 'number' && got !== 'boolean') || !wanted?.every((t) => t === 'string')) return '';
  return `; put the value in quotes (\`"…"\`) to write it as a string`;
}
