/**
 * The consistency model (transition.c): moving every task from the old to the new implementation
 * of the patch in transition, one task at a time, and finishing the transition.
 *
 * At most one patch is in transition system-wide. Tasks switch when their stack is free of the
 * functions being replaced (checked here, retried about once a second), when they return to user
 * space, in the idle loop, at `cond_resched()`, or when forced (semantics §2.2–§2.6).
 */
import { PatchState, type Address, type KlpTask } from './host.js';
import { messages } from './log.js';
import { callbackPoint, postPatchCallback, postUnpatchCallback, replacedBy } from './callbacks.js';
import type { PendingTask, TransitionEventKind } from './hooks.js';
import type { PatchInfo } from './info.js';
import { isObjectLoaded, patchFuncs, type KlpCore, type KlpFunc, type KlpPatch } from './model.js';
import { previousImplementation, unpatchNops, unpatchObjects } from './patch.js';

/** `SIGNALS_TIMEOUT`: fake signals every 15 retries. */
export const SIGNALS_TIMEOUT = 15;
/** The retry period (`round_jiffies_relative(HZ)`, taken as exactly one second). */
export const RETRY_DELAY_MS = 1000;

const direction = (state: PatchState) => (state === PatchState.Patched ? 'patching' : 'unpatching');
const targetName = (state: PatchState) => (state === PatchState.Patched ? 'patched' : 'unpatched');

function debug(core: KlpCore, line: string, site: string): void {
  core.host.log.printk('debug', line, site);
}

function* allTasks(core: KlpCore): Generator<KlpTask> {
  yield* core.host.scheduler.tasks();
  for (const { task } of core.host.scheduler.idleTasks()) yield task;
}

/** Tell the transition observers; on `retry`, returns what a policy asked for. */
function emit(core: KlpCore, kind: TransitionEventKind, pending: readonly PendingTask[] = [], retries = core.signalsCount) {
  const patch = core.transitionPatch;
  if (!patch || !core.hooks.transition.count) return undefined;
  return core.hooks.transition.call({
    kind,
    patch: patch.info,
    target: targetName(core.targetState),
    retries,
    pending,
    now: core.now(),
  });
}

/** `klp_init_transition`: every task starts in the state opposite to the target. */
export function initTransition(core: KlpCore, patch: KlpPatch, state: PatchState): void {
  core.transitionPatch = patch;
  core.targetState = state;
  core.transitionReason = state === PatchState.Patched ? 'enable' : 'disable';
  debug(core, messages.M2_initializing(patch.name, direction(state)), 'klp_init_transition');
  const initial = state === PatchState.Patched ? PatchState.Unpatched : PatchState.Patched;
  for (const task of allTasks(core)) task.patchState = initial;
  for (const func of patchFuncs(patch)) func.transition = true;
  // The counter is reset only when the transition starts; the previous one's count means nothing here.
  emit(core, 'init', [], 0);
}

/** `klp_start_transition`: mark every task not yet in the target state as pending. */
export function startTransition(core: KlpCore): void {
  const patch = core.transitionPatch;
  if (!patch) return;
  core.host.log.printk(
    'notice',
    messages.M3_starting(patch.name, direction(core.targetState)),
    'klp_start_transition',
  );
  for (const task of allTasks(core)) {
    if (task.patchState !== core.targetState) task.patchPending = true;
  }
  core.condReschedSwitching = true;
  core.signalsCount = 0;
  emit(core, 'start');
}

/** The code a task must not be running for the switch to be safe (`klp_check_stack_func`). */
function forbiddenAddress(core: KlpCore, func: KlpFunc): Address | null {
  if (core.targetState === PatchState.Unpatched) return func.newFunc;
  const ops = func.oldFunc === null ? undefined : core.ops.get(func.oldFunc);
  return ops ? previousImplementation(ops, func) : func.oldFunc;
}

type SwitchFailure = Omit<PendingTask, 'pid' | 'comm'>;

/** `klp_check_stack`: `null` when no frame lies in a function being replaced. */
function checkStack(core: KlpCore, task: KlpTask): SwitchFailure | null {
  const trace = core.host.scheduler.stackTrace(task);
  if (trace === null) return { reason: 'unreliable-stack' };
  const patch = core.transitionPatch;
  if (!patch || trace.length === 0) return null;
  const frames = new Set(trace);
  for (const obj of patch.objects) {
    if (!obj.patched) continue;
    for (const func of obj.funcs) {
      const forbidden = forbiddenAddress(core, func);
      if (forbidden !== null && frames.has(forbidden)) return { reason: 'sleeping', blockedIn: func.oldName };
    }
  }
  return null;
}

