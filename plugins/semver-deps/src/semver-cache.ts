/**
 * Semver ranges for patch versions, each parsed once.
 *
 * `range.test(version)` on a built `Range` is about 13× faster than `satisfies()` on strings, and
 * semver's own cache keeps only 1000 ranges; the gates test the same few manifest ranges against
 * every installed patch on every operation.
 */
// Perf: the modules used, not the `semver` index, which loads all 47 of its files (about half the
// import time of this plugin's dependencies at CLI startup).
import type { SemVer } from 'semver';
import Range from 'semver/classes/range.js';
import parse from 'semver/functions/parse.js';
import subset from 'semver/ranges/subset.js';

// Perf: one map per `includePrerelease` setting, so a lookup builds no key string.
const prereleaseRanges = new Map<string, Range | Error>();
const releaseRanges = new Map<string, Range | Error>();

/** The range for `text`, or the `Error` semver gave for it. */
export function semverRange(text: string, includePrerelease: boolean): Range | Error {
  const cache = includePrerelease ? prereleaseRanges : releaseRanges;
  let range = cache.get(text);
  if (range === undefined) {
    try {
      range = new Range(text, { includePrerelease });
    } catch (err) {
      range = err instanceof Error ? err : new Error(String(err));
    }
    cache.set(text, range);
  }
  return range;
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

const versions = new Map<string, SemVer | null>();
/** Distinct strings kept at most; past that the cache starts over (a bound for odd inputs). */
const MAX_VERSIONS = 10_000;

/**
 * `parseVersion` for the rules' own reading, where the `SemVer` is only read, never handed out: it
 * may be shared. Perf: the patch being decided is a new snapshot at every gate, with the same
 * version strings as the last one, so each distinct string is parsed once.
 */
export function sharedVersion(text: string): SemVer | undefined {
  let version = versions.get(text);
  if (version === undefined) {
    if (versions.size >= MAX_VERSIONS) versions.clear();
    version = parse(text);
    versions.set(text, version);
  }
  return version ?? undefined;
}
