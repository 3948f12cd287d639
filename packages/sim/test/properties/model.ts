/**
 * A model of the livepatch lifecycle, written from the semantics (livepatch-semantics.md §2), not
 * from the core: which patches are installed in which order, which one is in transition and where
 * it is going, which functions each patch has on the stacks (nops included), which module
 * references are held, and which per-object callbacks each operation runs.
 *
 * Per-task switching is the one thing the model does not predict: it observes when the real
 * transition completed and applies the completion (§2.3). Invariants then check that the
 * completion was allowed (no task still sleeping in code it must not run) and due (nothing left
 * that could block it).
 */
import { MISSING_FUNC, OBJECT_FUNCS, type ObjName, type ObjSpec, type PatchSpec, type PolicyRule, type Scenario } from './arbitraries.js';
import { originalAddress, replacementAddress, ruleMatches, type CallbackEvent } from './world.js';

export const EPERM = -1;
export const ENOENT = -2;
export const EBUSY = -16;
export const EEXIST = -17;
export const EINVAL = -22;

export type Target = 'patched' | 'unpatched';

export interface ModelPatch {
  readonly spec: PatchSpec;
  readonly name: string;
  /** Which load of the livepatch module this is (the callbacks record it). */
  readonly inst: number;
  enabled: boolean;
  forced: boolean;
  /** Atomic replace, until its transition completes: nop functions per object. */
  readonly nops: Map<ObjName, Set<string>>;
  /** Atomic replace, until its transition completes: objects allocated only to hold nops, in order. */
  dynamic: ObjName[];
}

export interface ModelTransition {
  readonly patch: ModelPatch;
  target: Target;
  /** `force` was written since the transition started. */
  forced: boolean;
}

/** One entry of a function's stack (newest first). */
export interface StackEntry {
  readonly patch: string;
  readonly nop: boolean;
}

export interface Outcome {
  /** The return code, or `undefined` for operations without one (ticks, sleeps). */
  readonly ret?: number;
  /** The per-object callbacks the operation runs itself (completion callbacks come from `complete`). */
  readonly callbacks: CallbackEvent[];
}

const staticObject = (p: ModelPatch, name: ObjName): ObjSpec | undefined => p.spec.objects.find((o) => o.name === name);

export class Model {
  /** `klp_patches`, oldest first. */
  readonly installed: ModelPatch[] = [];
  transition: ModelTransition | null = null;
  readonly loadedTargets = new Set<ObjName>();
  /** Loaded livepatch modules; `pinned`: freed after being forced, so its reference is never dropped. */
  readonly lpModules = new Map<string, { inst: number; pinned: boolean }>();
  /** `post_unpatch_enabled` per `inst/object`. */
  readonly armed = new Set<string>();
  /** Instances replaced by an atomic replace: they must never run a callback again. */
  readonly replaced = new Set<number>();
  /** Instances freed (disabled, replaced, or failed to enable). */
  readonly freed = new Set<number>();
  readonly #preCalls = new Map<string, number>();
  #inst = 0;

  constructor(readonly scenario: Scenario) {}

  spec(name: string): PatchSpec {
    const spec = this.scenario.patches.find((p) => p.name === name);
    if (!spec) throw new Error(`no patch ${name} in the scenario`);
    return spec;
  }

  find(name: string): ModelPatch | undefined {
    return this.installed.find((p) => p.name === name);
  }

  isLoaded(obj: ObjName): boolean {
    return obj === 'vmlinux' || this.loadedTargets.has(obj);
  }

  /** Objects of `p` in `obj_list` order: static ones, then dynamic ones. */
  objects(p: ModelPatch): ObjName[] {
    return [...p.spec.objects.map((o) => o.name), ...p.dynamic];
  }

  /** `klp_init_object_loaded` fails for `obj` of `p`: one of its functions (or nops) is not in the object. */
  missing(p: ModelPatch, obj: ObjName): boolean {
    return Boolean(staticObject(p, obj)?.funcs.includes(MISSING_FUNC) || p.nops.get(obj)?.has(MISSING_FUNC));
  }

  hasObject(p: ModelPatch, obj: ObjName): boolean {
    return this.objects(p).includes(obj);
  }

