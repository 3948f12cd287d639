/**
 * Building a patch's runtime structures (core.c's `klp_init_*` and `klp_add_nops`).
 *
 * Nothing here prints a lifecycle line: a patch that fails to initialize is freed before
 * "enabling patch" is ever logged (semantics §2.1, E10).
 */
import { Errno } from './errno.js';
import { messages } from './log.js';
import {
  newFunc,
  newObject,
  newPatch,
  type KlpCore,
  type KlpFunc,
  type KlpObject,
  type KlpPatch,
} from './model.js';
import type { KlpModule } from './host.js';
import type { PatchInfo } from './info.js';
import type { ObjectDefinition, PatchDefinition } from './types.js';

/** `MODULE_NAME_LEN` on 64-bit. */
export const MODULE_NAME_LEN = 56;
/** `KSYM_NAME_LEN`. */
export const KSYM_NAME_LEN = 512;

const site = 'klp_init_patch';

/** The sysfs name of a function's directory: `old_name,sympos` (sympos 0 shows as 1). */
export const funcDirName = (func: { oldName: string; oldSympos: number }): string =>
  `${func.oldName},${func.oldSympos || 1}`;

/** E1/E2: the author's structure is complete (the checks of `klp_enable_patch`). */
export function checkDefinition(def: PatchDefinition | undefined): number {
  if (!def || !Array.isArray(def.objects)) return -Errno.EINVAL;
  for (const obj of def.objects as readonly (ObjectDefinition | undefined)[]) {
    if (!obj || !Array.isArray(obj.funcs)) return -Errno.EINVAL;
  }
  return 0;
}

/** Objects match by name, vmlinux (`null`) only vmlinux (`klp_find_object`). */
function findObject(patch: KlpPatch, name: string | null): KlpObject | undefined {
  return patch.objects.find((obj) => obj.name === name);
}

/** Sympos 0 and 1 name the same function (`klp_find_func`). */
function findFunc(obj: KlpObject, oldFunc: KlpFunc): KlpFunc | undefined {
  return obj.funcs.find(
    (func) =>
      func.oldName === oldFunc.oldName &&
      (func.oldSympos === oldFunc.oldSympos || (func.oldSympos <= 1 && oldFunc.oldSympos <= 1)),
  );
}

/** `klp_add_nops`: a nop for every function an installed patch patches and `patch` does not. */
function addNops(core: KlpCore, patch: KlpPatch): void {
  for (const oldPatch of core.patches) {
    for (const oldObj of oldPatch.objects) {
      const obj = findObject(patch, oldObj.name) ?? newObject(patch, oldObj.name, {}, true);
      for (const oldFunc of oldObj.funcs) {
        if (!findFunc(obj, oldFunc)) newFunc(obj, oldFunc.oldName, null, oldFunc.oldSympos, true);
      }
    }
  }
}

/**
 * `klp_find_object_symbol`: the only match when `sympos` is 0, else the `sympos`-th (the kernel
 * stops counting at that position, so any later duplicates do not matter).
 */
function findObjectSymbol(core: KlpCore, objName: string | null, name: string, sympos: number): string | number {
  const { symbols, log } = core.host;
  const matches = symbols.lookup(objName, name);
  const found = sympos === 0 ? matches[0] : matches[sympos - 1];
  const where = 'klp_find_object_symbol';
  if (matches.length === 0) {
    log.printk('err', messages.M22_symbolNotFound(name), where);
  } else if (sympos === 0 && matches.length > 1) {
    log.printk('err', messages.M22_ambiguous(name, objName), where);
  } else if (found === undefined) {
    log.printk('err', messages.M22_sympos(sympos, name, objName ?? 'vmlinux'), where);
  } else {
    return found;
  }
  return -Errno.EINVAL;
}

