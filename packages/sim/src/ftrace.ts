/**
 * ftrace as livepatch meets it: the `ftrace_enabled` sysctl, IP-modifying owners of a function
 * (livepatch, a kprobe with a post handler), and the function tracer.
 */
import { Errno, type Address, type FtraceHost } from '@patchwise/core';
import type { Kallsyms } from './kallsyms.js';

type IpModifyOwner = 'livepatch' | 'kprobe';

export interface TraceRecord {
  readonly time: number;
  readonly pid: number;
  readonly comm: string;
  readonly function: string;
}

export class Ftrace implements FtraceHost {
  /** The `kernel.ftrace_enabled` sysctl. */
  #enabled = true;
  readonly #filters = new Set<Address>();
  readonly #ipmodify = new Map<Address, IpModifyOwner>();
  /** Function tracer: `set_ftrace_filter` contents and whether `current_tracer` is `function`. */
  readonly #traceFilter = new Set<string>();
  #tracerOn = false;
  readonly #trace: TraceRecord[] = [];

  constructor(private readonly symbols: Kallsyms) {}

  get enabled(): boolean {
    return this.#enabled;
  }

  /** Write the sysctl: refused with -EBUSY while a permanent ops (a livepatch) is registered. */
  setEnabled(value: boolean): number {
    if (!value && [...this.#ipmodify.values()].includes('livepatch')) return -Errno.EBUSY;
    this.#enabled = value;
    return 0;
  }

  hasLocation(addr: Address): boolean {
    return this.symbols.entry(addr)?.traceable ?? false;
  }

  setFilter(addr: Address): number {
    if (!this.hasLocation(addr)) return -Errno.EINVAL;
    this.#filters.add(addr);
    return 0;
  }

  clearFilter(addr: Address): void {
    this.#filters.delete(addr);
  }

  register(addr: Address): number {
    if (!this.#enabled) return -Errno.EBUSY;
    return this.#claim(addr, 'livepatch');
  }

  unregister(addr: Address): void {
    if (this.#ipmodify.get(addr) === 'livepatch') this.#ipmodify.delete(addr);
    this.#filters.delete(addr);
  }

  /** A kprobe with a post handler needs to modify the IP too: one such owner per function. */
  registerKprobe(addr: Address): number {
    return this.#claim(addr, 'kprobe');
  }

  unregisterKprobe(addr: Address): void {
    if (this.#ipmodify.get(addr) === 'kprobe') this.#ipmodify.delete(addr);
  }

  #claim(addr: Address, owner: IpModifyOwner): number {
    if (this.#ipmodify.has(addr)) return -Errno.EBUSY;
    this.#ipmodify.set(addr, owner);
    return 0;
  }

  // ---- function tracer (tracefs) ----

  get traceFilter(): readonly string[] {
    return [...this.#traceFilter];
  }

  /** `echo FUNCS > set_ftrace_filter` (`append` for `>>`). */
  setTraceFilter(functions: readonly string[], append = false): void {
    if (!append) this.#traceFilter.clear();
    for (const f of functions) this.#traceFilter.add(f);
  }

  get currentTracer(): 'function' | 'nop' {
    return this.#tracerOn ? 'function' : 'nop';
  }

  setCurrentTracer(tracer: string): number {
    if (tracer !== 'function' && tracer !== 'nop') return -Errno.EINVAL;
    this.#tracerOn = tracer === 'function';
    return 0;
  }

  /** Called at a traced function's entry (its fentry site), before any livepatch redirect. */
  functionEntry(addr: Address, record: Omit<TraceRecord, 'function'>): void {
    if (!this.#tracerOn || !this.#enabled) return;
    const entry = this.symbols.entry(addr);
    if (!entry?.traceable) return;
    if (this.#traceFilter.size > 0 && !this.#traceFilter.has(entry.name)) return;
    this.#trace.push({ ...record, function: entry.name });
  }

  get trace(): readonly TraceRecord[] {
    return this.#trace;
  }

  clearTrace(): void {
    this.#trace.length = 0;
  }
}
