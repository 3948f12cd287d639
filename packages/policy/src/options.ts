/**
 * Validating a policy's options against its schema, with messages that name the option and what
 * was expected.
 */
import { describeIssue, Diagnostic, formatPath, issuePlace, narrowIssue, type SourcePlace } from '@patchwise/diagnostics';
import type { z } from 'zod';
import type { Policy } from './define.js';

export type Severity = 'error' | 'warn' | 'off';

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/**
 * `defaults` under `options`, objects merged key by key, everything else replaced. Options are
 * untrusted: every key is copied as an own key (a `__proto__` key stays a key, which the schema
 * then refuses, instead of becoming the prototype the schema reads missing options from), and a
 * default is only an own key of `defaults`.
 */
export function mergeDefaults(defaults: unknown, options: unknown): unknown {
  if (options === undefined) return defaults;
  if (!isPlainObject(defaults) || !isPlainObject(options)) return options;
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(options)) {
    const base = Object.hasOwn(defaults, key) ? defaults[key] : undefined;
    Object.defineProperty(merged, key, { value: mergeDefaults(base, value), enumerable: true, writable: true, configurable: true });
  }
  return merged;
}

/**
 * One problem with the options, said of the option it is in: `unknown option \`limt\` (did you mean
 * \`limit\`?)`, `missing option \`limit\` (expected number)`, `option \`names[1]\`: expected string,
 * received number`; inside an option's own object, `option \`nested\`: unknown key \`dpeth\` …`.
 */
function describeOptionIssue(issue: z.core.$ZodIssue, schema: z.core.$ZodType): string {
  const narrowed = narrowIssue(issue);
  const place = issuePlace(narrowed);
  // An unknown or missing key is named in the sentence: say which option holds it, if any.
  const option = place.key ? place.path.slice(0, -1) : place.path;
  const text = describeIssue(narrowed, schema, { noun: option.length ? 'key' : 'option' });
  return option.length ? `option \`${formatPath(option)}\`: ${text}` : text;
}

/**
 * The policy's validated options (defaults applied). Throws a `Diagnostic` (code
 * `PW_POLICY_OPTIONS`) listing every problem.
 */
export function validateOptions<S extends z.ZodType>(policy: Policy<S>, options: unknown, where: SourcePlace = {}): z.output<S> {
  const input = mergeDefaults(policy.meta?.defaults ?? {}, options ?? {});
  const schema = policy.meta?.schema;
  if (!schema) {
    if (isPlainObject(options) && Object.keys(options).length > 0) {
      throw new Diagnostic({
        code: 'PW_POLICY_OPTIONS',
        ...where,
        reason: `policy \`${policy.name}\` takes no options (got ${Object.keys(options).map((k) => `\`${k}\``).join(', ')})`,
        hint: 'remove the options',
      });
    }
    return input as z.output<S>;
  }
  let result: z.ZodSafeParseResult<z.output<S>>;
  try {
    result = schema.safeParse(input);
  } catch (err) {
    // A broken schema (or a refinement that throws) is the plugin's bug, not the user's input.
    throw new Diagnostic({
      code: 'PW_POLICY_BROKEN',
      ...where,
      reason: `policy \`${policy.name}\` cannot check its options: ${err instanceof Error ? err.message : String(err)}`,
      hint: 'the plugin is broken: report it to its author, or switch it off with `severity: off`',
      cause: err,
    });
  }
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => describeOptionIssue(issue, schema));
  throw new Diagnostic({
    code: 'PW_POLICY_OPTIONS',
    ...where,
    reason: `invalid options for policy \`${policy.name}\`: ${problems.join('; ')}`,
    hint: `see the options of \`${policy.name}\` in its README`,
  });
}
