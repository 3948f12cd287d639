/**
 * Machine time and the delayed workqueue. Time moves only when the caller advances it, so every run
 * of the same operations gives the same log.
 */
import type { WorkQueue } from '@patchwise/core';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/** Milliseconds since boot, and the timers due at given times. */
export class Clock {
  #now = 0;
  #seq = 0;
  #timers: Timer[] = [];
  readonly #tickers: ((now: number) => void)[] = [];
  #quiet: (() => boolean) | undefined;

  /** Scheduler tick period (HZ = 100). */
  static readonly TICK_MS = 10;

  get now(): number {
    return this.#now;
  }

  /** Run `fn` at `now + delayMs`. Returns a function that cancels it. */
  setTimer(fn: () => void, delayMs: number): () => void {
    const timer: Timer = { at: this.#now + Math.max(0, delayMs), seq: this.#seq++, fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Called on every scheduler tick, before the timers due at that tick. */
  onTick(ticker: (now: number) => void): void {
    this.#tickers.push(ticker);
  }

  /**
   * `quiet()` says that a tick would change nothing (no task to run, no flag to act on). While it
   * holds, `advance` skips the ticks before the next due timer: simulated days then cost what
   * seconds do, and the result is the same as ticking through them.
   */
  quietWhen(quiet: () => boolean): void {
    this.#quiet = quiet;
  }

  /** Advance by `ms`, one scheduler tick at a time, running tickers and due timers in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    while (this.#now < end) {
      if (this.#quiet?.()) {
        const due = this.nextTimer();
        const stop = due === undefined ? end : Math.min(end, Math.ceil(due / Clock.TICK_MS) * Clock.TICK_MS);
        // Land on the last tick before `stop`: the step below then runs `stop`'s tick and timers.
        const skipTo = Math.floor((stop - 1) / Clock.TICK_MS) * Clock.TICK_MS;
        if (skipTo > this.#now) this.#now = skipTo;
      }
      const next = Math.min(end, (Math.floor(this.#now / Clock.TICK_MS) + 1) * Clock.TICK_MS);
      this.#now = next;
      if (next % Clock.TICK_MS === 0) for (const ticker of this.#tickers) ticker(next);
      this.#runDue();
    }
  }

  /** Time of the next timer, if any. */
  nextTimer(): number | undefined {
    return this.#timers.reduce<number | undefined>((min, t) => (min === undefined || t.at < min ? t.at : min), undefined);
  }

  #runDue(): void {
    for (;;) {
      const due = this.#timers
        .filter((t) => t.at <= this.#now)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) return;
      this.#timers = this.#timers.filter((t) => t !== due);
      due.fn();
    }
  }
}

/** `schedule_delayed_work()` on the system workqueue: one pending instance per work item. */
export class SimWorkQueue implements WorkQueue {
  readonly #pending = new Set<() => void>();

  /** @param execute runs a work item on a worker thread (as `current`). */
  constructor(
    private readonly clock: Clock,
    private readonly execute: (work: () => void) => void = (work) => work(),
  ) {}

  scheduleDelayed(work: () => void, delayMs: number): void {
    if (this.#pending.has(work)) return;
    this.#pending.add(work);
    this.clock.setTimer(() => {
      this.#pending.delete(work);
      this.execute(work);
    }, delayMs);
  }

  isPending(work: () => void): boolean {
    return this.#pending.has(work);
  }
}
