/**
 * A machine's state as a file (`run --save-state`, `check --state`): the installed patches (as
 * their manifests), the loaded target modules, the kernel release and the time.
 */
import { Diagnostic, readSourceFile, YamlSource } from '@patchwise/diagnostics';
import { kernelFunctionsOf, manifestModule, moduleFunctionsOf, normalObjects, parseManifest, VMLINUX, type PatchManifest } from '@patchwise/manifest';
import { Machine } from '@patchwise/sim';

export interface SavedState {
  readonly format: 'patchwise-state/1';
  readonly release: string;
  /** ISO time of the machine when saved. */
  readonly time: string;
  readonly patches: readonly { readonly manifest: PatchManifest; readonly enabled: boolean; readonly transition: boolean }[];
  readonly modules: readonly { readonly name: string; readonly functions: readonly string[] }[];
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

/** Read a state file (JSON or YAML). */
export function readState(file: string): SavedState {
  const source = YamlSource.parse(readSourceFile(file, 'the state file', 'write one with `patchwise run --save-state FILE`'), file);
  const raw = source.toJS() as Partial<SavedState> | null;
  if (raw?.format !== 'patchwise-state/1' || !Array.isArray(raw.patches)) {
    throw new Diagnostic({ code: 'PW_STATE', file, reason: 'not a patchwise state file (`format: patchwise-state/1`)', hint: 'write one with `patchwise run --save-state FILE`' });
  }
  const patches = raw.patches.map((p, i) => ({ ...p, manifest: parseManifest(p.manifest, { file, path: ['patches', i, 'manifest'], locate: (path) => source.locate(path) }) }));
  return { ...(raw as SavedState), patches };
}

/** Enough for a transition to complete on an idle machine (one retry). */
const RESTORE_STEP_MS = 1000;

/**
 * How many times each function occurs in its object (`object:name` → count): a patch that names
 * position N needs N occurrences, as a real kernel has for a static function defined in N files.
 */
function occurrences(manifests: readonly PatchManifest[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const manifest of manifests) {
    for (const obj of normalObjects(manifest)) {
      for (const f of obj.functions) {
        const key = `${obj.name}:${f.name}`;
        counts.set(key, Math.max(counts.get(key) ?? 1, f.sympos));
      }
    }
  }
  return counts;
}

const repeated = (object: string, names: Iterable<string>, counts: ReadonlyMap<string, number>) =>
  [...names].flatMap((name) => Array.from({ length: counts.get(`${object}:${name}`) ?? 1 }, () => ({ name })));

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
  const counts = occurrences(manifests);
  // vmlinux has each function once; the later positions patches name are added here.
  const later = [...counts].filter(([key, n]) => n > 1 && key.startsWith(`${VMLINUX}:`));
  for (const [key, n] of later) machine.kallsyms.add(VMLINUX, repeated(VMLINUX, [key.slice(VMLINUX.length + 1)], new Map([[key, n - 1]])));
  const fromPatches = moduleFunctionsOf(manifests);
  for (const m of state.modules) {
    machine.addModule({ name: m.name, symbols: repeated(m.name, new Set([...m.functions, ...(fromPatches.get(m.name) ?? [])]), counts) });
    if (await machine.insmod(m.name)) throw new Diagnostic({ code: 'PW_STATE', reason: `cannot restore module \`${m.name}\`` });
  }
  for (const manifest of manifests) machine.addModule(manifestModule(manifest));
  for (const p of state.patches) {
    const ret = await machine.insmod(p.manifest.name);
    if (ret) throw new Diagnostic({ code: 'PW_STATE', reason: `cannot restore patch \`${p.manifest.name}\` (${ret})` });
    machine.advance(RESTORE_STEP_MS);
  }
  return machine;
}
