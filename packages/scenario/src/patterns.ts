/**
 * Text matchers of expectations: a string is matched exactly (a whole log line) or as a substring
 * (a finding's message), `{match: REGEX}` as a regular expression. Patterns come from scenario
 * files: their length is bounded so that one expectation cannot cost more than the log it reads.
 */
import { fail, isRecord } from '@patchwise/kselftest';

export const MAX_PATTERN_LENGTH = 256;

export type TextMatcher = { readonly text: string } | { readonly pattern: RegExp };

export function parseMatcher(raw: unknown, what: string): TextMatcher {
  if (typeof raw === 'string') return { text: raw };
  if (typeof raw === 'number' || typeof raw === 'boolean') {
    return fail(`\`${what}\` is a string or \`{match: REGEX}\` (got the ${typeof raw} ${String(raw)}: quote it, \`"${String(raw)}"\`)`);
  }
  if (!isRecord(raw) || Object.keys(raw).length !== 1 || typeof raw.match !== 'string') {
    return fail(`\`${what}\` is a string or \`{match: REGEX}\``);
  }
  if (raw.match.length > MAX_PATTERN_LENGTH) fail(`\`${what}\`: a pattern is at most ${MAX_PATTERN_LENGTH} characters`);
  try {
    return { pattern: new RegExp(raw.match, 'u') };
  } catch (err) {
    return fail(`\`${what}\`: \`${raw.match}\` is not a regular expression (${(err as Error).message})`);
  }
}

/** A whole line equals the text, or the pattern matches somewhere in it. */
export function matchesLine(m: TextMatcher, line: string): boolean {
  return 'text' in m ? line === m.text : m.pattern.test(line);
}

/** The text is contained in `value`, or the pattern matches somewhere in it. */
export function matchesPart(m: TextMatcher, value: string): boolean {
  return 'text' in m ? value.includes(m.text) : m.pattern.test(value);
}

export function showMatcher(m: TextMatcher): string {
  return 'text' in m ? JSON.stringify(m.text) : `/${m.pattern.source}/`;
}
