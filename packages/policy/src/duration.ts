/**
 * Durations as operators write them: `90m`, `48h`, `7d`, `2w`, or a sum such as `1d12h`. Months and
 * years are left out on purpose: their length depends on the date, and a delay must mean the same
 * number of hours on every host of a fleet.
 */
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const PART = /(\d+)([mhdw])/g;
const WHOLE = /^(?:\d+[mhdw])+$/;

/** The longest delay accepted: ten years. A longer one is a typo, not a rollout plan. */
export const MAX_DURATION_MS = 10 * 365 * UNIT_MS.d;

/** Milliseconds of `text`, or `undefined` when it is not a duration within bounds. */
export function parseDuration(text: string): number | undefined {
  if (!WHOLE.test(text)) return undefined;
  let total = 0;
  for (const [, count, unit] of text.matchAll(PART)) {
    total += Number(count) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  return Number.isSafeInteger(total) && total <= MAX_DURATION_MS ? total : undefined;
}

/** `2d 3h`, `45m`, `0m`: the largest units first, for messages. */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(ms / UNIT_MS.m)) * UNIT_MS.m;
  for (const unit of ['d', 'h', 'm'] as const) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * UNIT_MS[unit];
  }
  return parts.length > 0 ? parts.join(' ') : '0m';
}
