/**
 * The lifecycle trace a report draws (`runScenario({trace: true})`): every transition step with the
 * tasks' progress, every callback, module loads and removals, and each change of the per-function
 * patch stacks, stamped with machine time. Observers only: nothing here changes what the kernel does
 * or logs.
 */
import { PatchState, type CallbackStage, type PendingTask, type TransitionEventKind } from '@patchwise/core';
import type { Machine } from '@patchwise/sim';
import { functionStacks, type FunctionStack } from './stacks.js';

/** A transition step, with how far the tasks got. */
export interface TransitionTraceEvent {
  readonly type: 'transition';
  /** Machine time, ms since boot. */
  readonly time: number;
  readonly kind: TransitionEventKind;
  readonly patch: string;
  readonly target: 'patched' | 'unpatched';
  readonly retries: number;
  /** Every task the transition must switch (idle tasks included, as the kernel counts them). */
  readonly tasks: number;
  /** How many of them are in the target state already. */
  readonly switched: number;
  /** On `retry`: the tasks that could not switch, and why. */
  readonly pending: readonly PendingTask[];
}

/** A callback as it runs: a per-object callback (with its `object`), or a patch-level point where something ran. */
export interface CallbackTraceEvent {
  readonly type: 'callback';
  readonly time: number;
  readonly patch: string;
  readonly stage: CallbackStage;
  /** The object of a per-object callback; absent for the patch-level point (scoped callbacks). */
  readonly object?: string;
  /** A pre-patch callback's return value. */
  readonly result?: number;
}

export interface ModuleTraceEvent {
  readonly type: 'module';
  readonly time: number;
  readonly module: string;
  readonly action: 'load' | 'remove';
}

/** The per-function patch stacks, whenever they change (finer than the per-step `stacks`). */
export interface PatchesTraceEvent {
  readonly type: 'patches';
  readonly time: number;
  readonly stacks: readonly FunctionStack[];
}

export type TraceEvent = TransitionTraceEvent | CallbackTraceEvent | ModuleTraceEvent | PatchesTraceEvent;

const OBSERVER = { name: 'scenario-trace', order: 'post' } as const;

/**
 * Tap `machine`'s hooks (before the policies seal them) and push trace events as things happen.
 * `sync()` records what changed without a hook (modules, stacks): call it after every step; it also
 * runs before every kernel log line is recorded (attach this first) and before every decision.
 */
export function traceLifecycle(machine: Machine, push: (event: TraceEvent) => void): { sync(): void } {
  const hooks = machine.livepatch.hooks;
  let modules = new Set(machine.modules.loaded().map((m) => m.name));
  let stacksKey = '[]';
  const sync = () => {
    const time = machine.clock.now;
    const now = new Set(machine.modules.loaded().map((m) => m.name));
    for (const name of now) if (!modules.has(name)) push({ type: 'module', time, module: name, action: 'load' });
    for (const name of modules) if (!now.has(name)) push({ type: 'module', time, module: name, action: 'remove' });
    modules = now;
    const stacks = functionStacks(machine);
    const key = JSON.stringify(stacks);
    if (key !== stacksKey) push({ type: 'patches', time, stacks });
    stacksKey = key;
  };
  const progress = (target: 'patched' | 'unpatched') => {
    const state = target === 'patched' ? PatchState.Patched : PatchState.Unpatched;
    const all = [...machine.scheduler.tasks(), ...[...machine.scheduler.idleTasks()].map((t) => t.task)];
    return { tasks: all.length, switched: all.filter((t) => t.patchState === state).length };
  };
  hooks.transition.tap(OBSERVER, (e) => {
    sync();
    const counts = progress(e.target);
    // Completion resets every task to idle: all of them made it.
    if (e.kind === 'complete') counts.switched = counts.tasks;
    push({ type: 'transition', time: machine.clock.now, kind: e.kind, patch: e.patch.name, target: e.target, retries: e.retries, ...counts, pending: e.pending });
  });
  hooks.objectCallback.tap(OBSERVER, (e) => {
    push({ type: 'callback', time: machine.clock.now, patch: e.patch, stage: e.callback, object: e.object, ...(e.result === undefined ? {} : { result: e.result }) });
  });
  // Every patch passes the patch-level points, most with nothing there: record a point only when
  // what ran at it (scoped callbacks) left a trace in the log.
  let pointMark = 0;
  hooks.callbacks.tap({ name: 'scenario-trace', order: 'pre' }, () => {
    pointMark = machine.log.mark;
  });
  hooks.callbacks.tap(OBSERVER, (e) => {
    if (machine.log.mark > pointMark) push({ type: 'callback', time: machine.clock.now, patch: e.patch.name, stage: e.stage });
  });
  // A loading module is there before its gate decides: record it before the decision.
  hooks.decision.tap(OBSERVER, () => sync());
  hooks.postPatch.tap(OBSERVER, () => sync());
  hooks.postUnpatch.tap(OBSERVER, () => sync());
  machine.log.subscribe(() => sync());
  return { sync };
}
