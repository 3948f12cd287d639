/**
 * Read-only snapshots of patches for policies, and the index of who patches which function.
 *
 * A snapshot is built once, when a patch is about to be enabled, and deep-frozen: a policy that
 * tries to change it throws, and the throw becomes a finding of its own.
 */
import type { PatchDefinition, PatchMetadata } from './types.js';

/** A function as policies name it: object (`null` = vmlinux), name, position. */
export interface FuncRef {
  readonly object: string | null;
  readonly name: string;
  /** 0 and 1 both mean the first (or only) occurrence. */
  readonly sympos: number;
}

export interface ObjectInfo {
  /** `null` is vmlinux. */
  readonly name: string | null;
  readonly funcs: readonly FuncRef[];
}

/** What a policy sees of a patch. */
export interface PatchInfo {
  readonly name: string;
  readonly replace: boolean;
  readonly metadata: PatchMetadata;
  readonly objects: readonly ObjectInfo[];
  readonly states: readonly { readonly id: number; readonly version: number }[];
}

/** `vmlinux:cmdline_proc_show` (`,N` for N > 1): how findings and owner stacks name functions. */
export function funcKey(func: FuncRef): string {
  return `${func.object ?? 'vmlinux'}:${func.name}${func.sympos > 1 ? `,${func.sympos}` : ''}`;
}

const isPlain = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value);
  return Array.isArray(value) || proto === Object.prototype || proto === null;
};

/**
 * A frozen deep copy of plain data (plain objects and arrays, all the way down) that keeps
 * functions and other non-plain objects as they are, by reference and unfrozen.
 *
 * Perf: one pass that copies and freezes as it goes. It used to be a copy followed by a recursive
 * freeze with a `WeakSet` of visited objects (`Reflect.ownKeys`, a second walk); the copy is fresh
 * and acyclic, so nothing needs remembering. Same result; the snapshot is built on every enable
 * and every dry run (`check`), and this was its largest cost.
 */
function frozenCopy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy));
  if (!isPlain(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    // Own-key copy: assigning `__proto__` would set the copy's prototype instead (metadata is
    // untrusted data), and a frozen prototype then makes later assignments fail, silently outside
    // strict mode.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: frozenCopy(v), enumerable: true, writable: true, configurable: true });
    else copy[key] = frozenCopy(v);
  }
  return Object.freeze(copy);
}

/**
 * The snapshot of a patch definition. Metadata is copied (functions in it, such as scoped
 * callbacks, are kept by reference) so freezing never reaches the author's own objects.
 */
export function patchInfo(name: string, def: PatchDefinition): PatchInfo {
  return Object.freeze({
    name,
    replace: def.replace === true,
    metadata: frozenCopy(def.metadata ?? {}) as PatchMetadata,
    objects: Object.freeze(
      def.objects.map((obj) =>
        Object.freeze({
          name: obj.name ?? null,
          funcs: Object.freeze((obj.funcs ?? []).map((f) => Object.freeze({ object: obj.name ?? null, name: f.oldName, sympos: f.oldSympos ?? 0 }))),
        }),
      ),
    ),
    states: Object.freeze((def.states ?? []).map((s) => Object.freeze({ id: s.id, version: s.version }))),
  });
}

/**
 * Who patches which function, newest first, over the installed patches (`klp_patches`): the owner
 * stacks policies reason about, kept up to date as patches come and go.
 */
export class OwnerIndex {
  readonly #owners = new Map<string, PatchInfo[]>();
  #version = 0;

  /** Changes with every `add` and `remove` (lets a gate context know the index is as it saw it). */
  get version(): number {
    return this.#version;
  }

  add(patch: PatchInfo): void {
    this.#version += 1;
    for (const obj of patch.objects) {
      for (const func of obj.funcs) {
        const key = funcKey(func);
        const stack = this.#owners.get(key);
        if (stack) stack.unshift(patch);
        else this.#owners.set(key, [patch]);
      }
    }
  }

  remove(patch: PatchInfo): void {
    this.#version += 1;
    for (const obj of patch.objects) {
      for (const func of obj.funcs) {
        const key = funcKey(func);
        const stack = this.#owners.get(key);
        if (!stack) continue;
        const at = stack.indexOf(patch);
        if (at >= 0) stack.splice(at, 1);
        if (stack.length === 0) this.#owners.delete(key);
      }
    }
  }

  /** The patches patching `func`, newest first. */
  owners(func: FuncRef | string): readonly PatchInfo[] {
    return this.#owners.get(typeof func === 'string' ? func : funcKey(func)) ?? [];
  }

  /** Every patched function key. */
  keys(): IterableIterator<string> {
    return this.#owners.keys();
  }

  get size(): number {
    return this.#owners.size;
  }
}

/**
 * The functions an atomic-replace patch would turn into nops (`klp_add_nops`): every function an
 * installed patch patches that the new patch does not (sympos 0 and 1 are the same function).
 */
export function nopsFor(patch: PatchInfo, installed: readonly PatchInfo[]): FuncRef[] {
  const own = new Set<string>();
  for (const obj of patch.objects) for (const f of obj.funcs) own.add(funcKey(f));
  const nops = new Map<string, FuncRef>();
  for (const old of installed) {
    for (const obj of old.objects) {
      for (const f of obj.funcs) {
        const key = funcKey(f);
        if (!own.has(key) && !nops.has(key)) nops.set(key, f);
      }
    }
  }
  return [...nops.values()];
}