/** `klp_try_switch_task`: `null` when the task is (now) in the target state, else why not. */
function switchTask(core: KlpCore, task: KlpTask): SwitchFailure | null {
  if (task.patchState === core.targetState) return null;
  const { scheduler, log } = core.host;
  if (!scheduler.hasReliableStacks()) return { reason: 'unreliable-stack' };
  const failure: SwitchFailure | null = scheduler.isRunningElsewhere(task) ? { reason: 'running' } : checkStack(core, task);
  if (!failure) {
    task.patchPending = false;
    task.patchState = core.targetState;
    return null;
  }
  const site = 'klp_try_switch_task';
  if (failure.reason === 'running') log.printk('debug', messages.M24_running(task.comm, task.pid), site);
  else if (failure.reason === 'unreliable-stack') log.printk('debug', messages.M24_unreliable(task.comm, task.pid), site);
  else log.printk('debug', messages.M24_sleeping(task.comm, task.pid, failure.blockedIn ?? ''), site);
  return failure;
}

/** `klp_update_patch_state`: the switch point at return to user space, signals and idle. */
export function updatePatchState(core: KlpCore, task: KlpTask): void {
  if (task.patchPending) {
    task.patchPending = false;
    task.patchState = core.targetState;
  }
}

/** `__klp_sched_try_switch`: the `cond_resched()` switch point for the running task. */
export function schedTrySwitch(core: KlpCore, task: KlpTask): void {
  if (!core.condReschedSwitching || !task.patchPending) return;
  switchTask(core, task);
}

/** `klp_send_signals`. */
function sendSignals(core: KlpCore, announce: boolean): void {
  if (announce) core.host.log.printk('notice', messages.M20_signaling(), 'klp_send_signals');
  for (const task of core.host.scheduler.tasks()) {
    if (task.patchPending) core.host.scheduler.sendFakeSignal(task);
  }
}

/**
 * `klp_try_complete_transition`: try to switch every task; complete the transition when all did,
 * otherwise send signals on schedule and retry in a second. Returns true when it completed.
 */
export function tryCompleteTransition(core: KlpCore): boolean {
  const { scheduler, workqueue } = core.host;
  // Who is still pending matters only to transition observers; skip the bookkeeping otherwise.
  const pending: PendingTask[] | null = core.hooks.transition.count ? [] : null;
  const attempt = (task: KlpTask) => {
    const failure = switchTask(core, task);
    if (failure) pending?.push({ pid: task.pid, comm: task.comm, ...failure });
    return failure === null;
  };
  let complete = true;
  for (const task of scheduler.tasks()) if (!attempt(task)) complete = false;
  for (const { task, online } of scheduler.idleTasks()) {
    if (online) {
      if (!attempt(task)) complete = false;
    } else if (task.patchState !== core.targetState) {
      task.patchPending = false;
      task.patchState = core.targetState;
    }
  }
  if (!complete) {
    // This attempt is retry number `retry` (0: the first try, as the transition starts): the
    // kernel signals at the 15th, and a policy's `after: N` means the Nth, counted the same way.
    const retry = core.signalsCount;
    if (retry && retry % SIGNALS_TIMEOUT === 0) {
      sendSignals(core, retry === SIGNALS_TIMEOUT);
      emit(core, 'signal');
    }
    core.signalsCount += 1;
    actOnRetry(core, pending ?? [], retry);
    workqueue.scheduleDelayed(core.transitionWork, RETRY_DELAY_MS);
    return false;
  }
  core.condReschedSwitching = false;
  const patch = core.transitionPatch;
  if (!patch) return true;
  completeTransition(core);
  if (!patch.enabled) freePatch(core, patch);
  else if (patch.replace) freeReplacedPatches(core, patch);
  return true;
}

/** A transition policy may ask to signal, force or reverse a stalled transition. */
function actOnRetry(core: KlpCore, pending: readonly PendingTask[], retry: number): void {
  const asked = emit(core, 'retry', pending, retry);
  const patch = core.transitionPatch;
  if (!asked || !patch) return;
  core.host.log.printk(
    'notice',
    `patchwise: ${asked.by}: ${asked.value} the ${direction(core.targetState)} transition of '${patch.name}' after ${retry} retries`,
    'patchwise',
  );
  if (asked.value === 'signal') sendSignals(core, false);
  else if (asked.value === 'force') forceTransition(core);
  else reverseTransition(core);
}

