/**
 * The simulated machine: a kernel with the livepatch core, a module loader, tasks on a few CPUs,
 * ftrace, kallsyms, sysfs/procfs, a log, and a clock that moves only when told to.
 */
import { Errno, Livepatch, type Address, type KlpHost } from '@patchwise/core';
import { Clock, SimWorkQueue } from './clock.js';
import { Ftrace } from './ftrace.js';
import { FsError, VirtualFs } from './fs.js';
import { Kallsyms, VMLINUX } from './kallsyms.js';
import { KernelLog, SELFTEST_DYNAMIC_DEBUG, type DynamicDebug } from './kmsg.js';
import { ModuleLoader, type ModuleImage } from './modules.js';
import { parseBool } from './params.js';
import { selftestModules } from './selftest-modules/index.js';
import { LivepatchSysfs, ProcPidFs, SysModuleFs } from './sysfs.js';
import { Scheduler, type Task, type TaskBehavior } from './tasks.js';
import { DEFAULT_CMDLINE, DEFAULT_RELEASE, STACKS, vmlinuxSymbols } from './vmlinux.js';

export interface MachineOptions {
  /** Possible CPUs, each with an idle task (default 2). */
  readonly cpus?: number;
  /**
   * Module images `insmod` can load, besides those added later with `addModule`. Default: the
   * kernel's livepatch selftest modules.
   */
  readonly modules?: readonly ModuleImage[];
  /** Which `pr_debug` lines print (default: the selftests' setting). */
  readonly dynamicDebug?: DynamicDebug;
  /** Whether the architecture has reliable stack traces (default true). */
  readonly reliableStacks?: boolean;
  /** `/proc/cmdline`. */
  readonly cmdline?: string;
  /** `uname -r`. */
  readonly release?: string;
  /** Extra vmlinux functions, for scenarios that patch functions of their own. */
  readonly kernelFunctions?: readonly string[];
  /**
   * Wall-clock time at boot, in ms since the Unix epoch (what policies see as `now`). Default
   * 2026-01-01T00:00:00Z, so runs are reproducible.
   */
  readonly epoch?: number;
}

/** The default boot time: runs do not depend on when they happen. */
export const DEFAULT_EPOCH = Date.UTC(2026, 0, 1);

/** The behaviour of the selftests' getpid hammer: a syscall per quantum, forever. */
export const getpidLoop: TaskBehavior = {
  busy: true,
  run: (task, machine) => {
    machine.syscall(task, '__x64_sys_getpid');
  },
};

export class Machine {
  readonly clock = new Clock();
  readonly log: KernelLog;
  readonly kallsyms = new Kallsyms();
  readonly ftrace: Ftrace;
  readonly scheduler: Scheduler;
  readonly fs = new VirtualFs();
  readonly modules: ModuleLoader;
  readonly workqueue: SimWorkQueue;
  readonly livepatch: Livepatch;
  readonly release: string;
  /** Wall-clock time at boot (ms since the Unix epoch). */
  readonly epoch: number;
  /** The shell that runs commands (`insmod`, `echo`, `cat`): `current` during an operation. */
  readonly shell: Task;
  /** The system workqueue's workers; the first runs the livepatch retry work. */
  readonly kworkers: Task[];
  /** `/sys/kernel/debug/kprobes/enabled`. */
  kprobesEnabled = true;

