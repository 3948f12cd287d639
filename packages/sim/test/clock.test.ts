/**
 * Skipping quiet ticks must not change what happens: timers fire at the same machine times, and a
 * ticker that is not quiet sees every tick.
 */
import { describe, expect, it } from 'vitest';
import { Clock } from '../src/clock.js';

function trace(quiet: ((now: number) => boolean) | undefined, steps: readonly number[]) {
  const clock = new Clock();
  const seen: string[] = [];
  let ticks = 0;
  clock.onTick((now) => {
    ticks += 1;
    if (quiet && !quiet(now)) seen.push(`tick ${now}`);
  });
  if (quiet) clock.quietWhen(() => quiet(clock.now));
  const timer = (name: string, delay: number) => clock.setTimer(() => seen.push(`${name} ${clock.now}`), delay);
  timer('a', 5);
  timer('b', 1234);
  timer('c', 86_400_000);
  timer('d', 86_400_003);
  clock.setTimer(() => timer('e', 7), 50_000);
  for (const ms of steps) clock.advance(ms);
  return { seen: seen.filter((s) => !s.startsWith('tick')), ticked: seen.filter((s) => s.startsWith('tick')), ticks, now: clock.now };
}

describe('Clock.quietWhen', () => {
  it('fires every timer at the tick it fires at without skipping', () => {
    const steps = [3, 86_400_000, 999, 4];
    const ticking = trace(undefined, steps);
    const skipping = trace(() => true, steps);
    expect(skipping.seen).toEqual(ticking.seen);
    expect(ticking.seen).toEqual(['a 10', 'b 1240', 'e 50010', 'c 86400000', 'd 86400003']);
    expect(skipping.now).toBe(ticking.now);
    // ...and it did skip: a day is 8.64 million ticks.
    expect(skipping.ticks).toBeLessThan(100);
    expect(ticking.ticks).toBe(8_640_100);
  });

  it('ticks every tick while not quiet', () => {
    // A timer at 2000 ms makes work for ten ticks; the ticker does it and is quiet again.
    const clock = new Clock();
    let work = 0;
    const ticked: number[] = [];
    clock.onTick((now) => {
      if (work === 0) return;
      ticked.push(now);
      work -= 1;
    });
    clock.quietWhen(() => work === 0);
    clock.setTimer(() => (work = 10), 2000);
    clock.advance(86_400_000);
    expect(ticked).toEqual(Array.from({ length: 10 }, (_, i) => 2010 + i * 10));
  });
});
