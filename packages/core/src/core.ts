/**
 * The livepatch core (core.c): enabling a patch, the sysfs `enabled` and `force` stores, target
 * modules coming and going, and the read-only views machines and policies inspect.
 *
 * Operations return 0 or a negative errno, as the kernel does. The core is deterministic and does
 * no I/O: time only passes when the machine runs the retry work it was asked to schedule.
 */
import { Errno } from './errno.js';
import { PatchState, type Address, type KlpHost, type KlpModule, type KlpTask } from './host.js';
import { messages } from './log.js';
import { prePatchCallback, preUnpatchCallback } from './callbacks.js';
import { checkDefinition, initPatch } from './init.js';
import { isObjectLoaded, type KlpCore, type KlpPatch } from './model.js';
import { moduleComing, moduleGoing } from './module.js';
import { ftraceHandler, patchObject } from './patch.js';
import { ShadowTable } from './shadow.js';
import { getPrevState, getState, isPatchCompatible } from './state.js';
import {
  cancelTransition,
  forceTransition,
  freePatch,
  initTransition,
  reverseTransition,
  schedTrySwitch,
  startTransition,
  tryCompleteTransition,
  updatePatchState,
} from './transition.js';
import type { FuncView, KlpState, PatchDefinition, PatchView } from './types.js';

const defaultFormatPointer = (): string => '00000000deadbeef';

/** The livepatch subsystem of one machine. */
export class Livepatch {
  readonly #core: KlpCore;

  constructor(host: KlpHost) {
    const core: KlpCore = {
      host,
      patches: [],
      transitionPatch: null,
      targetState: PatchState.Idle,
      signalsCount: 0,
      condReschedSwitching: false,
      ops: new Map(),
      shadow: new ShadowTable(host.log, host.formatPointer ?? defaultFormatPointer),
      transitionWork: () => {
        if (core.transitionPatch) tryCompleteTransition(core);
      },
    };
    this.#core = core;
  }

  /** The global shadow variable table (`klp_shadow_*`). */
  get shadow(): ShadowTable {
    return this.#core.shadow;
  }

  /**
   * `klp_enable_patch`, called from a livepatch module's init: validate, check system-state
   * compatibility, build the patch and start its patching transition. 0 or a negative errno; on
   * error nothing of the patch remains.
   */
  enablePatch(mod: KlpModule, def: PatchDefinition): number {
    const core = this.#core;
    const { log, scheduler } = core.host;
    if (checkDefinition(def)) return -Errno.EINVAL;
    if (!mod.livepatch) {
      log.printk('err', messages.M17_notLivepatchModule(mod.name), 'klp_enable_patch');
      return -Errno.EINVAL;
    }
    if (!scheduler.hasReliableStacks()) {
      for (const line of messages.M18_noReliableStack()) log.printk('warn', line, 'klp_enable_patch');
    }
    if (!isPatchCompatible(def, core.patches)) {
      log.printk('err', messages.M16_incompatible(mod.name), 'klp_enable_patch');
      return -Errno.EINVAL;
    }
    if (!mod.tryGet()) return -Errno.ENODEV;
    const patch = initPatch(core, mod, def);
    if (typeof patch === 'number') {
      mod.put();
      return patch;
    }
    const ret = this.#enable(patch);
    if (ret) freePatch(core, patch);
    return ret;
  }

