/**
 * A real system as the simulator's installed-state snapshot (`patchwise-state/1`, the format of
 * `run --save-state`): the same snapshot `check --state` restores, so policies decide about a real
 * machine exactly as about a saved one and cannot tell them apart.
 *
 * What the kernel shows (names, enabled, transition, replace, objects, functions) comes from sysfs;
 * what only the patch's module carries (vendor, version, tags, dependencies, states) from the
 * module found in the patch directory. Whatever neither says is listed in `unknown`.
 */
import type { PatchManifest } from '@patchwise/manifest';
import type { SavedState } from '@patchwise/scenario';
import type { SysfsPatch, SystemSnapshot } from '@patchwise/sysfs';

export interface SystemState {
  readonly state: SavedState;
  readonly unknown: readonly string[];
}

/** What the kernel does not show about a patch, from its own module (its `patchwise_*` modinfo). */
function fromModule(manifest: PatchManifest | undefined): Partial<PatchManifest> {
  if (!manifest) return {};
  const { name: _n, objects: _o, functions: _f, replace: _r, ...rest } = manifest;
  return rest;
}

/** The manifest of an installed patch: sysfs for what is patched, its module for the rest. */
export function installedManifest(patch: SysfsPatch, module: PatchManifest | undefined): PatchManifest {
  return {
    ...fromModule(module),
    name: patch.name,
    replace: patch.replace ?? module?.replace === true,
    objects: patch.objects.map((obj) => ({
      name: obj.name,
      // sysfs shows sympos 0 as 1; both mean the first occurrence.
      functions: obj.functions.map((f) => ({ name: f.name, object: obj.name, ...(f.sympos > 1 ? { sympos: f.sympos } : {}) })),
    })),
  };
}

/** The loaded modules that are no livepatch: the targets a patch's objects may name. */
function targetModules(snapshot: SystemSnapshot): SavedState['modules'] {
  const patches = new Set(snapshot.patches.map((p) => p.name));
  // `K` taints the kernel with a livepatch module: disabled patches stay loaded with it.
  return snapshot.modules.filter((m) => !patches.has(m.name) && !m.taint.includes('K')).map((m) => ({ name: m.name, functions: [] }));
}

/**
 * The installed-state snapshot of `snapshot`; `modules` are the installed patches' own modules (by
 * patch name) as manifests, and `now` the machine's time.
 */
export function systemState(snapshot: SystemSnapshot, modules: ReadonlyMap<string, PatchManifest>, now: Date): SystemState {
  const unknown = [...snapshot.unknown];
  for (const patch of snapshot.patches) {
    if (modules.has(patch.name)) continue;
    const what = patch.replace === undefined ? 'vendor, version, states, replace (taken as not)' : 'vendor, version, states';
    unknown.push(`the metadata of '${patch.name}' (${what}): its module is not in the patch directory`);
  }
  return {
    state: {
      format: 'patchwise-state/1',
      release: snapshot.release ?? 'unknown',
      time: now.toISOString(),
      patches: snapshot.patches.map((p) => ({ manifest: installedManifest(p, modules.get(p.name)), enabled: p.enabled, transition: p.transition })),
      modules: targetModules(snapshot),
    },
    unknown,
  };
}
