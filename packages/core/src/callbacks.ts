/**
 * Per-object callbacks (core.h's `klp_*_callback` helpers).
 *
 * The one rule that is easy to miss: `postUnpatch` runs only for an object whose `prePatch`
 * succeeded, and at most once per `prePatch`.
 */
import type { CallbackStage } from './hooks.js';
import type { PatchInfo } from './info.js';
import { displayName, type KlpCore, type KlpObject, type KlpPatch } from './model.js';
import { getPrevState, getState } from './state.js';
import type { CallbackContext } from './types.js';

export type CallbackName = 'prePatch' | 'postPatch' | 'preUnpatch' | 'postUnpatch';

function contextFor(obj: KlpObject): CallbackContext {
  return {
    patch: obj.patch,
    object: obj,
    objectName: displayName(obj),
    moduleState: obj.mod ? obj.mod.state : null,
  };
}

function observe(core: KlpCore, obj: KlpObject, callback: CallbackName, result?: number): void {
  core.hooks.objectCallback.call({
    patch: obj.patch.name,
    object: displayName(obj),
    callback,
    ...(result === undefined ? {} : { result }),
  });
}

/** `klp_pre_patch_callback`: 0 or the callback's negative errno. */
export function prePatchCallback(core: KlpCore, obj: KlpObject): number {
  const cb = obj.callbacks.prePatch;
  if (!cb) {
    obj.postUnpatchEnabled = true;
    return 0;
  }
  const ret = cb(contextFor(obj)) ?? 0;
  obj.postUnpatchEnabled = ret === 0;
  observe(core, obj, 'prePatch', ret);
  return ret;
}

export function postPatchCallback(core: KlpCore, obj: KlpObject): void {
  const cb = obj.callbacks.postPatch;
  if (!cb) return;
  cb(contextFor(obj));
  observe(core, obj, 'postPatch');
}

export function preUnpatchCallback(core: KlpCore, obj: KlpObject): void {
  const cb = obj.callbacks.preUnpatch;
  if (!cb) return;
  cb(contextFor(obj));
  observe(core, obj, 'preUnpatch');
}

export function postUnpatchCallback(core: KlpCore, obj: KlpObject): void {
  const cb = obj.callbacks.postUnpatch;
  if (obj.postUnpatchEnabled && cb) {
    cb(contextFor(obj));
    observe(core, obj, 'postUnpatch');
  }
  obj.postUnpatchEnabled = false;
}

/** The patches an atomic-replace patch is replacing: every patch installed before it. */
export function replacedBy(core: KlpCore, patch: KlpPatch): PatchInfo[] {
  if (!patch.replace) return [];
  const at = core.patches.indexOf(patch);
  return core.patches.slice(0, at < 0 ? core.patches.length : at).map((p) => p.info);
}

/**
 * A patch-level callback point (where scoped callbacks run). For `prePatch`, returns the first
 * failure (a negative errno and who failed), after logging it.
 */
export function callbackPoint(
  core: KlpCore,
  stage: CallbackStage,
  patch: KlpPatch,
): { errno: number; by: string } | undefined {
  if (!core.hooks.callbacks.count) return undefined;
  const { log } = core.host;
  const failed = core.hooks.callbacks.call({
    stage,
    patch: patch.info,
    replaced: replacedBy(core, patch),
    reason: core.transitionReason,
    others: core.patches.filter((p) => p !== patch).map((p) => p.info),
    kernel: {
      printk: (level, line) => log.printk(level, line, 'patchwise'),
      shadow: core.shadow,
      getState: (name, id) => {
        const owner = core.patches.find((p) => p.name === name);
        return owner ? getState(owner, id) : null;
      },
      getPrevState: (id) => getPrevState(core, id),
    },
  });
  if (!failed) return undefined;
  log.printk('warn', `patchwise: ${failed.by}: pre-patch callback failed for patch '${patch.name}' (${failed.value})`, 'patchwise');
  return { errno: failed.value, by: failed.by };
}