  /** `__klp_enable_patch`. */
  #enable(patch: KlpPatch): number {
    const core = this.#core;
    const { log } = core.host;
    if (core.transitionPatch) return -Errno.EBUSY;
    if (patch.enabled) return -Errno.EINVAL;
    log.printk('notice', messages.M1_enabling(patch.name), '__klp_enable_patch');
    initTransition(core, patch, PatchState.Patched);
    for (const obj of patch.objects) {
      if (!isObjectLoaded(obj)) continue;
      let ret = prePatchCallback(core, obj);
      if (ret) {
        log.printk('warn', messages.M8_prePatchFailed(obj.name ?? 'vmlinux'), '__klp_enable_patch');
      } else {
        ret = patchObject(core, obj);
        if (ret) log.printk('warn', messages.M9_failedToPatchObject(obj.name ?? 'vmlinux'), '__klp_enable_patch');
      }
      if (ret) {
        log.printk('warn', messages.M10_failedToEnable(patch.name), '__klp_enable_patch');
        cancelTransition(core);
        return ret;
      }
    }
    startTransition(core);
    patch.enabled = true;
    tryCompleteTransition(core);
    return 0;
  }

  /**
   * `enabled_store`: write 0 to disable an enabled patch, or the opposite of its direction to
   * reverse the patch in transition. Re-enabling a disabled patch is refused.
   */
  setEnabled(name: string, enabled: boolean): number {
    const core = this.#core;
    const patch = core.patches.find((p) => p.name === name);
    if (!patch) return -Errno.ENOENT;
    if (patch.enabled === enabled) return -Errno.EINVAL;
    if (patch === core.transitionPatch) {
      reverseTransition(core);
      return 0;
    }
    if (enabled) return -Errno.EINVAL;
    return this.#disable(patch);
  }

  /** `__klp_disable_patch`. */
  #disable(patch: KlpPatch): number {
    const core = this.#core;
    if (!patch.enabled) return -Errno.EINVAL;
    if (core.transitionPatch) return -Errno.EBUSY;
    initTransition(core, patch, PatchState.Unpatched);
    for (const obj of patch.objects) {
      if (patch.enabled && obj.patched) preUnpatchCallback(core, obj);
    }
    startTransition(core);
    patch.enabled = false;
    tryCompleteTransition(core);
    return 0;
  }

  /** `force_store` with 1: force the patch in transition. */
  force(name: string): number {
    const core = this.#core;
    const patch = core.patches.find((p) => p.name === name);
    if (!patch) return -Errno.ENOENT;
    if (patch !== core.transitionPatch) return -Errno.EINVAL;
    forceTransition(core);
    return 0;
  }

  /** `klp_module_coming`: a target module is loading (state COMING, before its init). */
  moduleComing(mod: KlpModule): number {
    return moduleComing(this.#core, mod);
  }

  /** `klp_module_going`: a module is going away (after its exit). */
  moduleGoing(mod: KlpModule): void {
    moduleGoing(this.#core, mod);
  }

  /** `klp_update_patch_state`: call at return to user space, signal delivery and in the idle loop. */
  updatePatchState(task: KlpTask): void {
    updatePatchState(this.#core, task);
  }

  /** `__klp_sched_try_switch`: call from a task's `cond_resched()`. */
  schedTrySwitch(task: KlpTask): void {
    schedTrySwitch(this.#core, task);
  }

  /** `klp_copy_process`: a forked child inherits its parent's patch state. */
  copyProcess(parent: KlpTask, child: KlpTask): void {
    child.patchState = parent.patchState;
    child.patchPending = parent.patchPending;
  }

  /** Which code runs when `task` calls the function at `addr` (the ftrace handler, §2.9). */
  resolveCall(addr: Address, task: KlpTask): Address {
    return ftraceHandler(this.#core, addr, task);
  }

  /** Whether `addr` is patched (has a livepatch ftrace handler). */
  isPatched(addr: Address): boolean {
    return this.#core.ops.has(addr);
  }

  /** `klp_patches`, oldest first: the enabled patches and the patch in transition. */
  get patches(): readonly PatchView[] {
    return this.#core.patches;
  }

  findPatch(name: string): PatchView | undefined {
    return this.#core.patches.find((p) => p.name === name);
  }

  /** The sysfs `stack_order`: 1-based position in `klp_patches`, or 0 when not installed. */
  stackOrder(name: string): number {
    return this.#core.patches.findIndex((p) => p.name === name) + 1;
  }

  get transitionPatch(): PatchView | null {
    return this.#core.transitionPatch;
  }

  get targetState(): PatchState {
    return this.#core.targetState;
  }

  /** The retry counter of the current transition (`klp_signals_cnt`). */
  get retries(): number {
    return this.#core.signalsCount;
  }

  /** Functions patching `addr`, newest first. */
  funcStack(addr: Address): readonly FuncView[] {
    return this.#core.ops.get(addr)?.funcStack ?? [];
  }

  /** Every patched address with its stack, newest first. */
  funcStacks(): ReadonlyMap<Address, readonly FuncView[]> {
    return new Map([...this.#core.ops].map(([addr, ops]) => [addr, ops.funcStack]));
  }

  /** `klp_get_state`. */
  getState(patch: PatchView, id: number): KlpState | null {
    return getState(patch, id);
  }

  /** `klp_get_prev_state`. */
  getPrevState(id: number): KlpState | null {
    return getPrevState(this.#core, id);
  }
}
