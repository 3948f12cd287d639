/**
 * The core's runtime structures (`klp_patch`, `klp_object`, `klp_func`, `klp_ops`) and its global
 * state (`klp_patches`, `klp_transition_patch`, `klp_target_state`, ...).
 *
 * Only the core's files mutate these; everything outside sees them through the views of types.ts.
 */
import type { Address, KlpHost, KlpModule, PatchState } from './host.js';
import type { HookSystem } from './hook-system.js';
import type { OwnerIndex, PatchInfo } from './info.js';
import type { InstalledIndex } from './installed-index.js';
import type { ShadowTable } from './shadow.js';
import type {
  FuncView,
  KlpState,
  ObjectCallbacks,
  ObjectView,
  PatchDefinition,
  PatchMetadata,
  PatchView,
} from './types.js';

export interface KlpFunc extends FuncView {
  readonly object: KlpObject;
  /** The replacement's symbol in the livepatch module (`null` for a nop). */
  readonly newFuncName: string | null;
  oldFunc: Address | null;
  newFunc: Address | null;
  oldSize: number;
  newSize: number;
  patched: boolean;
  transition: boolean;
}

export interface KlpObject extends ObjectView {
  readonly patch: KlpPatch;
  readonly funcs: KlpFunc[];
  readonly callbacks: ObjectCallbacks;
  /** Set when `prePatch` succeeds: only then may `postUnpatch` run. */
  postUnpatchEnabled: boolean;
  mod: KlpModule | null;
  patched: boolean;
}

export interface KlpPatch extends PatchView {
  readonly objects: KlpObject[];
  readonly definition: PatchDefinition;
  /** The frozen snapshot policies see. */
  readonly info: PatchInfo;
  enabled: boolean;
  forced: boolean;
}

/** One per patched address: the stack of functions patching it, newest first. */
export interface KlpOps {
  readonly address: Address;
  readonly funcStack: KlpFunc[];
}

/** The core's global state, shared by its files as the kernel shares its globals. */
export interface KlpCore {
  readonly host: KlpHost;
  /** `klp_patches`: enabled patches and the patch in transition, oldest first. */
  readonly patches: KlpPatch[];
  transitionPatch: KlpPatch | null;
  targetState: PatchState;
  signalsCount: number;
  /** `klp_cond_resched_enable()`: tasks may switch at `cond_resched()`. */
  condReschedSwitching: boolean;
  readonly ops: Map<Address, KlpOps>;
  readonly shadow: ShadowTable;
  /** The retry work, bound once so the workqueue can tell it is already pending. */
  readonly transitionWork: () => void;
  readonly hooks: HookSystem;
  /** Who patches which function, over `patches`. */
  readonly owners: OwnerIndex;
  /** The installed patches by vendor, tag and name, and what policies derived from each. */
  readonly index: InstalledIndex;
  /** Why the patch in transition is moving: reported to observers and callback points. */
  transitionReason: 'enable' | 'disable' | 'reverse' | 'cancel';
  /** Machine time in ms since the Unix epoch. */
  now(): number;
  /** `WARN_ON_ONCE` sites that have fired. */
  readonly warned: Set<string>;
}

export const displayName = (obj: { name: string | null }): string => obj.name ?? 'vmlinux';

export function isObjectLoaded(obj: { name: string | null; mod: KlpModule | null }): boolean {
  return obj.name === null || obj.mod !== null;
}

export function newPatch(mod: KlpModule, definition: PatchDefinition, info: PatchInfo): KlpPatch {
  const metadata: PatchMetadata = definition.metadata ?? {};
  const patch: KlpPatch = {
    name: mod.name,
    mod,
    replace: definition.replace === true,
    enabled: false,
    forced: false,
    objects: [],
    states: (definition.states ?? []).map((s): KlpState => ({ id: s.id, version: s.version, data: s.data })),
    metadata,
    definition,
    info,
  };
  return patch;
}

export function newObject(
  patch: KlpPatch,
  name: string | null,
  callbacks: ObjectCallbacks,
  dynamic: boolean,
): KlpObject {
  const obj: KlpObject = {
    patch,
    name,
    funcs: [],
    callbacks,
    postUnpatchEnabled: false,
    mod: null,
    dynamic,
    patched: false,
    get loaded() {
      return isObjectLoaded(this);
    },
  };
  patch.objects.push(obj);
  return obj;
}

export function newFunc(
  object: KlpObject,
  oldName: string,
  newFuncName: string | null,
  oldSympos: number,
  nop: boolean,
): KlpFunc {
  const func: KlpFunc = {
    object,
    patchName: object.patch.name,
    oldName,
    newFuncName,
    oldSympos,
    oldFunc: null,
    newFunc: null,
    oldSize: 0,
    newSize: 0,
    nop,
    patched: false,
    transition: false,
  };
  object.funcs.push(func);
  return func;
}

export function* patchFuncs(patch: KlpPatch): Generator<KlpFunc> {
  for (const obj of patch.objects) yield* obj.funcs;
}
