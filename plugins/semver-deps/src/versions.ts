/**
 * Semver versions and ranges as this policy reads them. The modules used are imported one by one,
 * not the `semver` index, which loads all 47 of its files (about half the import time of this
 * plugin's dependencies at CLI start-up).
 */
import type { SemVer } from 'semver';
import Range from 'semver/classes/range.js';
import parse from 'semver/functions/parse.js';
import subset from 'semver/ranges/subset.js';

/** The range for `text`, or the `Error` semver gave for it. */
export function semverRange(text: string, includePrerelease: boolean): Range | Error {
  try {
    return new Range(text, { includePrerelease });
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

const ANY = new Range('*');

/**
 * Whether `range` admits every version: what a patch without a version can be relied on to meet
 * (`*`, `x`, `>=0.0.0`, an empty range).
 */
export function admitsEveryVersion(range: Range): boolean {
  return subset(ANY, range);
}

/** A semver version, or `undefined`. */
export function parseVersion(text: string): SemVer | undefined {
  return parse(text) ?? undefined;
}
