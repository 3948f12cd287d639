/**
 * What must hold after every step of a run, each stated against the model or the spec:
 *
 *  1. at most one transition, and it is the model's (patch and direction);
 *  2. each function's stack is the installed patches that patch it (nops included), newest first;
 *  3. every task runs, for every function, what §2.9 says for its patch state;
 *  4. task states: all idle outside a transition; pending exactly when not yet in the target;
 *  5. installed patches, sysfs, loaded modules and module references are the model's;
 *  6. callbacks: exactly the model's; post-unpatch never without a successful pre-patch; replaced
 *     (and freed) patches never run one;
 *  7. shadow variables change only by what callbacks did (the core never touches them);
 *  8. consistency (§2.2): a sleeping task that was not forced runs what its state says it runs;
 *  9. progress: a transition still running after a full retry period is blocked by a sleeping task.
 * The deep-equal check for refused and failed operations lives in the runner.
 */
import { OBJECT_FUNCS, OBJECTS, type PatchSpec } from './arbitraries.js';
import type { Model } from './model.js';
import { originalAddress, type CallbackEvent, type ShadowAction, type World } from './world.js';

export class InvariantError extends Error {
  override name = 'InvariantError';
}

function fail(invariant: string, detail: string, data?: unknown): never {
  throw new InvariantError(`${invariant}: ${detail}${data === undefined ? '' : `\n${JSON.stringify(data, null, 1)}`}`);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function checkTransition(world: World, model: Model): void {
  const lp = world.machine.livepatch;
  const inTransition = lp.patches.filter((p) => world.machine.fs.read(`/sys/kernel/livepatch/${p.name}/transition`) === '1\n');
  if (inTransition.length > 1) fail('at most one transition', `${inTransition.map((p) => p.name).join(', ')} are all in transition`);
  const real = lp.transitionPatch?.name ?? null;
  const expected = model.transition?.patch.name ?? null;
  if (real !== expected) fail('transition', `the kernel's transition patch is ${real}, the model's ${expected}`);
  if (inTransition[0]?.name !== (real ?? undefined)) fail('at most one transition', `sysfs shows ${inTransition[0]?.name} in transition, not ${real}`);
  const target = model.transition ? (model.transition.target === 'patched' ? 1 : 0) : -1;
  if (lp.targetState !== target) fail('transition', `target state ${lp.targetState}, expected ${target}`);
  for (const p of lp.patches) {
    for (const o of p.objects) {
      for (const f of o.funcs) {
        if (f.transition && p.name !== real) fail('at most one transition', `${p.name}'s ${f.oldName} is in transition, but ${real} is the transition patch`);
      }
    }
  }
}

export function checkStacks(world: World, model: Model): void {
  const lp = world.machine.livepatch;
  const real = new Map([...lp.funcStacks()].map(([addr, stack]) => [addr, stack.map((f) => ({ patch: f.patchName, nop: f.nop }))]));
  for (const obj of OBJECTS) {
    for (const func of OBJECT_FUNCS[obj]) {
      const addr = originalAddress(obj, func);
      const expected = model.stack(obj, func);
      const actual = real.get(addr) ?? [];
      real.delete(addr);
      if (!same(actual, expected)) fail('function stacks', `the stack of ${addr} is wrong`, { actual, expected });
      if (lp.isPatched(addr) !== expected.length > 0) fail('function stacks', `${addr} patched: ${lp.isPatched(addr)}`);
    }
  }
  if (real.size) fail('function stacks', `unexpected stacks`, [...real]);
}

export function checkLiveCode(world: World, model: Model): void {
  const m = world.machine;
  const tasks = [...m.scheduler.list(), ...m.scheduler.idle];
  for (const obj of OBJECTS) {
    if (!model.isLoaded(obj)) continue;
    for (const func of OBJECT_FUNCS[obj]) {
      const addr = originalAddress(obj, func);
      for (const task of tasks) {
        const actual = m.livepatch.resolveCall(addr, task);
        const expected = model.resolve(obj, func, task.patchState);
        if (actual !== expected) {
          fail('live implementation (§2.9)', `${task.comm} (patch state ${task.patchState}) calling ${addr} runs ${actual}, expected ${expected}`);
        }
      }
    }
  }
}

export function checkTasks(world: World, model: Model): void {
  const m = world.machine;
  const t = model.transition;
  for (const task of [...m.scheduler.list(), ...m.scheduler.idle]) {
    const where = `${task.comm} (pid ${task.pid})`;
    if (!t) {
      if (task.patchState !== -1 || task.patchPending) fail('task states', `${where} is in state ${task.patchState}, pending ${task.patchPending}, outside a transition`);
      continue;
    }
    const target = t.target === 'patched' ? 1 : 0;
    if (task.patchState !== 0 && task.patchState !== 1) fail('task states', `${where} is in state ${task.patchState} during a transition`);
    if (task.patchPending !== (task.patchState !== target)) {
      fail('task states', `${where} is in state ${task.patchState} with pending ${task.patchPending}, target ${target}`);
    }
  }
}

export function checkInstalled(world: World, model: Model): void {
  const m = world.machine;
  const lp = m.livepatch;
  const actual = lp.patches.map((p) => ({ name: p.name, enabled: p.enabled, forced: p.forced, replace: p.replace }));
  const expected = model.installed.map((p) => ({ name: p.name, enabled: p.enabled, forced: p.forced, replace: p.spec.replace }));
  if (!same(actual, expected)) fail('installed patches', 'klp_patches differs from the model', { actual, expected });
  const dirs = m.fs.readdir('/sys/kernel/livepatch');
  const names = model.installed.map((p) => p.name);
  if (!same(dirs, [...names].sort())) fail('sysfs', `/sys/kernel/livepatch lists ${dirs.join(' ')}`);
  model.installed.forEach((p, i) => {
    const read = (attr: string) => m.fs.read(`/sys/kernel/livepatch/${p.name}/${attr}`).trim();
    const shown = { enabled: read('enabled'), stack_order: read('stack_order'), replace: read('replace') };
    const want = { enabled: p.enabled ? '1' : '0', stack_order: String(i + 1), replace: p.spec.replace ? '1' : '0' };
    if (!same(shown, want)) fail('sysfs', `/sys/kernel/livepatch/${p.name}`, { shown, want });
  });
  const loaded = m.modules
    .loaded()
    .map((mod) => `${mod.name}:${mod.refcount}`)
    .sort();
  const want = [
    ...[...model.loadedTargets].map((t) => `${t}:0`),
    ...[...model.lpModules.keys()].map((name) => `${name}:${model.refcount(name)}`),
  ].sort();
  if (!same(loaded, want)) fail('modules', 'loaded modules or references differ', { loaded, want });
}

/** Replays the trace against its own rules, independently of the model's prediction. */
export class CallbackRules {
  /** `inst/object` whose latest pre-patch succeeded and whose post-unpatch has not run. */
  readonly #armed = new Set<string>();

  check(events: readonly CallbackEvent[], specs: readonly PatchSpec[], model: Model, replacedBefore: ReadonlySet<number>, freedBefore: ReadonlySet<number>): void {
    for (const e of events) {
      const key = `${e.inst}/${e.object}`;
      if (replacedBefore.has(e.inst)) fail('replaced patches run no callbacks', `replaced ${e.patch} (load #${e.inst}) ran ${e.callback} for ${e.object}`);
      if (freedBefore.has(e.inst)) fail('callbacks', `freed ${e.patch} (load #${e.inst}) ran ${e.callback} for ${e.object}`);
      const hasPrePatch = specs.find((s) => s.name === e.patch)?.objects.find((o) => o.name === e.object)?.callbacks?.prePatch;
      if (e.callback === 'prePatch') {
        if (e.result === 0) this.#armed.add(key);
        else this.#armed.delete(key);
      } else if (hasPrePatch && !this.#armed.has(key)) {
        fail('post-unpatch only after a successful pre-patch', `${e.patch} (load #${e.inst}) ran ${e.callback} for ${e.object} without a successful pre-patch`);
      }
      if (e.callback === 'postUnpatch') this.#armed.delete(key);
    }
    // Instances replaced during this step ran nothing in it after... or at all: their callbacks stop at replacement.
    for (const inst of model.replaced) {
      if (replacedBefore.has(inst)) continue;
      const ran = events.filter((e) => e.inst === inst);
      if (ran.length) fail('replaced patches run no callbacks', `load #${inst} ran callbacks in the step that replaced it`, ran);
    }
  }
}

export function checkCallbacks(actual: readonly CallbackEvent[], expected: readonly CallbackEvent[]): void {
  if (!same(actual, expected)) fail('callbacks', 'the callbacks that ran are not the ones the spec runs', { actual, expected });
}

/** The shadow table the callbacks' actions leave, from `before`. */
export function applyJournal(before: readonly string[], actions: readonly ShadowAction[]): string[] {
  const table = new Set(before);
  for (const a of actions) {
    if (a.act === 'alloc') table.add(`${a.key}#${a.id}`);
    else table.delete(`${a.key}#${a.id}`);
  }
  return [...table].sort();
}

export const shadowTable = (world: World): string[] =>
  world.machine.livepatch.shadow
    .entries()
    .map((e) => `${String(e.obj)}#${e.id}`)
    .sort();

export function checkShadow(world: World, before: readonly string[], actions: readonly ShadowAction[]): void {
  const actual = shadowTable(world);
  const expected = applyJournal(before, actions);
  if (!same(actual, expected)) fail('shadow variables untouched by the core', 'the shadow table changed beyond what callbacks did', { actual, expected, actions });
}

/** Sleepers that were not forced run exactly what their patch state says they run. */
export function checkConsistency(world: World, model: Model, tainted: readonly boolean[]): void {
  world.sleepers.forEach((task, i) => {
    const s = world.sleeping[i];
    if (!s || tainted[i]) return;
    const expected = model.resolve('vmlinux', s.func, task.patchState);
    if (s.impl !== expected) {
      fail('consistency (§2.2)', `${task.comm} sleeps in ${s.impl} but, in patch state ${task.patchState}, runs ${expected} for ${s.func}`);
    }
  });
}

/** A pending sleeper inside a forbidden implementation: what keeps a transition from completing. */
export function blockers(world: World, model: Model): string[] {
  const forbidden = model.forbidden();
  return world.sleepers.filter((task) => task.patchPending && task.stack.some((frame) => forbidden.has(frame))).map((t) => t.comm);
}

export function checkProgress(world: World, model: Model, ms: number): void {
  if (ms < 1000 || !model.transition) return;
  if (blockers(world, model).length === 0) {
    const pending = [...world.machine.scheduler.list(), ...world.machine.scheduler.idle].filter((t) => t.patchPending).map((t) => t.comm);
    fail('progress', `${model.transition.patch.name} is still in transition after ${ms} ms with nothing blocking it (pending: ${pending.join(', ')})`);
  }
}
