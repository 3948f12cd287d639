/**
 * Ranges of kernel releases: `>=6.1 <6.15`, `6.8.x || >=6.12`, `>=4.18.0-513 <4.18.1`.
 *
 * Grammar: alternatives separated by `||`; each a space-separated list of comparators, all of which
 * must hold. A comparator is `>=`, `>`, `<=`, `<` or `=` (the default) followed by a release, or an
 * x-range (`6.8.x`, `6.x`, `*`) without an operator.
 *
 * An operand matches every build it does not name: `=6.8.0` matches `6.8.0-45-generic` and
 * `6.8.0-100-generic`, `<=4.18.0-513` matches `4.18.0-513.24.1.el8_9`, and `>6.8.0` starts after the
 * last build of 6.8.0. Upstream numbers and rc are always compared in full (`6.8` is `6.8.0`, not
 * `6.8.x`; `>=6.13` excludes `6.13-rc2`). An x-range matches by upstream prefix, so `6.8.x` takes
 * `6.8-rc3` too: an rc of 6.8 is a 6.8 kernel.
 */
import { compareWithPrecision, parseKernelRelease, type KernelRelease } from './kernel-release.js';

export type KernelOperator = '>=' | '>' | '<=' | '<' | '=';

/** One condition of a range. */
export type KernelComparator =
  | { readonly kind: 'compare'; readonly operator: KernelOperator; readonly release: KernelRelease }
  | { readonly kind: 'prefix'; readonly prefix: readonly number[] };

export class KernelRangeError extends TypeError {
  constructor(
    readonly range: string,
    readonly reason: string,
  ) {
    super(`invalid kernel release range \`${range}\`: ${reason}`);
    this.name = 'KernelRangeError';
  }
}

const COMPARATOR = /^(>=|<=|>|<|=)?(.*)$/s;
const X_RANGE = /^(?:\d{1,9}\.)*[xX*](?:\.[xX*])*$/;
// An operand is a release whose distribution part (if any) follows a `-`: `6.8.0-45-generic`.
const OPERAND = /^\d{1,9}(?:\.\d{1,9})*(?:-.*)?$/s;

function parseComparator(range: string, text: string): KernelComparator {
  const [, operator, operand = ''] = COMPARATOR.exec(text)!;
  if (operand === '') throw new KernelRangeError(range, `\`${text}\` has no release after the operator`);
  if (X_RANGE.test(operand)) {
    if (operator !== undefined) {
      throw new KernelRangeError(range, `\`${text}\`: an operator takes a release, not an x-range (write \`${operator}${operand.replace(/(\.[xX*])+$|^[xX*]$/, '') || '0'}\`)`);
    }
    return { kind: 'prefix', prefix: operand.split('.').filter((p) => /^\d+$/.test(p)).map(Number) };
  }
  const release = OPERAND.test(operand) ? parseKernelRelease(operand) : undefined;
  if (!release) throw new KernelRangeError(range, `\`${operand}\` is not a kernel release (e.g. \`6.8.0-45\`) or an x-range (e.g. \`6.8.x\`)`);
  return { kind: 'compare', operator: (operator ?? '=') as KernelOperator, release };
}

function holds(comparator: KernelComparator, release: KernelRelease): boolean {
  if (comparator.kind === 'prefix') {
    return comparator.prefix.every((n, i) => (release.upstream[i] ?? 0) === n);
  }
  const order = compareWithPrecision(release, comparator.release, comparator.release.build.length);
  switch (comparator.operator) {
    case '>=':
      return order >= 0;
    case '>':
      return order > 0;
    case '<=':
      return order <= 0;
    case '<':
      return order < 0;
    case '=':
      return order === 0;
  }
}

/** A parsed range; build it once and call `test` as often as needed. */
export class KernelRange {
  /** The range as written. */
  readonly raw: string;
  /** Alternatives (`||`), each a list of comparators that must all hold. An empty range is `[[]]`: any release. */
  readonly set: readonly (readonly KernelComparator[])[];

  /** Throws a `KernelRangeError` naming what is wrong. */
  constructor(text: string) {
    this.raw = text;
    // `>= 6.1` is `>=6.1`, as in semver.
    const normalized = text.trim().replace(/(>=|<=|>|<|=)\s+/g, '$1');
    if (normalized === '') {
      // As in semver, an empty range is any release.
      this.set = [[]];
      return;
    }
    this.set = normalized.split('||').map((alternative) => {
      const trimmed = alternative.trim();
      if (trimmed === '') throw new KernelRangeError(text, 'empty alternative around `||`');
      return trimmed.split(/\s+/).map((c) => parseComparator(text, c));
    });
  }

  /** Whether `release` is in the range; a string that is not a kernel release is in no range. */
  test(release: string | KernelRelease): boolean {
    const parsed = typeof release === 'string' ? parseKernelRelease(release) : release;
    if (!parsed) return false;
    return this.set.some((all) => all.every((c) => holds(c, parsed)));
  }

  toString(): string {
    return this.raw;
  }
}

/** The range for `text`; throws a `KernelRangeError` for an invalid one. */
export function kernelRange(text: string): KernelRange {
  return new KernelRange(text);
}
