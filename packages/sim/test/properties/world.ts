/**
 * The real system a run drives: a simulated machine with the scenario's target modules, livepatch
 * modules and policy rules, and recorders for what the model cannot see by itself — every per-object
 * callback that ran (the trace) and every shadow variable a callback allocated or freed (the journal).
 */
import type { ObjectCallbacks, PatchDefinition } from '@patchwise/core';
import { getpidLoop, Machine, type Task } from '@patchwise/sim';
import { OBJECT_FUNCS, TARGETS, type ObjName, type ObjSpec, type PatchSpec, type PolicyRule, type Scenario } from './arbitraries.js';

export type CallbackName = 'prePatch' | 'postPatch' | 'preUnpatch' | 'postUnpatch';

/** One per-object callback that ran. `inst` tells loads of the same livepatch module apart. */
export interface CallbackEvent {
  readonly inst: number;
  readonly patch: string;
  readonly object: ObjName;
  readonly callback: CallbackName;
  /** What `prePatch` returned. */
  readonly result?: number;
}

/** A shadow variable change made by a callback (the only code here that touches shadow variables). */
export interface ShadowAction {
  readonly act: 'alloc' | 'free';
  readonly key: string;
  readonly id: number;
}

/** The replacement symbol of `func` of `object` in livepatch module `patch`. */
export const replacementSymbol = (patch: string, object: ObjName, func: string): string => `${patch}_${object}_${func}`;
/** Addresses are `object:symbol` on the simulated machine. */
export const originalAddress = (object: ObjName, func: string): string => `${object}:${func}`;
export const replacementAddress = (patch: string, object: ObjName, func: string): string =>
  `${patch}:${replacementSymbol(patch, object, func)}`;

/** Does `rule` refuse this gate evaluation? */
export function ruleMatches(rule: PolicyRule, hook: PolicyRule['hook'], operation: string, target: string): boolean {
  if (rule.hook !== hook || rule.target !== target) return false;
  return hook === 'prePatch' || hook === 'preUnpatch' ? rule.operation === operation : true;
}

export class World {
  readonly machine: Machine;
  readonly trace: CallbackEvent[] = [];
  readonly journal: ShadowAction[] = [];
  readonly sleepers: Task[];
  /** For each sleeper: the function it sleeps in and the implementation it runs, or null when awake. */
  readonly sleeping: ({ func: string; impl: string } | null)[];
  /** Calls of each `patch/object` prePatch so far (decides which call fails). */
  readonly #preCalls = new Map<string, number>();
  #inst = 0;

  constructor(readonly scenario: Scenario) {
    const m = new Machine({ cpus: scenario.cpus, modules: [], kernelFunctions: OBJECT_FUNCS.vmlinux });
    this.machine = m;
    for (const target of TARGETS) m.addModule({ name: target, symbols: OBJECT_FUNCS[target].map((name) => ({ name })) });
    for (const spec of scenario.patches) this.#addLivepatch(spec);
    this.#applyRules(scenario.rules);
    if (scenario.hammer) m.spawn({ comm: 'hammer', behavior: getpidLoop });
    this.sleepers = Array.from({ length: scenario.sleepers }, (_, i) =>
      m.spawn({ comm: `sleeper${i}`, kthread: true, stack: m.frames(['schedule', 'kthread', 'ret_from_fork']) }),
    );
    this.sleeping = this.sleepers.map(() => null);
  }

  /** Kernel thread `index` calls `func` (vmlinux) and sleeps inside the implementation that runs. */
  sleep(index: number, func: string): void {
    const task = this.sleepers[index];
    if (!task) return;
    const m = this.machine;
    const addr = originalAddress('vmlinux', func);
    const impl = m.livepatch.isPatched(addr) ? m.livepatch.resolveCall(addr, task) : addr;
    task.stack = [...m.frames(['schedule']), impl, ...m.frames(['kthread', 'ret_from_fork'])];
    this.sleeping[index] = { func, impl };
  }

  wake(index: number): void {
    const task = this.sleepers[index];
    if (!task) return;
    task.stack = this.machine.frames(['schedule', 'kthread', 'ret_from_fork']);
    this.sleeping[index] = null;
  }

