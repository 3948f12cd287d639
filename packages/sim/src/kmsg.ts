/**
 * The kernel log buffer, with printk levels, dynamic debug, and the selftests' filter.
 */
import type { LogLevel, LogSink } from '@patchwise/core';

export interface LogRecord {
  readonly seq: number;
  /** Machine time in milliseconds. */
  readonly time: number;
  readonly level: LogLevel;
  readonly text: string;
  /** The kernel function that printed it (for core lines), or `undefined`. */
  readonly site?: string;
}

/**
 * Which `pr_debug` call sites print. The default is the selftests' setting: the livepatch core's
 * debug lines on, `klp_try_switch_task`'s off.
 */
export interface DynamicDebug {
  /** Sites whose debug lines print. `'*'` enables every site not disabled. */
  readonly enabled: readonly string[];
  readonly disabled: readonly string[];
}

export const SELFTEST_DYNAMIC_DEBUG: DynamicDebug = { enabled: ['*'], disabled: ['klp_try_switch_task'] };

export class KernelLog implements LogSink {
  readonly #records: LogRecord[] = [];
  readonly #listeners: ((record: LogRecord) => void)[] = [];
  #seq = 0;

  constructor(
    private readonly now: () => number,
    public dynamicDebug: DynamicDebug = SELFTEST_DYNAMIC_DEBUG,
  ) {}

  printk(level: LogLevel, text: string, site?: string): void {
    if (level === 'debug' && !this.#debugEnabled(site)) return;
    const record: LogRecord = { seq: this.#seq++, time: this.now(), level, text, ...(site ? { site } : {}) };
    this.#records.push(record);
    for (const listener of this.#listeners) listener(record);
  }

  /** Every record so far (or since `fromSeq`). */
  records(fromSeq = 0): readonly LogRecord[] {
    return fromSeq === 0 ? this.#records : this.#records.filter((r) => r.seq >= fromSeq);
  }

  /** The sequence number the next record will get: a mark for `records(mark)`. */
  get mark(): number {
    return this.#seq;
  }

  subscribe(listener: (record: LogRecord) => void): () => void {
    this.#listeners.push(listener);
    return () => {
      const at = this.#listeners.indexOf(listener);
      if (at >= 0) this.#listeners.splice(at, 1);
    };
  }

  #debugEnabled(site: string | undefined): boolean {
    const { enabled, disabled } = this.dynamicDebug;
    if (site && disabled.includes(site)) return false;
    return enabled.includes('*') || (site !== undefined && enabled.includes(site));
  }
}

/**
 * The selftests' view of the log: lines containing `livepatch:` or `test_klp`, without the taint
 * notices.
 */
export function selftestFilter(lines: Iterable<string>): string[] {
  const kept: string[] = [];
  for (const line of lines) {
    if (!line.includes('livepatch:') && !line.includes('test_klp')) continue;
    if (line.includes('tainting kernel') || line.includes('taints kernel')) continue;
    kept.push(line);
  }
  return kept;
}