/** `klp_init_object_loaded`: resolve every function of a loaded object. */
export function initObjectLoaded(core: KlpCore, patch: KlpPatch, obj: KlpObject): number {
  const { symbols, log } = core.host;
  for (const func of obj.funcs) {
    const addr = findObjectSymbol(core, obj.name, func.oldName, func.oldSympos);
    if (typeof addr === 'number') return addr;
    func.oldFunc = addr;
    const oldSize = symbols.sizeOf(addr);
    if (oldSize === undefined) {
      log.printk('err', messages.M22_sizeLookup(func.oldName), site);
      return -Errno.ENOENT;
    }
    func.oldSize = oldSize;
    if (func.nop) {
      func.newFunc = func.oldFunc;
    } else {
      func.newFunc = symbols.lookup(patch.mod.name, func.newFuncName ?? '')[0] ?? null;
    }
    const newSize = func.newFunc === null ? undefined : symbols.sizeOf(func.newFunc);
    if (newSize === undefined) {
      log.printk('err', messages.M22_sizeLookupReplacement(func.oldName), site);
      return -Errno.ENOENT;
    }
    func.newSize = newSize;
  }
  return 0;
}

/** `klp_free_object_loaded`: forget a target module's addresses when it goes. */
export function freeObjectLoaded(obj: KlpObject): void {
  obj.mod = null;
  for (const func of obj.funcs) {
    func.oldFunc = null;
    if (func.nop) func.newFunc = null;
  }
}

/** `klp_init_object` (with `klp_find_object_module`). */
function initObject(core: KlpCore, patch: KlpPatch, obj: KlpObject): number {
  if (obj.name !== null && obj.name.length >= MODULE_NAME_LEN) return -Errno.EINVAL;
  obj.patched = false;
  obj.mod = null;
  if (obj.name !== null) {
    const mod = core.host.modules.find(obj.name);
    // Only a module that klp_module_coming() has seen: the rest is its job.
    if (mod?.klpAlive) obj.mod = mod;
  }
  const dirs = new Set<string>();
  for (const func of obj.funcs) {
    if (!func.oldName) return -Errno.EINVAL;
    if (!func.nop && !func.newFuncName) return -Errno.EINVAL;
    if (func.oldName.length >= KSYM_NAME_LEN) return -Errno.EINVAL;
    // Two funcs with the same sysfs directory: kobject_add() fails with -EEXIST.
    const dir = funcDirName(func);
    if (dirs.has(dir)) return -Errno.EEXIST;
    dirs.add(dir);
    func.patched = false;
    func.transition = false;
    // `new_func` is the author's pointer into the livepatch module: known whether or not the target
    // is loaded (only a nop's depends on the target). A refused module load must not leave it behind.
    if (!func.nop) func.newFunc = core.host.symbols.lookup(patch.mod.name, func.newFuncName ?? '')[0] ?? null;
  }
  if (obj.name === null || obj.mod !== null) return initObjectLoaded(core, patch, obj);
  return 0;
}

/**
 * `klp_init_patch_early` + `klp_init_patch`: build the patch, add nops for an atomic replace,
 * initialize every object, and append it to `klp_patches`. Returns the patch or a negative errno
 * (nothing has been added to the core's state then).
 */
export function initPatch(core: KlpCore, mod: KlpModule, def: PatchDefinition, info: PatchInfo): KlpPatch | number {
  const patch = newPatch(mod, def, info);
  const objDirs = new Set<string>();
  for (const objDef of def.objects) {
    const name = objDef.name ?? null;
    const dir = name ?? 'vmlinux';
    if (objDirs.has(dir)) return -Errno.EEXIST;
    objDirs.add(dir);
    const obj = newObject(patch, name, objDef.callbacks ?? {}, false);
    for (const f of objDef.funcs) newFunc(obj, f.oldName, f.newFunc, f.oldSympos ?? 0, false);
  }
  if (patch.replace) addNops(core, patch);
  for (const obj of patch.objects) {
    const ret = initObject(core, patch, obj);
    if (ret) return ret;
  }
  core.patches.push(patch);
  core.owners.add(info);
  core.index.add(info);
  return patch;
}
