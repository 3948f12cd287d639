/**
 * Running one scoped callback: a line in the kernel log first, so every decision the policy takes
 * shows in the log, then the function or the manifest's actions.
 */
import { Errno, type CallbackKernel, type CallbackPointEvent, type CallbackStage, type LogLevel, type PatchInfo } from '@patchwise/core';
import { runActions } from '@patchwise/manifest';
import type { ScopedCallbackContext, ScopedCallbacks } from './spec.js';

/** How the log line names a stage. */
export const STAGE_NAMES: Readonly<Record<CallbackStage, string>> = {
  prePatch: 'pre-patch',
  postPatch: 'post-patch',
  preUnpatch: 'pre-unpatch',
  postUnpatch: 'post-unpatch',
};

/** One scoped callback to run. */
export interface ScopedRun {
  readonly id: string;
  readonly stage: CallbackStage;
  readonly callbacks: ScopedCallbacks;
  /** The patch whose implementation runs. */
  readonly patch: PatchInfo;
  /** The callback point it runs at (the patch in transition, the reason, the kernel). */
  readonly event: CallbackPointEvent;
  /** Appended to the log line, e.g. ` (replaced by 'p2')`. */
  readonly note?: string;
}

type KernelLevel = Parameters<CallbackKernel['printk']>[0];

/** The levels a callback point may print at; the more severe ones are errors, debug is info. */
function kernelLevel(level: LogLevel | undefined): KernelLevel {
  switch (level) {
    case 'emerg':
    case 'alert':
    case 'crit':
    case 'err':
      return 'err';
    case 'warn':
    case 'notice':
      return level;
    default:
      return 'info';
  }
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Run the callback of `run.stage`, if the ID has one. Returns 0, or for `prePatch` the negative
 * errno it failed with (a throw fails with -EINVAL, as a crashing callback would).
 */
export function runScoped(policy: string, run: ScopedRun): number {
  const step = run.callbacks[run.stage];
  if (step === undefined) return 0;
  const { kernel } = run.event;
  const what = `${STAGE_NAMES[run.stage]} '${run.id}' of '${run.patch.name}'`;
  kernel.printk('info', `patchwise: ${policy}: ${what}${run.note ?? ''}`);
  let ret: number | void;
  try {
    if (typeof step === 'function') {
      const ctx: ScopedCallbackContext = {
        id: run.id,
        stage: run.stage,
        reason: run.event.reason,
        patch: run.patch,
        transition: run.event.patch,
        kernel,
      };
      ret = step(ctx);
    } else {
      ret = runActions(step, {
        print: (text, level) => kernel.printk(kernelLevel(level), `${run.patch.name}: ${text}`),
        shadow: kernel.shadow,
      });
    }
  } catch (err) {
    kernel.printk('warn', `patchwise: ${policy}: ${what} threw: ${errorText(err)}`);
    return run.stage === 'prePatch' ? -Errno.EINVAL : 0;
  }
  // Only a pre-patch callback can refuse; the others' return values mean nothing, as in the kernel.
  return run.stage === 'prePatch' && typeof ret === 'number' && ret < 0 ? ret : 0;
}
