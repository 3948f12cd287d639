/**
 * Run one scenario: each operation on the real machine and on the model, then every invariant.
 * A refused or failed operation must leave the whole machine state deep-equal to before.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Op, PatchName, Scenario } from './arbitraries.js';
import {
  blockers,
  CallbackRules,
  checkCallbacks,
  checkConsistency,
  checkInstalled,
  checkLiveCode,
  checkProgress,
  checkShadow,
  checkStacks,
  checkTasks,
  checkTransition,
  InvariantError,
  shadowTable,
} from './invariants.js';
import { Model, type Outcome } from './model.js';
import { afterShellCommand, snapshot } from './snapshot.js';
import { World } from './world.js';

const sysfs = (patch: string, attr: string) => `/sys/kernel/livepatch/${patch}/${attr}`;

/** What the run did, for statistics. */
export interface RunStats {
  steps: number;
  failedOps: number;
  completions: number;
  replaces: number;
  forces: number;
}

function firstDifference(a: unknown, b: unknown, path = ''): string {
  if (isDeepStrictEqual(a, b)) return '';
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return `${path || '(root)'}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const d = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
    if (d) return d;
  }
  return `${path}: differs`;
}

export async function runScenario(scenario: Scenario, stats?: RunStats): Promise<void> {
  const world = new World(scenario);
  const model = new Model(scenario);
  const rules = new CallbackRules();
  const m = world.machine;
  const tainted = world.sleepers.map(() => false);
  for (const [index, given] of scenario.ops.entries()) {
    const op = resolveOp(given, world);
    const before = op.op === 'tick' || op.op === 'sleep' || op.op === 'wake' ? undefined : snapshot(m, { shadow: false, sysfs: false });
    const shadowBefore = shadowTable(world);
    const traceMark = world.trace.length;
    const journalMark = world.journal.length;
    const replacedBefore = new Set(model.replaced);
    const freedBefore = new Set(model.freed);
    const wasBlocked = op.op === 'tick' && model.transition !== null && blockers(world, model).length > 0;
    const transitionBefore = model.transition ? `${model.transition.patch.name}:${model.transition.target}` : null;
    try {
      const expected = predict(model, op, scenario);
      const ret = await perform(world, op);
      if (expected.ret !== undefined && ret !== expected.ret) {
        throw new InvariantError(`return code: ${ret}, the spec says ${expected.ret}`);
      }
      if (ret !== undefined && ret !== 0 && before) {
        const after = snapshot(m, { shadow: false, sysfs: false });
        const want = afterShellCommand(before, m);
        if (!isDeepStrictEqual(after, want)) {
          throw new InvariantError(`a failed operation (${ret}) changed the machine state: ${firstDifference(want, after)}`);
        }
        if (stats) stats.failedOps += 1;
      }
      if (op.op === 'force' && ret === 0) {
        world.sleeping.forEach((s, i) => (tainted[i] = tainted[i] || s !== null));
        if (stats) stats.forces += 1;
      }
      // Completion is the one thing observed rather than predicted.
      let completion: ReturnType<Model['complete']> = [];
      if (model.transition && !m.livepatch.transitionPatch) {
        if (wasBlocked && !model.transition.forced) {
          throw new InvariantError(`consistency (§2.2): ${transitionBefore} completed while ${blockers(world, model).join(', ')} slept in code it forbids`);
        }
        if (stats) {
          stats.completions += 1;
          if (model.transition.patch.spec.replace && model.transition.target === 'patched') stats.replaces += 1;
        }
        completion = model.complete();
      }
      checkTransition(world, model);
      checkInstalled(world, model);
      checkStacks(world, model);
      checkTasks(world, model);
      checkLiveCode(world, model);
      const events = world.trace.slice(traceMark);
      checkCallbacks(events, [...expected.callbacks, ...completion]);
      rules.check(events, scenario.patches, model, replacedBefore, freedBefore);
      checkShadow(world, shadowBefore, world.journal.slice(journalMark));
      if (op.op === 'sleep' || op.op === 'wake') tainted[op.task] = false;
      checkConsistency(world, model, tainted);
      if (op.op === 'tick') checkProgress(world, model, op.ms);
      if (stats) stats.steps += 1;
    } catch (err) {
      if (err instanceof InvariantError) err.message = `step ${index + 1} ${JSON.stringify(given)}: ${err.message}`;
      throw err;
    }
  }
}

/** `current` names the patch in transition (else `p0`). */
function resolveOp(op: Op, world: World): Op {
  if (!('patch' in op) || op.patch !== 'current') return op;
  return { ...op, patch: (world.machine.livepatch.transitionPatch?.name as PatchName | undefined) ?? 'p0' };
}

function predict(model: Model, op: Op, scenario: Scenario): Outcome {
  switch (op.op) {
    case 'load':
      return model.load(op.patch, scenario.rules);
    case 'disable':
      return model.disable(op.patch, scenario.rules);
    case 'enable':
      return model.enable(op.patch, scenario.rules);
    case 'force':
      return model.force(op.patch);
    case 'rmmod':
      return model.rmmod(op.patch);
    case 'loadTarget':
      return model.loadTarget(op.module, scenario.rules);
    case 'unloadTarget':
      return model.unloadTarget(op.module);
    default:
      return { callbacks: [] };
  }
}

async function perform(world: World, op: Op): Promise<number | undefined> {
  const m = world.machine;
  switch (op.op) {
    case 'load':
      return m.insmod(op.patch);
    case 'disable':
      return m.write(sysfs(op.patch, 'enabled'), '0');
    case 'enable':
      return m.write(sysfs(op.patch, 'enabled'), '1');
    case 'force':
      return m.write(sysfs(op.patch, 'force'), '1');
    case 'rmmod':
      return m.rmmod(op.patch);
    case 'loadTarget':
      return m.insmod(op.module);
    case 'unloadTarget':
      return m.rmmod(op.module);
    case 'tick':
      m.advance(op.ms);
      return undefined;
    case 'sleep':
      world.sleep(op.task, op.func);
      return undefined;
    case 'wake':
      world.wake(op.task);
      return undefined;
  }
}
