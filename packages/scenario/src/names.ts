/**
 * Names in a scenario's steps checked against what the scenario defines, before anything runs: an
 * expectation about a patch, module or function the scenario does not have would otherwise pass
 * without checking anything (`enabled: {acme_fx: false}` holds for every machine) or fail only
 * halfway through the run.
 */
import { suggestion, type DocPath, type YamlSource } from '@patchwise/diagnostics';
import type { CaseOp } from '@patchwise/kselftest';
import { parseFunctionRef } from '@patchwise/manifest';
import type { Expectations } from './expect.js';

export interface ScenarioNames {
  readonly patches: readonly string[];
  /** Every module a step may name: the selftest modules, the scenario's own, its patches. */
  readonly modules: readonly string[];
  /** Functions by object (`vmlinux`, a module); an object not listed is not checked function by function. */
  readonly functions: ReadonlyMap<string, readonly string[]>;
}

/** What an expectation may say a function resolves to, besides a patch. */
const ORIGINAL = 'original';

export function checkStepNames(steps: readonly CaseOp[], source: YamlSource, names: ScenarioNames): void {
  const unknown = (path: DocPath, what: string, name: string, known: readonly string[], hint: string, key = false) =>
    source.error(path, {
      code: 'PW_SCENARIO',
      reason: `${what} \`${name}\` is not in the scenario${suggestion(name, known)}`,
      hint,
      key,
    });
  const patchHint = 'name a patch listed under `patches`';
  const patch = (path: DocPath, value: unknown, also: readonly string[] = [], key = false) => {
    const name = String(value);
    if (!names.patches.includes(name) && !also.includes(name)) throw unknown(path, 'patch', name, [...names.patches, ...also], patchHint, key);
  };
  const fn = (path: DocPath, value: unknown) => {
    const text = String(value);
    const ref = parseFunctionRef(text);
    if (!names.modules.includes(ref.object) && ref.object !== 'vmlinux') {
      throw unknown(path, 'module', ref.object, names.modules, 'write `module:function` with a module of the scenario (or a selftest module)');
    }
    const known = names.functions.get(ref.object);
    if (known && !known.includes(ref.name)) {
      const where = ref.object === 'vmlinux' ? 'vmlinux' : `module \`${ref.object}\``;
      throw source.error(path, {
        code: 'PW_SCENARIO',
        reason: `function \`${text}\` is not in ${where}${suggestion(ref.name, known)}`,
        hint: 'name a function a patch replaces, a function of a module under `modules`, or `module:function`',
      });
    }
  };
  for (const step of steps) {
    const at = (...rest: (string | number)[]): DocPath => ['steps', step.index, step.name, ...rest];
    if (step.name === 'sleep') fn(at('in'), (step.args as { in: string }).in);
    if (step.name !== 'expect') continue;
    const want = step.args as Expectations;
    if (want.order !== undefined) {
      if (Array.isArray(want.order)) want.order.forEach((name, i) => patch(at('order', i), name));
      else patch(at('order'), want.order);
    }
    for (const name of Object.keys(record(want.enabled))) patch(at('enabled', name), name, [], true);
    if (want.transition !== undefined) patch(at('transition'), want.transition, ['none']);
    for (const name of Object.keys(record(want.loaded))) {
      if (!names.modules.includes(name)) throw unknown(at('loaded', name), 'module', name, names.modules, 'name a module under `modules`, a patch, or a selftest module', true);
    }
    const owner = record(want.owner);
    if (owner.function !== undefined) fn(at('owner', 'function'), owner.function);
    if (owner.patch !== undefined) patch(at('owner', 'patch'), owner.patch, [ORIGINAL]);
    // `of: {load: NAME}` names a patch, or a module whose load was decided.
    if (want.of !== undefined && !names.modules.includes(want.of.name)) patch(at('of', want.of.step), want.of.name);
    const live = record(want.live);
    if (live.function !== undefined) fn(at('live', 'function'), live.function);
    if (live.runs !== undefined) patch(at('live', 'runs'), live.runs, [ORIGINAL]);
  }
}

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
