/**
 * Tasks and CPUs: what the consistency model looks at (semantics §2.2). Each task has a kernel
 * stack of function addresses (innermost first), and may be on a CPU, preempted, or asleep.
 */
import { PatchState, type Address, type KlpTask, type SchedulerHost } from '@patchwise/core';
import type { Machine } from './machine.js';

/** What a task does over time. The machine calls these; they run with the task as `current`. */
export interface TaskBehavior {
  /** Wants a CPU every tick (a busy loop in user space, like the selftests' getpid hammer). */
  readonly busy?: boolean;
  /** One quantum on a CPU. */
  run?(task: Task, machine: Machine): void;
  /** A fake signal arrived (`set_notify_signal` / `wake_up_state`). */
  signal?(task: Task, machine: Machine): void;
}

export interface TaskOptions {
  readonly comm: string;
  readonly kthread?: boolean;
  readonly stack?: readonly Address[];
  readonly behavior?: TaskBehavior;
}

export class Task implements KlpTask {
  patchState: PatchState = PatchState.Idle;
  patchPending = false;
  /** Kernel stack, innermost frame first; empty while the task is in user space. */
  stack: Address[];
  /** `false` makes `stack_trace_save_tsk_reliable()` fail for this task. */
  reliableStack = true;
  /** A fake signal is waiting to be handled on the way back to user space. */
  signalPending = false;
  alive = true;
  behavior: TaskBehavior | undefined;

  constructor(
    readonly pid: number,
    public comm: string,
    readonly kthread: boolean,
    stack: readonly Address[] = [],
    behavior?: TaskBehavior,
  ) {
    this.stack = [...stack];
    this.behavior = behavior;
  }

  /** Run `fn` with `frame` pushed on the stack. */
  within<T>(frame: Address, fn: () => T): T {
    this.stack.unshift(frame);
    try {
      return fn();
    } finally {
      const at = this.stack.indexOf(frame);
      if (at >= 0) this.stack.splice(at, 1);
    }
  }
}

/** The task list, the idle tasks and who is on which CPU. */
export class Scheduler implements SchedulerHost {
  readonly #tasks = new Map<number, Task>();
  readonly idle: Task[];
  readonly #online: boolean[];
  /** The task on each CPU during the current quantum; `null` means the CPU is idle. */
  readonly #onCpu: (Task | null)[];
  #current: Task | null = null;
  #nextPid = 1;
  #rotation = 0;
  reliableStacks = true;
  /** Delivers a fake signal; set by the machine. */
  onSignal: (task: Task) => void = () => {};

  constructor(cpus: number, idleStack: readonly Address[]) {
    this.idle = Array.from({ length: cpus }, (_, cpu) => new Task(0, `swapper/${cpu}`, true, idleStack));
    this.#online = this.idle.map(() => true);
    this.#onCpu = this.idle.map(() => null);
  }

  get cpus(): number {
    return this.idle.length;
  }

  spawn(options: TaskOptions): Task {
    const task = new Task(this.#nextPid++, options.comm, options.kthread ?? false, options.stack, options.behavior);
    this.#tasks.set(task.pid, task);
    return task;
  }

  exit(task: Task): void {
    task.alive = false;
    task.stack = [];
    this.#tasks.delete(task.pid);
    for (let cpu = 0; cpu < this.#onCpu.length; cpu += 1) if (this.#onCpu[cpu] === task) this.#onCpu[cpu] = null;
  }

  get(pid: number): Task | undefined {
    return this.#tasks.get(pid);
  }

  list(): Task[] {
    return [...this.#tasks.values()];
  }

  setOnline(cpu: number, online: boolean): void {
    if (cpu > 0 && cpu < this.#online.length) this.#online[cpu] = online;
  }

  get current(): Task | null {
    return this.#current;
  }

  /** Make `task` current on CPU 0 until the returned function is called. */
  enter(task: Task): () => void {
    const previous = this.#current;
    const previousOnCpu0 = this.#onCpu[0] ?? null;
    this.#current = task;
    this.#onCpu[0] = task;
    return () => {
      this.#current = previous;
      this.#onCpu[0] = previousOnCpu0;
    };
  }

  /** Run `fn` as `task` on CPU 0 (a shell command, a work item). */
  runAs<T>(task: Task, fn: () => T): T {
    const leave = this.enter(task);
    try {
      return fn();
    } finally {
      leave();
    }
  }

  /** Pick who runs this quantum: busy tasks take the online CPUs in turn; the rest idle. */
  schedule(): (Task | null)[] {
    const busy = this.list().filter((t) => t.behavior?.busy);
    const online = this.#online.map((on, cpu) => (on ? cpu : -1)).filter((cpu) => cpu >= 0);
    for (let i = 0; i < this.#onCpu.length; i += 1) this.#onCpu[i] = null;
    online.forEach((cpu, i) => {
      if (busy.length === 0) return;
      if (i < busy.length) this.#onCpu[cpu] = busy[(this.#rotation + i) % busy.length] ?? null;
    });
    this.#rotation = busy.length ? (this.#rotation + online.length) % busy.length : 0;
    return [...this.#onCpu];
  }

  isOnline(cpu: number): boolean {
    return this.#online[cpu] ?? false;
  }

  // ---- SchedulerHost ----

  tasks(): Iterable<Task> {
    return this.#tasks.values();
  }

  idleTasks(): Iterable<{ task: Task; online: boolean }> {
    return this.idle.map((task, cpu) => ({ task, online: this.#online[cpu] ?? false }));
  }

  isRunningElsewhere(task: KlpTask): boolean {
    if (task === this.#current) return false;
    const cpu = this.idle.indexOf(task as Task);
    if (cpu >= 0) return this.#onCpu[cpu] === null;
    return this.#onCpu.includes(task as Task);
  }

  stackTrace(task: KlpTask): readonly Address[] | null {
    const t = task as Task;
    return t.reliableStack ? t.stack : null;
  }

  hasReliableStacks(): boolean {
    return this.reliableStacks;
  }

  sendFakeSignal(task: KlpTask): void {
    this.onSignal(task as Task);
  }
}