  constructor(options: MachineOptions = {}) {
    const cpus = options.cpus ?? 2;
    this.release = options.release ?? DEFAULT_RELEASE;
    this.epoch = options.epoch ?? DEFAULT_EPOCH;
    this.log = new KernelLog(() => this.clock.now, options.dynamicDebug ?? SELFTEST_DYNAMIC_DEBUG);
    this.kallsyms.add(VMLINUX, vmlinuxSymbols(options.cmdline ?? DEFAULT_CMDLINE));
    this.addKernelFunctions(options.kernelFunctions ?? []);
    this.ftrace = new Ftrace(this.kallsyms);
    this.scheduler = new Scheduler(cpus, this.#frames(STACKS.idle));
    this.scheduler.reliableStacks = options.reliableStacks ?? true;
    this.scheduler.onSignal = (task) => {
      task.signalPending = true;
    };
    this.modules = new ModuleLoader(this);
    this.#boot(cpus);
    this.kworkers = this.scheduler.list().filter((t) => t.comm.startsWith('kworker/'));
    this.shell = this.spawn({ comm: 'bash', stack: this.#frames(STACKS.shellWait) });
    const worker = this.kworkers[0] ?? this.shell;
    this.workqueue = new SimWorkQueue(this.clock, (work) => this.#runWork(worker, work));
    const host: KlpHost = {
      log: this.log,
      symbols: this.kallsyms,
      ftrace: this.ftrace,
      scheduler: this.scheduler,
      workqueue: this.workqueue,
      modules: this.modules,
      now: () => this.now,
      release: this.release,
    };
    this.livepatch = new Livepatch(host);
    this.#mountFiles();
    this.clock.onTick(() => this.#tick());
    this.clock.quietWhen(() => this.#quiet());
    for (const image of options.modules ?? selftestModules) this.modules.addImage(image);
  }

  /** Make a module image loadable. */
  addModule(image: ModuleImage): void {
    this.modules.addImage(image);
  }

  /** Add vmlinux functions (those not there yet), e.g. the ones a scenario's patches replace. */
  addKernelFunctions(names: Iterable<string>): void {
    const missing = [...new Set(names)].filter((name) => !this.kallsyms.address(VMLINUX, name));
    if (missing.length) this.kallsyms.add(VMLINUX, missing.map((name) => ({ name })));
  }

  /** Wall-clock machine time, ms since the Unix epoch. */
  get now(): number {
    return this.epoch + this.clock.now;
  }

  // ---- commands, run by the shell ----

  /** `insmod NAME.ko ARGS`: 0 or a negative errno. */
  insmod(name: string, args = ''): Promise<number> {
    return this.#asShell(['load_module', '__do_sys_finit_module'], () => this.modules.insmod(name, args));
  }

  /** `rmmod NAME`: 0 or a negative errno (-EBUSY while in use). */
  rmmod(name: string): Promise<number> {
    return this.#asShell(['__x64_sys_delete_module'], () => this.modules.rmmod(name));
  }

  /** `cat PATH`. Throws `FsError` for a missing or unreadable file. */
  read(path: string): string {
    return this.#asShellSync(['vfs_read'], () => this.fs.read(path));
  }

  /** `echo TEXT > PATH`: 0 or a negative errno. */
  write(path: string, text: string): Promise<number> {
    return this.#asShell(['vfs_write'], () => this.fs.write(path, text));
  }

  readdir(path: string): string[] {
    return this.fs.readdir(path);
  }

  /** Let `ms` of machine time pass: tasks run, retries fire. */
  advance(ms: number): void {
    this.clock.advance(ms);
  }

  /** Fork a task from the shell (it inherits the shell's patch state). */
  spawn(options: { comm: string; kthread?: boolean; stack?: readonly Address[]; behavior?: TaskBehavior }): Task {
    const task = this.scheduler.spawn(options);
    // `this.livepatch` is not there yet while booting; boot tasks start idle anyway.
    if (this.shell && !options.kthread) this.livepatch.copyProcess(this.shell, task);
    return task;
  }

  kill(task: Task): void {
    this.scheduler.exit(task);
  }

  /**
   * `task` calls the function at `addr`: function tracer entries, the livepatch redirect (§2.9),
   * then the body of whichever implementation runs.
   */
  call(task: Task, addr: Address, ...args: unknown[]): unknown {
    const record = { time: this.clock.now, pid: task.pid, comm: task.comm };
    this.ftrace.functionEntry(addr, record);
    const target = this.livepatch.isPatched(addr) ? this.livepatch.resolveCall(addr, task) : addr;
    if (target !== addr) this.ftrace.functionEntry(target, record);
    const body = this.kallsyms.entry(target)?.body;
    return task.within(target, () => body?.(task, ...args));
  }

  /**
   * `task` goes to sleep inside the function at `addr`: in the implementation it would run there
   * (the livepatch redirect applies, as in `call`), under `schedule`. A task that sleeps in a patched
   * function sleeps in the replacement its patch state selects, and that frame is what the stack
   * check of an unpatching transition looks for (semantics §2.2.1).
   */
  sleepIn(task: Task, addr: Address): void {
    const running = this.livepatch.isPatched(addr) ? this.livepatch.resolveCall(addr, task) : addr;
    task.stack = [...this.#frames(['schedule']), running];
  }

  /** Call a function by name (vmlinux by default). */
  callSymbol(task: Task, name: string, object = VMLINUX, ...args: unknown[]): unknown {
    const addr = this.kallsyms.address(object, name);
    if (!addr) throw new Error(`no function ${name} in ${object}`);
    return this.call(task, addr, ...args);
  }

  /** A system call by `task`: the call, then the return to user space (a switch point). */
  syscall(task: Task, name: string, ...args: unknown[]): unknown {
    const result = task.within(this.#address('do_syscall_64'), () => this.callSymbol(task, name, VMLINUX, ...args));
    this.#exitToUser(task);
    return result;
  }

  /** A shell-side read of a file whose contents come from `task` running a show function. */
  showAs(task: Task, name: string, object = VMLINUX): string {
    return String(this.callSymbol(task, name, object) ?? '');
  }

  /** Addresses of vmlinux frames by name, for stacks. */
  frames(names: readonly string[], object = VMLINUX): Address[] {
    return this.#frames(names, object);
  }

  #frames(names: readonly string[], object = VMLINUX): Address[] {
    return names.map((name) => this.kallsyms.address(object, name) ?? `${object}:${name}`);
  }

  #address(name: string): Address {
    return this.kallsyms.address(VMLINUX, name) ?? `${VMLINUX}:${name}`;
  }

  /** Run a command as the shell: in the kernel on CPU 0, back to user space afterwards. */
  async #asShell<T>(frames: readonly string[], fn: () => T | Promise<T>): Promise<T> {
    const saved = this.shell.stack;
    this.shell.stack = this.#frames([...frames, 'do_syscall_64']);
    const leave = this.scheduler.enter(this.shell);
    try {
      return await fn();
    } finally {
      leave();
      this.shell.stack = saved;
      this.#exitToUser(this.shell);
    }
  }

  /** A synchronous shell command (reads never wait on policies). */
  #asShellSync<T>(frames: readonly string[], fn: () => T): T {
    const saved = this.shell.stack;
    this.shell.stack = this.#frames([...frames, 'do_syscall_64']);
    try {
      return this.scheduler.runAs(this.shell, fn);
    } finally {
      this.shell.stack = saved;
      this.#exitToUser(this.shell);
    }
  }

  #runWork(worker: Task, work: () => void): void {
    const saved = worker.stack;
    worker.stack = this.#frames(['klp_transition_work_fn', ...STACKS.work]);
    try {
      this.scheduler.runAs(worker, work);
    } finally {
      worker.stack = saved;
      this.livepatch.schedTrySwitch(worker);
    }
  }

  /** Return to user space (`exit_to_user_mode`): signals are handled, the patch state updates. */
  #exitToUser(task: Task): void {
    if (task.kthread) return;
    task.signalPending = false;
    this.livepatch.updatePatchState(task);
  }

  /** One scheduler tick: busy tasks run a quantum, idle CPUs run the idle loop, signals land. */
  /** A tick would do nothing: no task to run, no patch state or signal pending (see `#tick`). */
  #quiet(): boolean {
    for (const task of this.scheduler.list()) if (task.behavior?.busy || task.patchPending || task.signalPending) return false;
    return this.scheduler.idle.every((task) => !task.patchPending);
  }

  #tick(): void {
    const onCpu = this.scheduler.schedule();
    onCpu.forEach((task, cpu) => {
      if (!this.scheduler.isOnline(cpu)) return;
      if (task) {
        this.scheduler.runAs(task, () => task.behavior?.run?.(task, this));
        this.#exitToUser(task);
      } else {
        const idle = this.scheduler.idle[cpu];
        if (idle) this.livepatch.updatePatchState(idle);
      }
    });
    for (const task of this.scheduler.list()) {
      if (!task.signalPending) continue;
      task.signalPending = false;
      if (task.behavior?.signal) task.behavior.signal(task, this);
      else if (!task.kthread) this.#exitToUser(task);
    }
  }

