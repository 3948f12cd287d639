/**
 * Watching a real transition through sysfs and applying the transition policies to it, as the
 * simulator applies them to its own: one `retry` event a second (retry 0 as it starts), the pending
 * tasks read from /proc/PID/patch_state, and what a policy asks for done through sysfs (`force`
 * writes `force`, `reverse` writes the opposite `enabled`).
 */
import type { LifecycleHooks, PatchInfo, TransitionAction, TransitionEvent } from '@patchwise/core';
import { applyPolicies, type PolicyEntry } from '@patchwise/policy';
import type { KernelResult, PatchAttribute, SystemSnapshot, TaskPatchState } from '@patchwise/sysfs';
import { kernelErrorText } from './kernel-errors.js';

/** The transition taps of a policy set; the gates and observers have nothing to do on a real transition. */
export function transitionPolicies(
  entries: readonly PolicyEntry[],
  /** Told which policy asked for what (the simulator logs it as `patchwise: POLICY: ACTION the ...`). */
  onAsked?: (action: TransitionAction, by: string, event: TransitionEvent) => void,
): (event: TransitionEvent) => TransitionAction | undefined {
  const taps: { by: string; fn: (event: TransitionEvent) => TransitionAction | void }[] = [];
  const idle = { tap: () => undefined };
  const hooks = {
    prePatch: idle,
    replace: idle,
    preUnpatch: idle,
    moduleComing: idle,
    transition: { tap: (options: { name?: string }, fn: (event: TransitionEvent) => TransitionAction | void) => void taps.push({ by: options.name ?? 'policy', fn }) },
    postPatch: idle,
    postUnpatch: idle,
    moduleGoing: idle,
    objectCallback: idle,
    callbacks: idle,
    decision: idle,
  } as unknown as LifecycleHooks;
  applyPolicies({ hooks, audit: false, sealHooks: () => undefined }, entries);
  return (event) => {
    for (const { by, fn } of taps) {
      const action = fn(event);
      if (action) {
        onAsked?.(action, by, event);
        return action;
      }
    }
    return undefined;
  };
}

export type WatchOutcome = 'complete' | 'reversed' | 'forced' | 'timeout' | 'error';

/**
 * What a watch needs of a machine: the host's own (`RealMachine`, synchronous) or a guest's under
 * QEMU (`run --vm`, where every read is a command in the guest).
 */
export interface WatchedMachine {
  read(): SystemSnapshot | Promise<SystemSnapshot>;
  write(patch: string, attribute: PatchAttribute, value: '0' | '1'): KernelResult | Promise<KernelResult>;
  tasks(): TaskPatchState[] | Promise<TaskPatchState[]>;
}

/** Where a watch left off, so that a later watch of the same transition goes on counting (`run --vm`'s `advance` steps). */
export interface WatchProgress {
  /** When the transition started (`now()`'s clock): retries count from there. */
  readonly startedAt: number;
  /** The last retry the policies were asked about (-1: none yet). */
  retry: number;
  /** A policy's reverse was written: the transition now runs the other way, and no policy is asked again. */
  reversing?: boolean;
}

export interface WatchOptions {
  /** How long to wait for the transition before giving up (it keeps running in the kernel). */
  readonly timeoutMs: number;
  readonly pollMs: number;
  /** Go on with a transition watched before (default: it starts now). */
  readonly progress?: WatchProgress;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Where the patch stands: its transition over in `target`, reversed, or still running. */
async function standing(machine: WatchedMachine, name: string, target: 'patched' | 'unpatched'): Promise<'done' | 'reversed' | 'running'> {
  const patch = (await machine.read()).patches.find((p) => p.name === name);
  if (target === 'unpatched') return !patch ? 'done' : patch.transition ? 'running' : patch.enabled ? 'reversed' : 'running';
  return !patch ? 'reversed' : patch.transition ? 'running' : 'done';
}

/**
 * Wait for the transition of `patch` towards `target`, asking `ask` once per retry. `say` prints
 * each step.
 */
export async function watchTransition(
  machine: WatchedMachine,
  patch: PatchInfo,
  target: 'patched' | 'unpatched',
  ask: (event: TransitionEvent) => TransitionAction | undefined,
  say: (line: string) => void,
  options: WatchOptions,
): Promise<WatchOutcome> {
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const start = now();
  const progress = options.progress ?? { startedAt: start, retry: -1 };
  const direction = target === 'patched' ? 'patching' : 'unpatching';
  let forced = false;
  for (;;) {
    const where = await standing(machine, patch.name, target);
    if (where === 'done') {
      say(`transition: '${patch.name}' ${target} (${direction} complete${forced ? ', forced' : ''})`);
      return forced ? 'forced' : 'complete';
    }
    if (where === 'reversed') {
      say(`transition: '${patch.name}' ${direction} transition reversed`);
      return 'reversed';
    }
    const elapsed = now() - start;
    if (elapsed >= options.timeoutMs) {
      say(`transition: '${patch.name}' still ${direction} after ${Math.round(elapsed / 1000)} s; it keeps running in the kernel`);
      return 'timeout';
    }
    const due = Math.floor((now() - progress.startedAt) / 1000);
    // Once reversed, the kernel's tasks head for the other state: asking again would count every
    // task as pending and reverse the reversal.
    if (progress.reversing) progress.retry = Math.max(progress.retry, due);
    while (progress.retry < due) {
      progress.retry += 1;
      const retry = progress.retry;
      const unswitched = target === 'patched' ? 0 : 1;
      const pending = (await machine.tasks())
        .filter((t) => t.state === unswitched)
        .map((t) => ({ pid: t.pid, comm: t.comm, reason: 'sleeping' as const }));
      if (retry > 0) say(`transition: '${patch.name}' ${direction}, retry ${retry}: ${pending.length} task${pending.length === 1 ? '' : 's'} pending${pending.length ? ` (${pending.slice(0, 5).map((t) => `${t.comm}/${t.pid}`).join(', ')})` : ''}`);
      const action = ask({ kind: 'retry', patch, target, retries: retry, pending, now: now() });
      if (!action) continue;
      if (action === 'signal') {
        say(`transition: a policy asked to signal the pending tasks; this kernel has no \`signal\` file (it signals them itself every 15 retries)`);
        continue;
      }
      const [attribute, value] = action === 'force' ? (['force', '1'] as const) : (['enabled', target === 'patched' ? '0' : '1'] as const);
      say(`transition: a policy asked to ${action} the ${direction} transition of '${patch.name}' at retry ${retry}: write ${value} to ${attribute}`);
      const result = await machine.write(patch.name, attribute, value);
      if (!result.ok) {
        // The transition may have ended between the read and the write: look again before failing.
        if ((await standing(machine, patch.name, target)) !== 'running') break;
        say(`transition: kernel error ${kernelErrorText(action, result)}`);
        return 'error';
      }
      if (action === 'force') forced = true;
      if (action === 'reverse') progress.reversing = true;
      break;
    }
    await sleep(options.pollMs);
  }
}