  /** Does `p` have a function (a replacement or a nop) for `obj:func`? */
  patches(p: ModelPatch, obj: ObjName, func: string): StackEntry | undefined {
    if (staticObject(p, obj)?.funcs.includes(func)) return { patch: p.name, nop: false };
    if (p.nops.get(obj)?.has(func)) return { patch: p.name, nop: true };
    return undefined;
  }

  /** The func_stack of `obj:func`, newest first: every installed patch patching it, in reverse list order. */
  stack(obj: ObjName, func: string): StackEntry[] {
    if (!this.isLoaded(obj)) return [];
    return this.installed
      .map((p) => this.patches(p, obj, func))
      .filter((e): e is StackEntry => e !== undefined)
      .reverse();
  }

  /** The address an entry runs: the original for a nop. */
  implementation(entry: StackEntry | undefined, obj: ObjName, func: string): string {
    return !entry || entry.nop ? originalAddress(obj, func) : replacementAddress(entry.patch, obj, func);
  }

  /** §2.9: what a task in `state` (-1, 0, 1) runs when it calls `obj:func`. */
  resolve(obj: ObjName, func: string, state: number): string {
    const stack = this.stack(obj, func);
    let at = 0;
    if (stack[0] && this.transition?.patch.name === stack[0].patch && state === 0) at = 1;
    return this.implementation(stack[at], obj, func);
  }

  /**
   * §2.2.1: the implementations a task must not be running for the transition to switch it: the one
   * below the patch's function (patching), or the patch's own (unpatching), for loaded objects.
   */
  forbidden(): Set<string> {
    const out = new Set<string>();
    const t = this.transition;
    if (!t) return out;
    for (const obj of this.objects(t.patch)) {
      if (!this.isLoaded(obj)) continue;
      for (const func of OBJECT_FUNCS[obj]) {
        const stack = this.stack(obj, func);
        const at = stack.findIndex((e) => e.patch === t.patch.name);
        if (at < 0) continue;
        out.add(this.implementation(t.target === 'patched' ? stack[at + 1] : stack[at], obj, func));
      }
    }
    return out;
  }

  refused(rules: readonly PolicyRule[], hook: PolicyRule['hook'], operation: string, target: string): boolean {
    return rules.some((r) => ruleMatches(r, hook, operation, target));
  }

  // ---- callbacks ----

