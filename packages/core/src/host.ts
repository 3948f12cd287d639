/**
 * What the livepatch core needs from the machine it runs on.
 *
 * The kernel's livepatch code calls into kallsyms, ftrace, the scheduler, the module loader and the
 * workqueue. The core stays free of I/O and of time by asking for those through this interface;
 * `@patchwise/sim` implements it for a simulated machine, and other targets can implement it too.
 */
import type { LogSink } from './log.js';

/** A code address. Machines choose the representation; the core only compares them. */
export type Address = string;

/** Per-task livepatch state (`task->patch_state`, shown in `/proc/PID/patch_state`). */
export const PatchState = {
  /** No transition in progress (`KLP_TRANSITION_IDLE`, shown as -1). */
  Idle: -1,
  Unpatched: 0,
  Patched: 1,
} as const;
export type PatchState = (typeof PatchState)[keyof typeof PatchState];

/** A task as the livepatch core sees it. The core writes `patchState` and `patchPending`. */
export interface KlpTask {
  readonly pid: number;
  readonly comm: string;
  /** Kernel thread (`PF_KTHREAD`): woken instead of signalled by `klp_send_signals`. */
  readonly kthread: boolean;
  patchState: PatchState;
  /** `TIF_PATCH_PENDING`. */
  patchPending: boolean;
}

/** The module states a target module's callbacks can observe. */
export type ModuleState = 'LIVE' | 'COMING' | 'GOING' | 'UNFORMED';

/** A loaded kernel module, as the livepatch core sees it. */
export interface KlpModule {
  readonly name: string;
  /** `MODULE_INFO(livepatch, "Y")`. */
  readonly livepatch: boolean;
  readonly state: ModuleState;
  /** Set by the core in `klp_module_coming`, cleared when the module goes or its coming fails. */
  klpAlive: boolean;
  /** `try_module_get()`: false once the module is going. */
  tryGet(): boolean;
  /** `module_put()`. */
  put(): void;
}

/** kallsyms: symbol lookup. */
export interface SymbolTable {
  /** Addresses of every symbol called `name` in `object` (`null` is vmlinux), in kallsyms order. */
  lookup(object: string | null, name: string): readonly Address[];
  /** `kallsyms_lookup_size_offset()`: the size of the function at `addr`, or `undefined`. */
  sizeOf(addr: Address): number | undefined;
}

/** The part of ftrace the livepatch core uses, one `ftrace_ops` per patched function. */
export interface FtraceHost {
  /** `ftrace_location()`: whether `addr` has an ftrace call site. */
  hasLocation(addr: Address): boolean;
  /** `ftrace_set_filter_ip()` for the livepatch ops of `addr`: 0 or a negative errno. */
  setFilter(addr: Address): number;
  /** Removes the filter set by `setFilter` (after a failed registration). */
  clearFilter(addr: Address): void;
  /** `register_ftrace_function()` of a permanent, IP-modifying ops on `addr`: 0 or a negative errno. */
  register(addr: Address): number;
  /** `unregister_ftrace_function()` + filter removal. */
  unregister(addr: Address): void;
}

/** The scheduler's view the consistency model needs (semantics §2.2). */
export interface SchedulerHost {
  /** Every thread of every process, idle tasks excluded (`for_each_process_thread`). */
  tasks(): Iterable<KlpTask>;
  /** One idle ("swapper") task per possible CPU, with whether that CPU is online. */
  idleTasks(): Iterable<{ task: KlpTask; online: boolean }>;
  /** `task_curr(task) && task != current`: running on another CPU right now. */
  isRunningElsewhere(task: KlpTask): boolean;
  /** `stack_trace_save_tsk_reliable()`: the task's kernel stack, or `null` when it is not reliable. */
  stackTrace(task: KlpTask): readonly Address[] | null;
  /** Whether the architecture has reliable stack traces (`klp_have_reliable_stack()`). */
  hasReliableStacks(): boolean;
  /** `set_notify_signal()` for a user task / `wake_up_state(TASK_INTERRUPTIBLE)` for a kthread. */
  sendFakeSignal(task: KlpTask): void;
}

/** The delayed workqueue behind the transition retries. */
export interface WorkQueue {
  /**
   * `schedule_delayed_work()`: run `work` after `delayMs` of machine time. Does nothing when the
   * same work is already pending, as in the kernel.
   */
  scheduleDelayed(work: () => void, delayMs: number): void;
}

/** `find_module()`. */
export interface ModuleRegistry {
  find(name: string): KlpModule | undefined;
}

/** Everything the core asks of its machine. */
export interface KlpHost {
  readonly log: LogSink;
  readonly symbols: SymbolTable;
  readonly ftrace: FtraceHost;
  readonly scheduler: SchedulerHost;
  readonly workqueue: WorkQueue;
  readonly modules: ModuleRegistry;
  /** `%p` for a shadow variable's object in a WARN line. */
  formatPointer?(value: unknown): string;
  /** Wall-clock machine time in ms since the Unix epoch, for policies (default: 0). */
  now?(): number;
  /** The kernel release (`uname -r`), for policies. */
  readonly release?: string;
}
