/**
 * Reading a scenario file: every error points to the file, the line and the column.
 */
import { dirname, resolve } from 'node:path';
import { describeIssue, Diagnostic, formatPath, issuePlace, pickIssue, readSourceFile, suggestion, YamlSource } from '@patchwise/diagnostics';
import { parseOps, type CaseOp } from '@patchwise/kselftest';
import { kernelFunctionsOf, loadManifestFile, moduleFunctionsOf, parseFunctionRef, parseManifest, type PatchManifest } from '@patchwise/manifest';
import { Machine, selftestModules, VMLINUX } from '@patchwise/sim';
import type { z } from 'zod';
import { checkStepNames } from './names.js';
import { ScenarioSchema, type ScenarioMachine, type ScenarioModule, type ScenarioTask } from './schema.js';
import { ADVANCE_LIMITS, SCENARIO_STEPS } from './steps.js';

export interface Scenario {
  readonly file: string;
  readonly name: string;
  readonly description?: string;
  readonly machine: ScenarioMachine;
  /** `undefined`: use the discovered config; `none`: no policies. */
  readonly config: 'none' | { readonly file: string } | { readonly inline: Record<string, unknown> } | undefined;
  readonly patches: readonly PatchManifest[];
  readonly modules: readonly ScenarioModule[];
  readonly tasks: readonly ScenarioTask[];
  readonly steps: readonly CaseOp[];
  /** Line and column of a path in the scenario file (for errors found later, e.g. in its `config`). */
  readonly locate?: (path: readonly (string | number)[]) => { line: number; column: number } | undefined;
}

/** The issue that explains most (an unknown key, `step:` for `steps:`, first), at its place. */
function schemaError(source: YamlSource, issues: readonly z.core.$ZodIssue[]): Diagnostic {
  const issue = pickIssue(issues) as z.core.$ZodIssue;
  const { path, key } = issuePlace(issue);
  // An unknown or missing key is named in the reason; any other problem is said of its place.
  const at = path.length && !key ? `\`${formatPath(path)}\`: ` : '';
  return source.error(path, {
    code: 'PW_SCENARIO',
    reason: `invalid scenario: ${at}${describeIssue(issue, ScenarioSchema)}`,
    hint: 'see `patchwise run --help` for the scenario format',
    key: key === 'unknown',
  });
}

