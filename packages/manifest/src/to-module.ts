/**
 * A manifest as a simulated livepatch module: `insmod` it and the patch it describes is enabled.
 */
import type { CallbackContext, ObjectCallbacks, PatchDefinition } from '@patchwise/core';
import type { ModuleContext, ModuleImage, SymbolSpec } from '@patchwise/sim';
import { runActions } from './actions.js';
import { manifestMetadata, normalObjects, VMLINUX, type NormalObject } from './normalize.js';
import type { ObjectCallbacksSpec, PatchManifest } from './schema.js';

type Stage = keyof ObjectCallbacksSpec;

function objectCallbacks(m: ModuleContext | undefined, spec: ObjectCallbacksSpec | undefined): ObjectCallbacks {
  if (!m) return {};
  const callbacks: Partial<Record<Stage, (ctx: CallbackContext) => number | void>> = {};
  for (const stage of ['prePatch', 'postPatch', 'preUnpatch', 'postUnpatch'] as const) {
    const step = spec?.[stage];
    if (step === undefined) continue;
    callbacks[stage] =
      typeof step === 'function'
        ? (ctx) => (step as (ctx: CallbackContext) => number | void)(ctx)
        : () => {
            const ret = runActions(step, { print: (text, level) => m.print(text, level), shadow: m.livepatch.shadow });
            return stage === 'prePatch' ? ret : undefined;
          };
  }
  return callbacks;
}

/**
 * The core's patch definition for a manifest. Inside its module `m` compiles the callbacks; without
 * it (a dry run) the definition has none.
 */
export function patchDefinition(manifest: PatchManifest, m?: ModuleContext, objects = normalObjects(manifest)): PatchDefinition {
  return {
    replace: manifest.replace === true,
    ...(manifest.states ? { states: manifest.states } : {}),
    metadata: manifestMetadata(manifest),
    objects: objects.map((obj) => ({
      name: obj.name === VMLINUX ? null : obj.name,
      funcs: obj.functions.map((f) => ({ oldName: f.name, newFunc: f.newName, ...(f.sympos ? { oldSympos: f.sympos } : {}) })),
      callbacks: objectCallbacks(m, obj.callbacks),
    })),
  };
}

function replacementSymbols(manifest: PatchManifest, objects: readonly NormalObject[]): SymbolSpec[] {
  const seen = new Set<string>();
  const symbols: SymbolSpec[] = [];
  for (const obj of objects) {
    for (const f of obj.functions) {
      if (seen.has(f.newName)) continue;
      seen.add(f.newName);
      const output = f.output ?? `${manifest.name}: this has been live patched\n`;
      symbols.push({ name: f.newName, body: () => output });
    }
  }
  return symbols;
}

/** The livepatch module for `manifest` (validate it first with `parseManifest`). */
export function manifestModule(manifest: PatchManifest): ModuleImage {
  const objects = normalObjects(manifest);
  return {
    name: manifest.name,
    livepatch: true,
    description: manifest.description ?? `patch manifest${manifest.vendor ? ` (vendor ${manifest.vendor})` : ''}`,
    symbols: replacementSymbols(manifest, objects),
    init: (m) => m.enablePatch(patchDefinition(manifest, m, objects)),
  };
}

/** The vmlinux functions the manifests patch, so a machine can provide them. */
export function kernelFunctionsOf(manifests: Iterable<PatchManifest>): string[] {
  const names = new Set<string>();
  for (const manifest of manifests) {
    for (const obj of normalObjects(manifest)) if (obj.name === VMLINUX) for (const f of obj.functions) names.add(f.name);
  }
  return [...names];
}

/** Module functions the manifests patch, by module, for simulated target modules. */
export function moduleFunctionsOf(manifests: Iterable<PatchManifest>): Map<string, string[]> {
  const byModule = new Map<string, Set<string>>();
  for (const manifest of manifests) {
    for (const obj of normalObjects(manifest)) {
      if (obj.name === VMLINUX) continue;
      const set = byModule.get(obj.name) ?? new Set<string>();
      for (const f of obj.functions) set.add(f.name);
      byModule.set(obj.name, set);
    }
  }
  return new Map([...byModule].map(([k, v]) => [k, [...v]]));
}