  #event(p: ModelPatch, object: ObjName, callback: CallbackEvent['callback'], result?: number): CallbackEvent {
    return { inst: p.inst, patch: p.name, object, callback, ...(result === undefined ? {} : { result }) };
  }

  /** `klp_pre_patch_callback`: 0 or the errno; arms post-unpatch on success. */
  #prePatch(p: ModelPatch, obj: ObjName, out: CallbackEvent[]): number {
    const key = `${p.inst}/${obj}`;
    const cb = staticObject(p, obj)?.callbacks;
    if (!cb?.prePatch) {
      this.armed.add(key);
      return 0;
    }
    const calls = `${p.name}/${obj}`;
    const n = this.#preCalls.get(calls) ?? 0;
    this.#preCalls.set(calls, n + 1);
    const ret = cb.fail[n % cb.fail.length] ? cb.errno : 0;
    out.push(this.#event(p, obj, 'prePatch', ret));
    if (ret) this.armed.delete(key);
    else this.armed.add(key);
    return ret;
  }

  #postUnpatch(p: ModelPatch, obj: ObjName, out: CallbackEvent[]): void {
    const key = `${p.inst}/${obj}`;
    if (this.armed.has(key) && staticObject(p, obj)?.callbacks?.postUnpatch) out.push(this.#event(p, obj, 'postUnpatch'));
    this.armed.delete(key);
  }

  #simple(p: ModelPatch, obj: ObjName, callback: 'postPatch' | 'preUnpatch', out: CallbackEvent[]): void {
    if (staticObject(p, obj)?.callbacks?.[callback]) out.push(this.#event(p, obj, callback));
  }

  // ---- operations ----

  /** `insmod` of livepatch module `name`: its init enables the patch (§2.1). */
  load(name: string, rules: readonly PolicyRule[]): Outcome {
    const callbacks: CallbackEvent[] = [];
    if (this.lpModules.has(name)) return { ret: -17, callbacks };
    const spec = this.spec(name);
    this.#inst += 1;
    const inst = this.#inst;
    const fail = (ret: number): Outcome => {
      this.freed.add(inst);
      return { ret, callbacks };
    };
    if (this.refused(rules, 'prePatch', 'enable', name)) return fail(EPERM);
    if (spec.replace && this.refused(rules, 'replace', 'enable', name)) return fail(EPERM);
    if (!this.#compatible(spec)) return fail(EINVAL);
    const patch: ModelPatch = { spec, name, inst, enabled: false, forced: false, nops: new Map(), dynamic: [] };
    if (spec.replace) this.#addNops(patch);
    // klp_init_patch resolves every loaded object before the transition is even considered.
    if (this.objects(patch).some((obj) => this.isLoaded(obj) && this.missing(patch, obj))) return fail(EINVAL);
    if (this.transition) return fail(EBUSY);
    for (const obj of spec.objects) {
      if (!this.isLoaded(obj.name)) continue;
      const ret = this.#prePatch(patch, obj.name, callbacks);
      if (ret) {
        // klp_cancel_transition: post-unpatch where pre-patch succeeded, nothing else.
        for (const o of this.objects(patch)) if (this.isLoaded(o)) this.#postUnpatch(patch, o, callbacks);
        return fail(ret);
      }
    }
    patch.enabled = true;
    this.installed.push(patch);
    this.lpModules.set(name, { inst, pinned: false });
    this.transition = { patch, target: 'patched', forced: false };
    return { ret: 0, callbacks };
  }

  /** §3: every state of every installed patch is carried at the same or a higher version (or ignored by a non-replace patch). */
  #compatible(spec: PatchSpec): boolean {
    return this.installed.every((old) =>
      old.spec.states.every((s) => {
        const mine = spec.states.find((n) => n.id === s.id);
        return mine ? mine.version >= s.version : !spec.replace;
      }),
    );
  }

  /** `klp_add_nops` (§2.8): a nop for every function an installed patch patches and this one does not. */
  #addNops(patch: ModelPatch): void {
    for (const old of this.installed) {
      for (const obj of this.objects(old)) {
        if (!this.hasObject(patch, obj)) patch.dynamic.push(obj);
        for (const func of old.spec.objects.find((o) => o.name === obj)?.funcs ?? []) {
          if (this.patches(patch, obj, func)) continue;
          const set = patch.nops.get(obj) ?? new Set<string>();
          set.add(func);
          patch.nops.set(obj, set);
        }
      }
    }
  }

  /** `echo 0 > enabled` (§2.4, §2.5). */
  disable(name: string, rules: readonly PolicyRule[]): Outcome {
    const callbacks: CallbackEvent[] = [];
    const patch = this.find(name);
    if (!patch) return { ret: ENOENT, callbacks };
    if (!patch.enabled) return { ret: EINVAL, callbacks };
    if (this.transition?.patch === patch) {
      if (this.refused(rules, 'preUnpatch', 'reverse', name)) return { ret: EPERM, callbacks };
      this.#reverse();
      return { ret: 0, callbacks };
    }
    if (this.refused(rules, 'preUnpatch', 'disable', name)) return { ret: EPERM, callbacks };
    if (this.transition) return { ret: EBUSY, callbacks };
    this.transition = { patch, target: 'unpatched', forced: false };
    for (const obj of this.objects(patch)) if (this.isLoaded(obj)) this.#simple(patch, obj, 'preUnpatch', callbacks);
    patch.enabled = false;
    return { ret: 0, callbacks };
  }

  /** `echo 1 > enabled`: only a reverse of an unpatching transition is allowed (§2.4). */
  enable(name: string, rules: readonly PolicyRule[]): Outcome {
    const patch = this.find(name);
    if (!patch) return { ret: ENOENT, callbacks: [] };
    if (patch.enabled || this.transition?.patch !== patch) return { ret: EINVAL, callbacks: [] };
    if (this.refused(rules, 'prePatch', 'reverse', name)) return { ret: EPERM, callbacks: [] };
    this.#reverse();
    return { ret: 0, callbacks: [] };
  }

  #reverse(): void {
    const t = this.transition;
    if (!t) return;
    t.patch.enabled = !t.patch.enabled;
    t.target = t.target === 'patched' ? 'unpatched' : 'patched';
  }

  /** `echo 1 > force` (§2.6, the newer text). */
  force(name: string): Outcome {
    const patch = this.find(name);
    if (!patch) return { ret: ENOENT, callbacks: [] };
    const t = this.transition;
    if (!t || t.patch !== patch) return { ret: EINVAL, callbacks: [] };
    t.forced = true;
    if (t.target === 'unpatched') patch.forced = true;
    else if (patch.spec.replace) for (const other of this.installed) if (other !== patch) other.forced = true;
    return { ret: 0, callbacks: [] };
  }

  /** `rmmod` of a livepatch module: busy while its patch is installed, or forever once forced. */
  rmmod(name: string): Outcome {
    const mod = this.lpModules.get(name);
    if (!mod) return { ret: ENOENT, callbacks: [] };
    if (this.find(name) || mod.pinned) return { ret: EBUSY, callbacks: [] };
    this.lpModules.delete(name);
    return { ret: 0, callbacks: [] };
  }

  /** `insmod` of a target module: `klp_module_coming` (§2.7). */
  loadTarget(module: ObjName, rules: readonly PolicyRule[]): Outcome {
    const callbacks: CallbackEvent[] = [];
    if (this.loadedTargets.has(module)) return { ret: EEXIST, callbacks };
    const patches = this.installed.filter((p) => this.hasObject(p, module));
    if (patches.length && this.refused(rules, 'moduleComing', 'load-module', module)) return { ret: EPERM, callbacks };
    for (const [i, p] of patches.entries()) {
      // klp_init_object_loaded fails (M14) before any callback; else pre-patch (M8).
      const ret = this.missing(p, module) ? EINVAL : this.#prePatch(p, module, callbacks);
      if (ret) {
        for (const q of patches.slice(0, i)) this.#going(q, module, callbacks);
        return { ret, callbacks };
      }
      if (p !== this.transition?.patch) this.#simple(p, module, 'postPatch', callbacks);
    }
    this.loadedTargets.add(module);
    return { ret: 0, callbacks };
  }

  /** `rmmod` of a target module: `klp_module_going` (§2.7). */
  unloadTarget(module: ObjName): Outcome {
    const callbacks: CallbackEvent[] = [];
    if (!this.loadedTargets.has(module)) return { ret: ENOENT, callbacks };
    for (const p of this.installed) if (this.hasObject(p, module)) this.#going(p, module, callbacks);
    this.loadedTargets.delete(module);
    return { ret: 0, callbacks };
  }

  #going(p: ModelPatch, module: ObjName, out: CallbackEvent[]): void {
    if (p !== this.transition?.patch) this.#simple(p, module, 'preUnpatch', out);
    this.#postUnpatch(p, module, out);
  }

  /** `klp_complete_transition` + the frees after it (§2.3 C1–C9, T4), once the real one completed. */
  complete(): CallbackEvent[] {
    const callbacks: CallbackEvent[] = [];
    const t = this.transition;
    if (!t) return callbacks;
    const { patch } = t;
    if (t.target === 'patched') {
      if (patch.spec.replace) {
        for (const old of this.installed.slice(0, this.installed.indexOf(patch))) {
          old.enabled = false;
          this.replaced.add(old.inst);
          this.#free(old);
        }
        patch.nops.clear();
        patch.dynamic = [];
      }
      for (const obj of this.objects(patch)) if (this.isLoaded(obj)) this.#simple(patch, obj, 'postPatch', callbacks);
    } else {
      for (const obj of this.objects(patch)) if (this.isLoaded(obj)) this.#postUnpatch(patch, obj, callbacks);
      this.#free(patch);
    }
    this.transition = null;
    return callbacks;
  }

  #free(p: ModelPatch): void {
    this.installed.splice(this.installed.indexOf(p), 1);
    this.freed.add(p.inst);
    const mod = this.lpModules.get(p.name);
    if (mod && p.forced) mod.pinned = true;
  }

  /** The module reference count `rmmod` looks at. */
  refcount(name: string): number {
    return this.find(name) || this.lpModules.get(name)?.pinned ? 1 : 0;
  }
}
