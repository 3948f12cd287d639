/**
 * How replay results read: the log itself, a unified diff per mismatch, and the summary line.
 */
import { createTwoFilesPatch } from 'diff';
import type { CaseResult } from './harness.js';

const joined = (lines: readonly string[]) => (lines.length ? `${lines.join('\n')}\n` : '');

/** A unified diff from the expected log to the produced one; empty when they match. */
export function diffResult(result: CaseResult): string {
  const expected = joined(result.expected);
  const actual = joined(result.output);
  if (expected === actual) return '';
  const patch = createTwoFilesPatch(
    `${result.case.id} (expected)`,
    `${result.case.id} (simulated)`,
    expected,
    actual,
    undefined,
    undefined,
    { context: 3 },
  );
  // Drop the "=====" banner line createTwoFilesPatch starts with.
  return patch.replace(/^=+\n/, '');
}

/** `N passed, M failed`. */
export function summaryLine(results: readonly CaseResult[]): string {
  const passed = results.filter((r) => r.passed).length;
  return `${passed} passed, ${results.length - passed} failed`;
}