  #addLivepatch(spec: PatchSpec): void {
    this.machine.addModule({
      name: spec.name,
      livepatch: true,
      symbols: spec.objects.flatMap((o) => o.funcs.map((f) => ({ name: replacementSymbol(spec.name, o.name, f) }))),
      init: (ctx) => {
        this.#inst += 1;
        return ctx.enablePatch(this.#definition(spec, this.#inst));
      },
    });
  }

  #definition(spec: PatchSpec, inst: number): PatchDefinition {
    return {
      replace: spec.replace,
      states: spec.states.map((s) => ({ ...s })),
      objects: spec.objects.map((o) => ({
        ...(o.name === 'vmlinux' ? {} : { name: o.name }),
        funcs: o.funcs.map((f) => ({ oldName: f, newFunc: replacementSymbol(spec.name, o.name, f) })),
        ...(o.callbacks ? { callbacks: this.#callbacks(spec.name, o, inst) } : {}),
      })),
    };
  }

  /**
   * Callbacks that record themselves and keep a shadow variable per object: `<inst/obj, 1>` from a
   * successful pre-patch to post-unpatch, `<inst/obj, 2>` from post-patch to pre-unpatch.
   */
  #callbacks(patch: string, obj: ObjSpec, inst: number): ObjectCallbacks {
    const spec = obj.callbacks;
    if (!spec) return {};
    const key = `${inst}/${obj.name}`;
    const shadow = this.machine.livepatch.shadow;
    const record = (callback: CallbackName, result?: number) =>
      this.trace.push({ inst, patch, object: obj.name, callback, ...(result === undefined ? {} : { result }) });
    const alloc = (id: number) => {
      shadow.getOrAlloc(key, id, 8);
      this.journal.push({ act: 'alloc', key, id });
    };
    const free = (id: number) => {
      shadow.free(key, id);
      this.journal.push({ act: 'free', key, id });
    };
    const calls = `${patch}/${obj.name}`;
    return {
      ...(spec.prePatch
        ? {
            prePatch: () => {
              const n = this.#preCalls.get(calls) ?? 0;
              this.#preCalls.set(calls, n + 1);
              const ret = spec.fail[n % spec.fail.length] ? spec.errno : 0;
              if (ret === 0) alloc(1);
              record('prePatch', ret);
              return ret;
            },
          }
        : {}),
      ...(spec.postPatch ? { postPatch: () => (record('postPatch'), alloc(2)) } : {}),
      ...(spec.preUnpatch ? { preUnpatch: () => (record('preUnpatch'), free(2)) } : {}),
      ...(spec.postUnpatch ? { postUnpatch: () => (record('postUnpatch'), free(1)) } : {}),
    };
  }

  /** One policy tapping every gate; a matching rule refuses by a finding, a throw or a rejection. */
  #applyRules(rules: readonly PolicyRule[]): void {
    const hooks = this.machine.livepatch.hooks;
    const gate =
      (hook: PolicyRule['hook']) =>
      (ctx: { operation: string; patch?: { name: string }; module?: string }, report: (f: { code: string; message: string }) => void) => {
        const target = hook === 'moduleComing' ? (ctx.module ?? '') : (ctx.patch?.name ?? '');
        const rule = rules.find((r) => ruleMatches(r, hook, ctx.operation, target));
        if (!rule) return undefined;
        if (rule.how === 'throw') throw new Error(`${hook} refuses ${target}`);
        if (rule.how === 'reject') return Promise.reject(new Error(`${hook} refuses ${target}`));
        report({ code: 'refused', message: `${hook} refuses ${target}` });
        return undefined;
      };
    const tap = { name: 'random-rules', timeoutMs: 1000 };
    hooks.prePatch.tap(tap, gate('prePatch'));
    hooks.replace.tap(tap, gate('replace'));
    hooks.preUnpatch.tap(tap, gate('preUnpatch'));
    hooks.moduleComing.tap(tap, gate('moduleComing'));
    this.machine.livepatch.sealHooks();
  }
}
