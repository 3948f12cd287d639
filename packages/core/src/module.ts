/**
 * Target modules coming and going while patches are installed (core.c's `klp_module_coming` and
 * `klp_module_going`, semantics §2.7).
 */
import { Errno } from './errno.js';
import type { KlpModule } from './host.js';
import { messages } from './log.js';
import { postPatchCallback, postUnpatchCallback, prePatchCallback, preUnpatchCallback } from './callbacks.js';
import { freeObjectLoaded, initObjectLoaded } from './init.js';
import type { KlpCore, KlpObject, KlpPatch } from './model.js';
import { patchObject, unpatchObject } from './patch.js';

/** The first object of `patch` that targets `mod` (each patch patches a module once). */
function objectFor(patch: KlpPatch, mod: KlpModule): KlpObject | undefined {
  return patch.objects.find((obj) => obj.name !== null && obj.name === mod.name);
}

/**
 * `klp_cleanup_module_patches_limited`: revert `mod` in every patch before `limit` (all patches
 * when `limit` is null).
 */
function cleanupModulePatches(core: KlpCore, mod: KlpModule, limit: KlpPatch | null): void {
  for (const patch of core.patches) {
    if (patch === limit) break;
    const obj = objectFor(patch, mod);
    if (!obj) continue;
    if (patch !== core.transitionPatch) preUnpatchCallback(core, obj);
    core.host.log.printk('notice', messages.M12_revertingOnUnloading(patch.name, mod.name), 'klp_module_going');
    unpatchObject(core, obj);
    postUnpatchCallback(core, obj);
    freeObjectLoaded(obj);
  }
}

/**
 * `klp_module_coming`: patch a loading module (state COMING, before its init) for every installed
 * patch, the patch in transition included. A negative errno refuses the module.
 */
export function moduleComing(core: KlpCore, mod: KlpModule): number {
  const { log } = core.host;
  if (mod.name === 'vmlinux') {
    log.printk('err', messages.M23_vmlinuxModule(), 'klp_module_coming');
    return -Errno.EINVAL;
  }
  mod.klpAlive = true;
  for (const patch of core.patches) {
    const obj = objectFor(patch, mod);
    if (!obj) continue;
    obj.mod = mod;
    let ret = initObjectLoaded(core, patch, obj);
    if (ret) {
      log.printk('warn', messages.M14_failedToInitForModule(patch.name, mod.name, ret), 'klp_module_coming');
      return refuseModule(core, mod, patch, obj, ret);
    }
    log.printk('notice', messages.M11_applyingToLoading(patch.name, mod.name), 'klp_module_coming');
    ret = prePatchCallback(core, obj);
    if (ret) {
      log.printk('warn', messages.M8_prePatchFailed(mod.name), 'klp_module_coming');
      return refuseModule(core, mod, patch, obj, ret);
    }
    ret = patchObject(core, obj);
    if (ret) {
      log.printk('warn', messages.M15_failedToApplyToModule(patch.name, mod.name, ret), 'klp_module_coming');
      postUnpatchCallback(core, obj);
      return refuseModule(core, mod, patch, obj, ret);
    }
    if (patch !== core.transitionPatch) postPatchCallback(core, obj);
  }
  return 0;
}

function refuseModule(core: KlpCore, mod: KlpModule, patch: KlpPatch, obj: KlpObject, err: number): number {
  core.host.log.printk('warn', messages.M13_refusingModule(patch.name, mod.name), 'klp_module_coming');
  mod.klpAlive = false;
  // The kernel only clears `obj->mod`; its `old_func`s are stale until the next load. Here the
  // addresses are state (views, snapshots): forget them, as when the module goes.
  freeObjectLoaded(obj);
  cleanupModulePatches(core, mod, patch);
  return err;
}

/** `klp_module_going`: revert a module that goes away (after its exit ran), in every patch. */
export function moduleGoing(core: KlpCore, mod: KlpModule): void {
  mod.klpAlive = false;
  cleanupModulePatches(core, mod, null);
}