  #boot(cpus: number): void {
    this.spawn({ comm: 'systemd', stack: this.#frames(STACKS.epollWait) });
    this.spawn({ comm: 'kthreadd', kthread: true, stack: this.#frames(STACKS.kthreadd) });
    for (let cpu = 0; cpu < cpus; cpu += 1) {
      this.spawn({ comm: `ksoftirqd/${cpu}`, kthread: true, stack: this.#frames(STACKS.smpboot) });
      this.spawn({ comm: `kworker/${cpu}:1`, kthread: true, stack: this.#frames(STACKS.idleKworker) });
    }
  }

  #mountFiles(): void {
    const { fs } = this;
    fs.mount(new LivepatchSysfs(this.livepatch, this.release));
    fs.mount(new ProcPidFs(this.scheduler, (a) => this.kallsyms.entry(a)?.name ?? a));
    fs.mount(new SysModuleFs(this.modules));
    const current = () => this.scheduler.current ?? this.shell;
    fs.add('/proc/cmdline', { mode: 0o444, read: () => this.showAs(current(), 'cmdline_proc_show') });
    fs.add('/proc/meminfo', { mode: 0o444, read: () => this.showAs(current(), 'meminfo_proc_show') });
    fs.add('/proc/sys/kernel/osrelease', { mode: 0o444, read: () => `${this.release}\n` });
    fs.add('/proc/sys/kernel/ftrace_enabled', {
      mode: 0o644,
      read: () => `${Number(this.ftrace.enabled)}\n`,
      write: (text) => {
        const value = Number.parseInt(text.trim(), 10);
        return Number.isNaN(value) ? -Errno.EINVAL : this.ftrace.setEnabled(value !== 0);
      },
    });
    fs.add('/sys/kernel/debug/kprobes/enabled', {
      mode: 0o600,
      read: () => `${Number(this.kprobesEnabled)}\n`,
      write: (text) => {
        const value = parseBool(text);
        if (value === undefined) return -Errno.EINVAL;
        this.kprobesEnabled = value;
        return 0;
      },
    });
    for (const root of ['/sys/kernel/tracing', '/sys/kernel/debug/tracing']) {
      fs.add(`${root}/current_tracer`, {
        mode: 0o644,
        read: () => `${this.ftrace.currentTracer}\n`,
        write: (text) => this.ftrace.setCurrentTracer(text.trim()),
      });
      fs.add(`${root}/set_ftrace_filter`, {
        mode: 0o644,
        read: () => this.ftrace.traceFilter.map((f) => `${f}\n`).join(''),
        write: (text) => {
          this.ftrace.setTraceFilter(text.split(/\s+/).filter(Boolean));
          return 0;
        },
      });
      fs.add(`${root}/trace`, {
        mode: 0o644,
        read: () =>
          this.ftrace.trace
            .map((r) => `${`${r.comm}-${r.pid}`.padStart(16)} [000] ..... ${(r.time / 1000).toFixed(6)}: ${r.function}\n`)
            .join(''),
        write: () => {
          this.ftrace.clearTrace();
          return 0;
        },
      });
    }
  }
}

export { FsError };
