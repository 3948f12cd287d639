/**
 * Per-object callbacks (core.h's `klp_*_callback` helpers).
 *
 * The one rule that is easy to miss: `postUnpatch` runs only for an object whose `prePatch`
 * succeeded, and at most once per `prePatch`.
 */
import { displayName, type KlpCore, type KlpObject } from './model.js';
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

/** `klp_pre_patch_callback`: 0 or the callback's negative errno. */
export function prePatchCallback(_core: KlpCore, obj: KlpObject): number {
  const cb = obj.callbacks.prePatch;
  const ret = cb ? (cb(contextFor(obj)) ?? 0) : 0;
  obj.postUnpatchEnabled = ret === 0;
  return ret;
}

export function postPatchCallback(_core: KlpCore, obj: KlpObject): void {
  obj.callbacks.postPatch?.(contextFor(obj));
}

export function preUnpatchCallback(_core: KlpCore, obj: KlpObject): void {
  obj.callbacks.preUnpatch?.(contextFor(obj));
}

export function postUnpatchCallback(_core: KlpCore, obj: KlpObject): void {
  if (obj.postUnpatchEnabled) obj.callbacks.postUnpatch?.(contextFor(obj));
  obj.postUnpatchEnabled = false;
}
