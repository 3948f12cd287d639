/**
 * A machine's state as a file (`run --save-state`, `check --state`): the installed patches (as
 * their manifests), the loaded target modules, the kernel release and the time.
 */
import { errnoName, strerror } from '@patchwise/core';
import { describeIssue, Diagnostic, formatPath, issuePlace, pickIssue, readSourceFile, YamlSource } from '@patchwise/diagnostics';
import { kernelFunctionsOf, manifestModule, moduleFunctionsOf, parseManifest, type PatchManifest } from '@patchwise/manifest';
import { Machine } from '@patchwise/sim';
import type { z } from 'zod';
import { StateSchema } from './schema.js';

export interface SavedState {
  readonly format: 'patchwise-state/1';
  readonly release: string;
  /** ISO time of the machine when saved. */
  readonly time: string;
  readonly patches: readonly { readonly manifest: PatchManifest; readonly enabled: boolean; readonly transition: boolean }[];
  readonly modules: readonly { readonly name: string; readonly functions: readonly string[] }[];
  /** Where it was read from (set by `readState`, never saved): restore errors name the place. */
  readonly source?: { readonly file: string; readonly locate: (path: readonly (string | number)[]) => { line: number; column: number } | undefined };
}

/** The state of `machine`; `manifests` are the manifests its patches came from. */
export function saveState(machine: Machine, manifests: readonly PatchManifest[]): SavedState {
  const byName = new Map(manifests.map((m) => [m.name, m]));
  const lp = machine.livepatch;
  return {
    format: 'patchwise-state/1',
    release: machine.release,
    time: new Date(machine.now).toISOString(),
    patches: lp.patches.flatMap((p) => {
      const manifest = byName.get(p.name);
      return manifest ? [{ manifest: stripFunctions(manifest), enabled: p.enabled, transition: lp.transitionPatch === p }] : [];
    }),
    modules: machine.modules
      .loaded()
      .filter((m) => !m.livepatch && byName.get(m.name) === undefined)
      .map((m) => ({ name: m.name, functions: [...(machine.kallsyms.functionsOf(m.name) ?? [])] })),
  };
}

/** Functions in TypeScript manifests cannot be saved; declarative ones are kept as they are. */
function stripFunctions(manifest: PatchManifest): PatchManifest {
  return JSON.parse(JSON.stringify(manifest)) as PatchManifest;
}

const STATE_HINT = 'write one with `patchwise run --save-state FILE`';

/**
 * Read a state file (JSON or YAML), validated like every other input: the schema, each patch's
 * manifest, and what ties them together (one name per patch and module, at most one transition).
 */
export function readState(file: string): SavedState {
  const source = YamlSource.parse(readSourceFile(file, 'the state file', STATE_HINT), file);
  const raw = source.toJS();
  const format = typeof raw === 'object' && raw !== null ? (raw as { format?: unknown }).format : undefined;
  if (format !== 'patchwise-state/1') {
    throw new Diagnostic({ code: 'PW_STATE', file, reason: 'not a patchwise state file (`format: patchwise-state/1`)', hint: STATE_HINT });
  }
  const result = StateSchema.safeParse(raw);
  if (!result.success) {
    const issue = pickIssue(result.error.issues) as z.core.$ZodIssue;
    const { path, key } = issuePlace(issue);
    const at = path.length && !key ? `\`${formatPath(path)}\`: ` : '';
    throw source.error(path, { code: 'PW_STATE', reason: `invalid state file: ${at}${describeIssue(issue, StateSchema)}`, hint: STATE_HINT, key: key === 'unknown' });
  }
  const data = result.data;
  const patches = data.patches.map((p, i) => ({ ...p, manifest: parseManifest(p.manifest, { file, path: ['patches', i, 'manifest'], locate: (path) => source.locate(path) }) }));
  const owner = new Map<string, string>();
  const claim = (name: string, what: string, path: (string | number)[]) => {
    const first = owner.get(name);
    if (first !== undefined) throw source.error(path, { code: 'PW_STATE', reason: `${what} \`${name}\` is also ${first}`, hint: 'a state has one patch or module of each name' });
    owner.set(name, `${what === 'patch' ? 'a patch' : 'a module'} in this state`);
  };
  patches.forEach((p, i) => claim(p.manifest.name, 'patch', ['patches', i, 'manifest', 'name']));
  data.modules.forEach((m, i) => claim(m.name, 'module', ['modules', i, 'name']));
  const moving = data.patches.flatMap((p, i) => (p.transition ? [i] : []));
  if (moving.length > 1) {
    throw source.error(['patches', moving[1] as number, 'transition'], { code: 'PW_STATE', reason: 'two patches are in transition; the kernel runs one transition at a time', hint: STATE_HINT });
  }
  // Not enumerable: a state read back is equal to (and serializes as) the state that was saved.
  return Object.defineProperty({ ...data, patches }, 'source', { value: { file, locate: (path: readonly (string | number)[]) => source.locate(path) }, enumerable: false });
}

/** Enough for a transition to complete on an idle machine (one retry). */
const RESTORE_STEP_MS = 1000;

/**
 * A machine in `state`: its modules loaded and its patches enabled, in order (no policies), each
 * transition completed — a patch saved mid-transition comes back enabled. The clock ends at the
 * saved `time`.
 */
export async function restoreState(state: SavedState, extra: readonly PatchManifest[] = []): Promise<Machine> {
  const manifests = [...state.patches.map((p) => p.manifest), ...extra];
  const machine = new Machine({
    release: state.release,
    // Each restored patch takes RESTORE_STEP_MS to settle: start that much earlier.
    epoch: Date.parse(state.time) - RESTORE_STEP_MS * state.patches.length,
    kernelFunctions: kernelFunctionsOf(manifests),
  });
  const fromPatches = moduleFunctionsOf(manifests);
  const refused = (path: (string | number)[], what: string, ret: number) =>
    new Diagnostic({
      code: 'PW_STATE',
      ...(state.source ? { file: state.source.file, ...state.source.locate(path) } : {}),
      path: formatPath(path),
      reason: `cannot restore ${what}: loading it fails with ${errnoName(ret)} (${strerror(ret)})`,
      hint: 'a state restores what was loaded when it was saved; fix or remove this entry',
    });
  for (const [i, m] of state.modules.entries()) {
    machine.addModule({ name: m.name, symbols: [...new Set([...m.functions, ...(fromPatches.get(m.name) ?? [])])].map((name) => ({ name })) });
    const ret = await machine.insmod(m.name);
    if (ret) throw refused(['modules', i], `module \`${m.name}\``, ret);
  }
  for (const manifest of manifests) machine.addModule(manifestModule(manifest));
  for (const [i, p] of state.patches.entries()) {
    const ret = await machine.insmod(p.manifest.name);
    if (ret) throw refused(['patches', i], `patch \`${p.manifest.name}\``, ret);
    machine.advance(RESTORE_STEP_MS);
  }
  return machine;
}
