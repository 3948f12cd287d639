/**
 * Function stacks and the ftrace handler (patch.c).
 *
 * Every patched address has one `klp_ops` whose `funcStack` lists the functions patching it, newest
 * first. The handler decides, per call and per task, which implementation runs (semantics §2.9).
 */
import { PatchState, type Address, type KlpTask } from './host.js';
import { messages } from './log.js';
import type { KlpCore, KlpFunc, KlpObject, KlpOps, KlpPatch } from './model.js';

const site = 'klp_patch_func';

/** `klp_patch_func`: push `func` on its stack, registering the ftrace ops for the first one. */
function patchFunc(core: KlpCore, func: KlpFunc): number {
  const addr = func.oldFunc;
  if (addr === null || func.patched) return -22;
  const { ftrace, log } = core.host;
  let ops = core.ops.get(addr);
  if (ops) {
    ops.funcStack.unshift(func);
    func.patched = true;
    return 0;
  }
  if (!ftrace.hasLocation(addr)) {
    log.printk('err', messages.M21_ftraceLocation(func.oldName), site);
    return -22;
  }
  ops = { address: addr, funcStack: [func] };
  core.ops.set(addr, ops);
  let ret = ftrace.setFilter(addr);
  if (ret) {
    log.printk('err', messages.M21_ftraceFilter(func.oldName, ret), site);
  } else {
    ret = ftrace.register(addr);
    if (ret) {
      log.printk('err', messages.M21_ftraceRegister(func.oldName, ret), site);
      ftrace.clearFilter(addr);
    }
  }
  if (ret) {
    core.ops.delete(addr);
    return ret;
  }
  func.patched = true;
  return 0;
}

/** `klp_unpatch_func`: remove `func` from wherever it sits in its stack. */
function unpatchFunc(core: KlpCore, func: KlpFunc): void {
  if (!func.patched || func.oldFunc === null) return;
  const ops = core.ops.get(func.oldFunc);
  if (!ops) return;
  const at = ops.funcStack.indexOf(func);
  if (at >= 0) ops.funcStack.splice(at, 1);
  if (ops.funcStack.length === 0) {
    core.host.ftrace.unregister(ops.address);
    core.ops.delete(ops.address);
  }
  func.patched = false;
}

/** `__klp_unpatch_object`: with `nopsOnly`, only the nops (atomic replace completion). */
function unpatchObjectFuncs(core: KlpCore, obj: KlpObject, nopsOnly: boolean): void {
  for (const func of obj.funcs) {
    if (nopsOnly && !func.nop) continue;
    if (func.patched) unpatchFunc(core, func);
  }
  if (!nopsOnly || obj.dynamic) obj.patched = false;
}

export function unpatchObject(core: KlpCore, obj: KlpObject): void {
  unpatchObjectFuncs(core, obj, false);
}

/** `klp_patch_object`: 0, or a negative errno after undoing this object's partial work. */
export function patchObject(core: KlpCore, obj: KlpObject): number {
  if (obj.patched) return -22;
  for (const func of obj.funcs) {
    const ret = patchFunc(core, func);
    if (ret) {
      unpatchObject(core, obj);
      return ret;
    }
  }
  obj.patched = true;
  return 0;
}

/** `klp_unpatch_objects`: every patched object of `patch`. */
export function unpatchObjects(core: KlpCore, patch: KlpPatch): void {
  for (const obj of patch.objects) if (obj.patched) unpatchObject(core, obj);
}

/** `klp_unpatch_objects_dynamic`: only the nops, after an atomic replace completed. */
export function unpatchNops(core: KlpCore, patch: KlpPatch): void {
  for (const obj of patch.objects) if (obj.patched) unpatchObjectFuncs(core, obj, true);
}

/** The implementation that would run when the previous one runs: next entry or the original. */
export function previousImplementation(ops: KlpOps, func: KlpFunc): Address {
  const next = ops.funcStack[ops.funcStack.indexOf(func) + 1];
  return next ? (next.newFunc ?? ops.address) : ops.address;
}

/**
 * `klp_ftrace_handler`: which code runs when `task` calls `addr`. Returns `addr` itself when the
 * original runs (no patch, a nop, or an unpatched task with no older patch below).
 */
export function ftraceHandler(core: KlpCore, addr: Address, task: KlpTask): Address {
  const ops = core.ops.get(addr);
  let func = ops?.funcStack[0];
  if (!ops || !func) return addr;
  if (func.transition && task.patchState === PatchState.Unpatched) {
    func = ops.funcStack[1];
    if (!func) return addr;
  }
  if (func.nop) return addr;
  return func.newFunc ?? addr;
}