/** `klp_complete_transition` (C1–C9 of semantics §2.3). */
export function completeTransition(core: KlpCore): void {
  const patch = core.transitionPatch;
  if (!patch) return;
  const target = core.targetState;
  const reason = core.transitionReason;
  const replaced = target === PatchState.Patched ? replacedBy(core, patch) : [];
  debug(core, messages.M4_completing(patch.name, direction(target)), 'klp_complete_transition');
  if (patch.replace && target === PatchState.Patched) {
    unpatchReplacedPatches(core, patch);
    discardNops(core, patch);
  }
  if (target === PatchState.Unpatched) unpatchObjects(core, patch);
  for (const func of patchFuncs(patch)) func.transition = false;
  for (const task of allTasks(core)) task.patchState = PatchState.Idle;
  for (const obj of patch.objects) {
    if (!isObjectLoaded(obj)) continue;
    if (target === PatchState.Patched) postPatchCallback(core, obj);
    else postUnpatchCallback(core, obj);
  }
  callbackPoint(core, target === PatchState.Patched ? 'postPatch' : 'postUnpatch', patch);
  core.host.log.printk('notice', messages.M5_complete(patch.name, direction(target)), 'klp_complete_transition');
  emit(core, 'complete');
  core.targetState = PatchState.Idle;
  core.transitionPatch = null;
  notifyCompletion(core, patch.info, target, reason, replaced);
}

function notifyCompletion(
  core: KlpCore,
  info: PatchInfo,
  target: PatchState,
  reason: KlpCore['transitionReason'],
  replaced: readonly PatchInfo[],
): void {
  const now = core.now();
  if (target === PatchState.Patched) {
    core.hooks.postPatch.call({ patch: info, replaced, reversed: reason === 'reverse', now });
  } else {
    const why = reason === 'cancel' || reason === 'reverse' ? reason : 'disable';
    core.hooks.postUnpatch.call({ patch: info, reason: why, now });
  }
}

/** `klp_cancel_transition`: a patching transition that never started, undone at once. */
export function cancelTransition(core: KlpCore): void {
  const patch = core.transitionPatch;
  if (!patch || core.targetState !== PatchState.Patched) return;
  debug(core, messages.M6_canceling(patch.name), 'klp_cancel_transition');
  emit(core, 'cancel');
  core.targetState = PatchState.Unpatched;
  core.transitionReason = 'cancel';
  completeTransition(core);
}

/** `klp_reverse_transition`: no callbacks; the pending retry completes it. */
export function reverseTransition(core: KlpCore): void {
  const patch = core.transitionPatch;
  if (!patch) return;
  debug(core, messages.M7_reversing(patch.name, direction(core.targetState)), 'klp_reverse_transition');
  for (const task of allTasks(core)) task.patchPending = false;
  patch.enabled = !patch.enabled;
  core.targetState = core.targetState === PatchState.Patched ? PatchState.Unpatched : PatchState.Patched;
  core.transitionReason = 'reverse';
  emit(core, 'reverse');
  startTransition(core);
}

/** `klp_force_transition`: switch every pending task regardless of its stack. */
export function forceTransition(core: KlpCore): void {
  const patch = core.transitionPatch;
  if (!patch) return;
  core.host.log.printk('warn', messages.M19_forcing(), 'klp_force_transition');
  for (const task of allTasks(core)) updatePatchState(core, task);
  if (core.targetState === PatchState.Unpatched) {
    patch.forced = true;
  } else if (patch.replace) {
    for (const other of core.patches) if (other !== patch) other.forced = true;
  }
  emit(core, 'force');
}

/** `klp_unpatch_replaced_patches`: the patches before `patch` stop, silently. */
function unpatchReplacedPatches(core: KlpCore, patch: KlpPatch): void {
  for (const old of core.patches) {
    if (old === patch) return;
    old.enabled = false;
    unpatchObjects(core, old);
  }
}

/** `klp_discard_nops`: pop the nops and drop the objects that only held nops. */
function discardNops(core: KlpCore, patch: KlpPatch): void {
  unpatchNops(core, patch);
  for (const obj of patch.objects) {
    for (let i = obj.funcs.length - 1; i >= 0; i -= 1) if (obj.funcs[i]?.nop) obj.funcs.splice(i, 1);
  }
  for (let i = patch.objects.length - 1; i >= 0; i -= 1) if (patch.objects[i]?.dynamic) patch.objects.splice(i, 1);
}

/**
 * `klp_free_patch_async` (done at once here: nothing observable happens in between): the patch
 * leaves `klp_patches` and sysfs, and its module reference is dropped unless it was forced.
 */
export function freePatch(core: KlpCore, patch: KlpPatch): void {
  const at = core.patches.indexOf(patch);
  if (at >= 0) {
    core.patches.splice(at, 1);
    core.owners.remove(patch.info);
    core.index.remove(patch.info);
  }
  if (!patch.forced) patch.mod.put();
}

/** `klp_free_replaced_patches_async`. */
function freeReplacedPatches(core: KlpCore, patch: KlpPatch): void {
  for (const old of [...core.patches]) {
    if (old === patch) return;
    freePatch(core, old);
  }
}
