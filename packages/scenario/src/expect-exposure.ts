/**
 * `expect: {exposure}`: how long a patch's fix waited between its vendor's release (`published`)
 * and this host loading it. The time is measured on the machine's clock, so an experiment shows a
 * rollout's exposure window as the tool computed it, and a bound (`min`, `max`) checks it.
 */
import { fail, isRecord, onlyKeys, str } from '@patchwise/kselftest';
import { formatDuration } from '@patchwise/policy';
import type { ScenarioHarness } from './harness.js';
import { parseDuration } from './steps.js';

export interface ExpectedExposure {
  readonly patch: string;
  readonly min?: number;
  readonly max?: number;
}

export function parseExposure(raw: unknown): ExpectedExposure {
  if (!isRecord(raw)) return fail('`exposure` is `{patch, min?, max?}`');
  onlyKeys(raw, ['patch', 'min', 'max'], ['patch']);
  const min = raw.min === undefined ? undefined : parseDuration(raw.min);
  const max = raw.max === undefined ? undefined : parseDuration(raw.max);
  if (min !== undefined && max !== undefined && min > max) fail('`exposure.min` is more than `exposure.max`');
  return { patch: str(raw.patch, 'exposure.patch'), ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function bounds(want: ExpectedExposure): string {
  if (want.min !== undefined && want.max !== undefined) return `, within ${formatDuration(want.min)}..${formatDuration(want.max)}`;
  if (want.min !== undefined) return `, at least ${formatDuration(want.min)}`;
  if (want.max !== undefined) return `, at most ${formatDuration(want.max)}`;
  return '';
}

export function checkExposure(h: ScenarioHarness, want: ExpectedExposure): [boolean, string] {
  const head = `exposure of '${want.patch}'`;
  const published = h.published.get(want.patch);
  if (published === undefined) return [false, `${head}: it has no \`published\` date`];
  const loaded = h.loadedAt.get(want.patch);
  if (loaded === undefined) return [false, `${head}${bounds(want)}, but it was never loaded (published ${iso(published)})`];
  const ms = loaded - published;
  const ok = (want.min === undefined || ms >= want.min) && (want.max === undefined || ms <= want.max);
  const measured = `${formatDuration(ms)} (published ${iso(published)}, loaded ${iso(loaded)})`;
  return [ok, ok ? `${head}: ${measured}${bounds(want)}` : `${head}${bounds(want)}, got ${measured}`];
}