/** Parse and validate a scenario's text; patch files are read relative to `file`. */
export function parseScenario(text: string, file: string, display = file): Scenario {
  const source = YamlSource.parse(text, display);
  const raw = source.toJS();
  if (raw === null || raw === undefined) {
    throw new Diagnostic({
      code: 'PW_SCENARIO',
      file: display,
      reason: 'the file is empty: a scenario needs at least `name` and `steps`',
      hint: 'see `patchwise run --help` for the scenario format',
    });
  }
  const result = ScenarioSchema.safeParse(raw);
  if (!result.success) throw schemaError(source, result.error.issues);
  const data = result.data;
  const dir = dirname(file);
  const patchFile = (name: string, index: number): PatchManifest => {
    try {
      return loadManifestFile(resolve(dir, name), name);
    } catch (err) {
      // A patch file that cannot be read is this file's mistake: say where it is named.
      if (!(err instanceof Diagnostic) || err.code !== 'PW_NO_SUCH_FILE') throw err;
      throw source.error(['patches', index, 'file'], { code: err.code, reason: `patch file \`${name}\`: ${err.reason}`, hint: 'the path is relative to the scenario' });
    }
  };
  // The schema made an entry with a `file` key a file reference, `{ file: path }` and nothing else.
  // An inline manifest is read as written, not as zod's copy (which drops a `__proto__` key unsaid).
  const written = (raw as { patches?: unknown[] }).patches ?? [];
  const patches = data.patches.map((entry, index) =>
    'file' in entry && typeof entry.file === 'string'
      ? patchFile(entry.file, index)
      : parseManifest(written[index], { file: display, path: ['patches', index], locate: (p, options) => source.locate(p, options) }),
  );
  const names = new Map<string, number>();
  patches.forEach((p, i) => {
    if (names.has(p.name)) {
      throw source.error(['patches', i], { code: 'PW_SCENARIO', reason: `two patches are named \`${p.name}\``, hint: 'give each patch its own name' });
    }
    names.set(p.name, i);
  });
  data.modules.forEach((m, i) => {
    if (names.has(m.name)) {
      throw source.error(['modules', i, 'name'], { code: 'PW_SCENARIO', reason: `module \`${m.name}\` has the name of a patch` });
    }
  });
  const known = [...selftestModules.map((m) => m.name), ...patches.map((p) => p.name), ...data.modules.map((m) => m.name)];
  const steps = parseOps(data.steps, source, ['steps'], { modules: known, ops: SCENARIO_STEPS });
  data.tasks.forEach((t, i) => {
    if (!t.sleepsIn) return;
    const ref = parseFunctionRef(t.sleepsIn);
    const module = data.modules.find((m) => m.name === ref.object);
    if (ref.object !== 'vmlinux' && !module?.loaded) {
      throw source.error(['tasks', i, 'sleepsIn'], {
        code: 'PW_SCENARIO',
        reason: `task \`${t.name}\` sleeps in \`${t.sleepsIn}\`, but module \`${ref.object}\` is not loaded at the start`,
        hint: `declare it under \`modules\` with \`loaded: true\`, or put the task to sleep later with a \`sleep\` step`,
      });
    }
  });
  const taskNames = new Set(data.tasks.map((t) => t.name));
  steps.forEach((step) => {
    const args = step.args as { task?: unknown; live?: { task?: unknown } } | string;
    const task = step.name === 'wake' ? args : typeof args === 'object' ? (args.task ?? args.live?.task) : undefined;
    if (typeof task === 'string' && !taskNames.has(task)) {
      throw source.error(['steps', step.index], {
        code: 'PW_SCENARIO',
        reason: `step ${step.index + 1} names unknown task \`${task}\`${suggestion(task, [...taskNames])}`,
        hint: 'declare it under `tasks`',
      });
    }
  });
  checkAdvanceTotal(steps, source);
  checkStepNames(steps, source, { patches: patches.map((p) => p.name), modules: known, functions: functionsOf(patches, data.modules, data.tasks) });
  const config =
    data.config === undefined
      ? undefined
      : data.config === 'none'
        ? 'none'
        : typeof data.config === 'string'
          ? { file: resolve(dir, data.config) }
          : // As written, like inline manifests: zod's copy of a record drops a `__proto__` key unsaid.
            { inline: (raw as { config: Record<string, unknown> }).config };
  return {
    file: display,
    name: data.name,
    ...(data.description ? { description: data.description } : {}),
    machine: data.machine ?? {},
    config,
    patches,
    modules: data.modules,
    tasks: data.tasks,
    steps,
    locate: (path) => source.locate(path),
  };
}

/**
 * The functions a scenario's machine has, by object: vmlinux's own and those its patches and tasks
 * name, and each module's under `modules` with those patches replace in it. (A selftest module's
 * are not listed: steps may name any function of it.)
 */
function functionsOf(patches: readonly PatchManifest[], modules: readonly ScenarioModule[], tasks: readonly ScenarioTask[]): Map<string, string[]> {
  const sleepers = tasks.flatMap((t) => (t.sleepsIn ? [parseFunctionRef(t.sleepsIn)] : [])).filter((r) => r.object === VMLINUX);
  const kernel = new Machine({ kernelFunctions: [...kernelFunctionsOf(patches), ...sleepers.map((r) => r.name)] }).kallsyms.functionsOf(VMLINUX) ?? [];
  const patched = moduleFunctionsOf(patches);
  return new Map([[VMLINUX, kernel], ...modules.map((m): [string, string[]] => [m.name, [...m.functions, ...(patched.get(m.name) ?? [])]])]);
}

/** All the `advance` steps together stay within the bound (each one alone is checked as it is read). */
function checkAdvanceTotal(steps: readonly CaseOp[], source: YamlSource): void {
  let total = 0;
  for (const step of steps) {
    if (step.name !== 'advance') continue;
    total += step.args as number;
    if (total > ADVANCE_LIMITS.totalMs) {
      throw source.error(['steps', step.index, 'advance'], {
        code: 'PW_SCENARIO',
        reason: `step ${step.index + 1}: the \`advance\` steps add up to more than ${ADVANCE_LIMITS.totalMs} ms (1 hour) of machine time`,
        hint: 'a scenario is a short story: split it, or wait less',
      });
    }
  }
}

/** Read a scenario file. */
export function loadScenario(file: string, display = file): Scenario {
  return parseScenario(readSourceFile(file, 'the scenario', 'check the path', display), file, display);
}
