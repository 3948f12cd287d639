/**
 * From a validated manifest to what the core needs: objects in order with their functions, and the
 * metadata policies read.
 */
import type { PatchMetadata } from '@patchwise/core';
import type { ManifestFunction, ObjectCallbacksSpec, PatchManifest } from './schema.js';

export interface NormalFunction {
  readonly object: string;
  readonly name: string;
  readonly sympos: number;
  readonly newName: string;
  readonly output: string | undefined;
}

export interface NormalObject {
  readonly name: string;
  readonly functions: NormalFunction[];
  readonly callbacks: ObjectCallbacksSpec | undefined;
}

export const VMLINUX = 'vmlinux';

/** `name`, `module:name` or `module:name,sympos`. */
export function parseFunctionRef(text: string): { object: string; name: string; sympos: number } {
  const colon = text.indexOf(':');
  const object = colon < 0 ? VMLINUX : text.slice(0, colon);
  const rest = colon < 0 ? text : text.slice(colon + 1);
  const comma = rest.indexOf(',');
  return comma < 0
    ? { object, name: rest, sympos: 0 }
    : { object, name: rest.slice(0, comma), sympos: Number(rest.slice(comma + 1)) };
}

function normalFunction(spec: ManifestFunction, defaultObject: string): NormalFunction {
  const ref = typeof spec === 'string' ? parseFunctionRef(spec) : { object: spec.object ?? defaultObject, name: spec.name, sympos: spec.sympos ?? 0 };
  const object = typeof spec === 'string' && !spec.includes(':') ? defaultObject : ref.object;
  // Two functions of one name told apart by `sympos` need two replacements: the second and later
  // positions get their own symbol, or one `output` would silently serve both.
  const suffix = ref.sympos > 1 ? `_${ref.sympos}` : '';
  const newName =
    typeof spec === 'object' && spec.new
      ? spec.new
      : object === VMLINUX
        ? `livepatch_${ref.name}${suffix}`
        : `livepatch_${object}_${ref.name}${suffix}`;
  return { object, name: ref.name, sympos: ref.sympos, newName, output: typeof spec === 'object' ? spec.output : undefined };
}

/** Objects in order: those listed in `objects`, then those only named by `functions`. */
export function normalObjects(manifest: PatchManifest): NormalObject[] {
  const objects = new Map<string, NormalObject>();
  const objectFor = (name: string) => {
    let obj = objects.get(name);
    if (!obj) {
      obj = { name, functions: [], callbacks: undefined };
      objects.set(name, obj);
    }
    return obj;
  };
  for (const spec of manifest.objects ?? []) {
    const obj = objectFor(spec.name);
    objects.set(spec.name, { ...obj, callbacks: spec.callbacks });
    for (const f of spec.functions ?? []) objectFor(spec.name).functions.push(normalFunction(f, spec.name));
  }
  for (const f of manifest.functions ?? []) {
    const fn = normalFunction(f, VMLINUX);
    objectFor(fn.object).functions.push(fn);
  }
  return [...objects.values()];
}

/** The metadata policies read: vendor, tags, version, dependencies, scoped callbacks, signature. */
export function manifestMetadata(manifest: PatchManifest): PatchMetadata {
  const { name: _name, objects: _objects, functions: _functions, states: _states, replace: _replace, metadata, ...rest } = manifest;
  // The validated fields win: `metadata:` adds a team's own data, it cannot override `vendor` & co.
  return { ...(metadata ?? {}), ...rest, manifest };
}
