/**
 * The livepatch core (core.c): enabling a patch, the sysfs `enabled` and `force` stores, target
 * modules coming and going, and the read-only views machines and policies inspect.
 *
 * Operations return 0 or a negative errno, as the kernel does. Operations a policy may refuse
 * (enable, disable, module load) are asynchronous because policies may be; everything after the
 * gate is the kernel's synchronous code path. The core does no I/O: time only passes when the
 * machine runs the retry work it was asked to schedule.
 */
import { Errno } from './errno.js';
import { PatchState, type Address, type KlpHost, type KlpModule, type KlpTask } from './host.js';
import { messages } from './log.js';
import { callbackPoint, prePatchCallback, preUnpatchCallback } from './callbacks.js';
import { decisionLogLines, type Decision, type GateName } from './decision.js';
import { HookSystem } from './hook-system.js';
import type { GateContext, LifecycleHooks } from './hooks.js';
import { OwnerIndex, patchInfo, type PatchInfo } from './info.js';
import { InstalledIndex } from './installed-index.js';
import { dryRun, type CheckRequest } from './check.js';
import { gateContext } from './context.js';
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
  readonly #hooks: HookSystem;
  /** `klp_mutex` for the asynchronous operations: one at a time, in call order. */
  #lock: Promise<unknown> = Promise.resolve();

  constructor(host: KlpHost) {
    const hooks = new HookSystem((policy, hook, err) => {
      const reason = err instanceof Error ? err.message : String(err);
      host.log.printk('warn', `patchwise: ${policy}: failed in the \`${hook}\` hook: ${reason}`, 'patchwise');
    });
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
      hooks,
      owners: new OwnerIndex(),
      index: new InstalledIndex(),
      transitionReason: 'enable',
      warned: new Set(),
      now: host.now ? () => host.now?.() ?? 0 : () => 0,
    };
    this.#core = core;
    this.#hooks = hooks;
  }

  /** The lifecycle hooks policies tap. */
  get hooks(): LifecycleHooks {
    return this.#hooks.public;
  }

  /** Refuse further taps (call once the policies are applied). */
  sealHooks(): void {
    this.#hooks.seal();
  }

  /** Audit mode: every policy error is reported as a warning and nothing is refused. */
  get audit(): boolean {
    return this.#hooks.audit;
  }

  set audit(value: boolean) {
    this.#hooks.audit = value;
  }

  /** The global shadow variable table (`klp_shadow_*`). */
  get shadow(): ShadowTable {
    return this.#core.shadow;
  }

  /**
   * `klp_enable_patch`, called from a livepatch module's init: policies first (`prePatch`, and
   * `replace` for an atomic replace), then validation, the system-state check, the patch's
   * structures and its patching transition. 0 or a negative errno (-EPERM when a policy refused);
   * on error nothing of the patch remains.
   */
  enablePatch(mod: KlpModule, def: PatchDefinition): Promise<number> {
    return this.#exclusive(async () => {
      if (checkDefinition(def)) return -Errno.EINVAL;
      const info = patchInfo(mod.name, def);
      const core = this.#core;
      let refused = await this.#gate('prePatch', { operation: 'enable', patch: info }, { patch: info.name });
      if (!refused && info.replace && this.#hooks.active('replace')) {
        const replaced = core.patches.map((p) => p.info);
        const nops = core.index.nopsFor(info, replaced);
        refused = await this.#gate(
          'replace',
          { operation: 'enable', patch: info, replaced, nops },
          { patch: info.name, replaced: replaced.map((p) => p.name), nops },
        );
      }
      return refused ? -Errno.EPERM : this.#enablePatch(mod, def, info);
    });
  }

  /** The kernel's `klp_enable_patch` from E3 on. */
  #enablePatch(mod: KlpModule, def: PatchDefinition, info: PatchInfo): number {
    const core = this.#core;
    const { log, scheduler } = core.host;
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
    const patch = initPatch(core, mod, def, info);
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
    const failure = (ret: number): number => {
      log.printk('warn', messages.M10_failedToEnable(patch.name), '__klp_enable_patch');
      cancelTransition(core);
      return ret;
    };
    const scoped = callbackPoint(core, 'prePatch', patch);
    if (scoped) return failure(scoped.errno);
    for (const obj of patch.objects) {
      if (!isObjectLoaded(obj)) continue;
      let ret = prePatchCallback(core, obj);
      if (ret) {
        log.printk('warn', messages.M8_prePatchFailed(obj.name ?? 'vmlinux'), '__klp_enable_patch');
        return failure(ret);
      }
      ret = patchObject(core, obj);
      if (ret) {
        log.printk('warn', messages.M9_failedToPatchObject(obj.name ?? 'vmlinux'), '__klp_enable_patch');
        return failure(ret);
      }
    }
    startTransition(core);
    patch.enabled = true;
    tryCompleteTransition(core);
    return 0;
  }

  /**
   * `enabled_store`: write 0 to disable an enabled patch, or the opposite of its direction to
   * reverse the patch in transition. Re-enabling a disabled patch is refused (-EINVAL). A disable
   * (or a reverse towards unpatching) passes the `preUnpatch` gate first; a reverse towards patching
   * passes `prePatch`.
   */
  setEnabled(name: string, enabled: boolean): Promise<number> {
    return this.#exclusive(async () => {
      const core = this.#core;
      const patch = core.patches.find((p) => p.name === name);
      if (!patch) return -Errno.ENOENT;
      if (patch.enabled === enabled) return -Errno.EINVAL;
      const reverse = patch === core.transitionPatch;
      if (!reverse && enabled) return -Errno.EINVAL;
      const operation = reverse ? 'reverse' : 'disable';
      const refused = await this.#gate(enabled ? 'prePatch' : 'preUnpatch', { operation, patch: patch.info }, { patch: name });
      if (refused) return -Errno.EPERM;
      if (reverse) {
        // The patch may have finished while the gate ran.
        if (patch !== core.transitionPatch) return patch.enabled === enabled ? -Errno.EINVAL : this.#disable(patch);
        reverseTransition(core);
        return 0;
      }
      return this.#disable(patch);
    });
  }

  /** `__klp_disable_patch`. */
  #disable(patch: KlpPatch): number {
    const core = this.#core;
    if (!patch.enabled) return -Errno.EINVAL;
    if (core.transitionPatch) return -Errno.EBUSY;
    initTransition(core, patch, PatchState.Unpatched);
    callbackPoint(core, 'preUnpatch', patch);
    for (const obj of patch.objects) {
      if (patch.enabled && obj.patched) preUnpatchCallback(core, obj);
    }
    startTransition(core);
    patch.enabled = false;
    tryCompleteTransition(core);
    return 0;
  }

  /** `force_store` with 1: force the patch in transition (-EINVAL for any other patch). */
  force(name: string): number {
    const core = this.#core;
    const patch = core.patches.find((p) => p.name === name);
    if (!patch) return -Errno.ENOENT;
    if (patch !== core.transitionPatch) return -Errno.EINVAL;
    forceTransition(core);
    return 0;
  }

  /**
   * `klp_module_coming`: a target module is loading (state COMING, before its init). When installed
   * patches would patch it, the `moduleComing` gate decides first (-EPERM refuses the module).
   */
  moduleComing(mod: KlpModule): Promise<number> {
    return this.#exclusive(async () => {
      const core = this.#core;
      if (this.#hooks.active('moduleComing')) {
        const patches = core.patches.filter((p) => p.objects.some((o) => o.name === mod.name)).map((p) => p.info);
        if (patches.length) {
          const refused = await this.#gate(
            'moduleComing',
            { operation: 'load-module', module: mod.name, patches },
            { patch: null, module: mod.name },
          );
          if (refused) return -Errno.EPERM;
        }
      }
      return moduleComing(core, mod);
    });
  }

  /** `klp_module_going`: a module is going away (after its exit). */
  moduleGoing(mod: KlpModule): void {
    const core = this.#core;
    const patches = core.patches.filter((p) => p.objects.some((o) => o.name === mod.name)).map((p) => p.info);
    moduleGoing(core, mod);
    if (patches.length) this.#hooks.moduleGoing.call({ module: mod.name, patches, now: core.now() });
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

  /** The frozen snapshot policies see of an installed patch. */
  patchInfo(name: string): PatchInfo | undefined {
    return this.#core.patches.find((p) => p.name === name)?.info;
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

  /**
   * A dry run: the decisions the gates would make for an operation, plus the kernel's own reasons
   * to refuse it (as findings of the pseudo-policy `kernel`). Changes nothing, logs nothing, tells no
   * decision observer. Synchronous when every policy is.
   */
  check(request: CheckRequest): Decision[] | Promise<Decision[]> {
    return dryRun(this.#core, this.#hooks, request);
  }

  /** Run `fn` after every operation called before it has finished. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  /**
   * Evaluate a gate; log the decision's findings and refusal. Resolves to true when the operation
   * is refused.
   */
  async #gate(
    gate: GateName,
    fields: Record<string, unknown> & { operation: GateContext['operation'] },
    decisionFields: Pick<Decision, 'patch' | 'module' | 'replaced' | 'nops'>,
  ): Promise<boolean> {
    if (!this.#hooks.active(gate)) return false;
    const ctx = gateContext(this.#core, gate, fields.operation, fields);
    const pending = this.#hooks.decide(this.#hooks[gate] as never, ctx as never, decisionFields);
    const decision = pending instanceof Promise ? await pending : pending;
    for (const line of decisionLogLines(decision)) this.#core.host.log.printk(line.level, line.text, 'patchwise');
    return !decision.allowed;
  }
}
