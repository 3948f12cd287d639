/**
 * Watching a real transition through sysfs and applying the transition policies to it, as the
 * simulator applies them to its own: one `retry` event a second (retry 0 as it starts), the pending
 * tasks read from /proc/PID/patch_state, and what a policy asks for done through sysfs (`force`
 * writes `force`, `reverse` writes the opposite `enabled`).
 */
import type { LifecycleHooks, PatchInfo, TransitionAction, TransitionEvent } from '@patchwise/core';
import { applyPolicies, type PolicyEntry } from '@patchwise/policy';
import type { RealMachine } from '@patchwise/sysfs';
import { kernelErrorText } from './kernel-errors.js';

/** The transition taps of a policy set; the gates and observers have nothing to do on a real transition. */
export function transitionPolicies(entries: readonly PolicyEntry[]): (event: TransitionEvent) => TransitionAction | undefined {
  const taps: ((event: TransitionEvent) => TransitionAction | void)[] = [];
  const idle = { tap: () => undefined };
  const hooks = {
    prePatch: idle,
    replace: idle,
    preUnpatch: idle,
    moduleComing: idle,
    transition: { tap: (_options: unknown, fn: (event: TransitionEvent) => TransitionAction | void) => void taps.push(fn) },
    postPatch: idle,
    postUnpatch: idle,
    moduleGoing: idle,
    objectCallback: idle,
    callbacks: idle,
    decision: idle,
  } as unknown as LifecycleHooks;
  applyPolicies({ hooks, audit: false, sealHooks: () => undefined }, entries);
  return (event) => {
    for (const tap of taps) {
      const action = tap(event);
      if (action) return action;
    }
    return undefined;
  };
}

export type WatchOutcome = 'complete' | 'reversed' | 'forced' | 'timeout' | 'error';

export interface WatchOptions {
  /** How long to wait for the transition before giving up (it keeps running in the kernel). */
  readonly timeoutMs: number;
  readonly pollMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Where the patch stands: its transition over in `target`, reversed, or still running. */
function standing(machine: RealMachine, name: string, target: 'patched' | 'unpatched'): 'done' | 'reversed' | 'running' {
  const patch = machine.read().patches.find((p) => p.name === name);
  if (target === 'unpatched') return !patch ? 'done' : patch.transition ? 'running' : patch.enabled ? 'reversed' : 'running';
  return !patch ? 'reversed' : patch.transition ? 'running' : 'done';
}

/**
 * Wait for the transition of `patch` towards `target`, asking `ask` once per retry. `say` prints
 * each step.
 */
export async function watchTransition(
  machine: RealMachine,
  patch: PatchInfo,
  target: 'patched' | 'unpatched',
  ask: (event: TransitionEvent) => TransitionAction | undefined,
  say: (line: string) => void,
  options: WatchOptions,
): Promise<WatchOutcome> {
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const start = now();
  const direction = target === 'patched' ? 'patching' : 'unpatching';
  let retry = -1;
  let forced = false;
  for (;;) {
    const where = standing(machine, patch.name, target);
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
    const due = Math.floor(elapsed / 1000);
    for (; retry < due; ) {
      retry += 1;
      const unswitched = target === 'patched' ? 0 : 1;
      const pending = machine
        .tasks()
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
      const result = machine.write(patch.name, attribute, value);
      if (!result.ok) {
        // The transition may have ended between the read and the write: look again before failing.
        if (standing(machine, patch.name, target) !== 'running') break;
        say(`transition: kernel error ${kernelErrorText(action, result)}`);
        return 'error';
      }
      if (action === 'force') forced = true;
      break;
    }
    await sleep(options.pollMs);
  }
}
