/**
 * `log` and `nolog` expectations, over the kernel log since the previous `expect`: lines that must
 * appear in order, and lines that must not appear at all.
 */
import { fail } from '@patchwise/kselftest';
import type { ScenarioHarness } from './harness.js';
import { matchesLine, parseMatcher, showMatcher, type TextMatcher } from './patterns.js';

export function parseLines(raw: unknown, key: 'log' | 'nolog'): TextMatcher[] {
  const items = Array.isArray(raw) ? raw : [raw];
  if (items.length === 0) fail(`\`${key}\` lists at least one line`);
  return items.map((item, i) => parseMatcher(item, items.length === 1 && !Array.isArray(raw) ? key : `${key}[${i}]`));
}

const linesSinceExpect = (h: ScenarioHarness) => h.machine.log.records(h.logMark).map((r) => r.text);

export function checkLog(h: ScenarioHarness, want: readonly TextMatcher[]): [boolean, string] {
  const lines = linesSinceExpect(h);
  let at = 0;
  for (const m of want) {
    const found = lines.findIndex((line, i) => i >= at && matchesLine(m, line));
    if (found < 0) {
      const rest = lines.slice(at);
      const got = rest.length === 0 ? 'no more lines' : `the lines after that were ${JSON.stringify(rest.slice(0, 8))}${rest.length > 8 ? ` and ${rest.length - 8} more` : ''}`;
      return [false, `log line ${showMatcher(m)} (in order, since the previous expect) not found; ${got}`];
    }
    at = found + 1;
  }
  return [true, want.length === 1 ? `log line ${showMatcher(want[0] as TextMatcher)}` : `log: ${want.length} lines, in order`];
}

export function checkNoLog(h: ScenarioHarness, banned: readonly TextMatcher[]): [boolean, string] {
  const lines = linesSinceExpect(h);
  const hits = banned.flatMap((m) => lines.filter((line) => matchesLine(m, line)).map((line) => `${showMatcher(m)} matched ${JSON.stringify(line)}`));
  const what = `no log line ${banned.map(showMatcher).join(' or ')} since the previous expect`;
  return [hits.length === 0, hits.length === 0 ? what : `${what}, but ${hits.join('; ')}`];
}
