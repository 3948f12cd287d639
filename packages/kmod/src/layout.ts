/**
 * Where the fields of the livepatch structures are, and how far apart array entries are.
 *
 * The "external" fields a module initialises come first in each struct and have not moved since
 * klp_state arrived (5.7); 6.1 and 6.12 agree (include/linux/livepatch.h of both):
 *   klp_patch:  mod @0, objs @8, states @16, replace @24 (bool)
 *   klp_object: name @0, funcs @8, callbacks {pre_patch @16, post_patch @24, pre_unpatch @32, post_unpatch @40}
 *   klp_func:   old_name @0, new_func @8, old_sympos @16 (unsigned long)
 *   klp_state:  id @0 (unsigned long), version @8 (unsigned int), data @16; 24 bytes
 * The SIZE of klp_object and klp_func (the array stride) is not stable: it includes kernel-internal
 * members (a kobject, list heads, flags) whose size depends on the release and the config (e.g.
 * CONFIG_DEBUG_KOBJECT_RELEASE adds a delayed_work to every kobject). The stride is therefore
 * derived from the module itself: the symbol table gives each static array's size, and the
 * relocations inside it show how many entries it has (each klp_func has exactly one string pointer,
 * old_name; each klp_object exactly one data pointer, funcs). size / (entries + terminator) is the
 * stride, accepted only when every such relocation then falls on its field. A table of sizes
 * measured on Debian's builds (keyed by the vermagic release) is the fallback when the symbol table
 * does not size the array, and is checked the same way.
 */
export const PATCH = { mod: 0, objs: 8, states: 16, replace: 24 } as const;
export const OBJECT = { name: 0, funcs: 8, prePatch: 16, postPatch: 24, preUnpatch: 32, postUnpatch: 40, minSize: 48 } as const;
export const FUNC = { oldName: 0, newFunc: 8, oldSympos: 16, minSize: 24 } as const;
export const STATE = { id: 0, version: 8, size: 24 } as const;

/** Strides measured on Debian 12's kernels (linux-headers 6.1.0-* and the 6.12 backport): both 152/168. */
const MEASURED: Readonly<Record<string, { readonly func: number; readonly object: number }>> = {
  '6.1': { func: 152, object: 168 },
  '6.12': { func: 152, object: 168 },
};

/** The measured strides for a release (`6.1.0-57-amd64` → the 6.1 entry), if any. */
export function measuredStrides(release: string | null): { readonly func: number; readonly object: number } | undefined {
  const m = release === null ? null : /^(\d+)\.(\d+)/.exec(release);
  return m ? MEASURED[`${m[1]}.${m[2]}`] : undefined;
}

/** How a stride was found, for `inspect` and for the README's claim to be checkable (`table`: klp-build's fixed records). */
export type StrideSource = 'symbol' | 'measured' | 'table';
