/**
 * What a livepatch author writes (`struct klp_patch` and friends), and the read-only views of the
 * core's runtime structures that callbacks, machines and policies see.
 */
import type { Address, KlpModule, ModuleState, PatchState } from './host.js';

/** A replacement function (`struct klp_func`). */
export interface FuncDefinition {
  /** The function to patch, by name. */
  readonly oldName: string;
  /** The replacement: a symbol of the livepatch module itself. */
  readonly newFunc: string;
  /** 0 (default): the name must be unique in the object; N > 0: its N-th occurrence. */
  readonly oldSympos?: number;
}

/** The result of a `prePatch` callback: nothing or 0 for success, a negative errno to refuse. */
export type PrePatchResult = number | void;

/** Per-object callbacks (`struct klp_callbacks`). */
export interface ObjectCallbacks {
  readonly prePatch?: (ctx: CallbackContext) => PrePatchResult;
  readonly postPatch?: (ctx: CallbackContext) => void;
  readonly preUnpatch?: (ctx: CallbackContext) => void;
  readonly postUnpatch?: (ctx: CallbackContext) => void;
}

/** A patched object (`struct klp_object`): vmlinux or a target module. */
export interface ObjectDefinition {
  /** The target module's name; omitted or `null` for vmlinux. */
  readonly name?: string | null;
  /** The functions to patch; may be empty (an object that only carries callbacks). */
  readonly funcs: readonly FuncDefinition[];
  readonly callbacks?: ObjectCallbacks;
}

/** A system state the patch modifies (`struct klp_state`, v5.5+). */
export interface StateDefinition {
  /** Non-zero. */
  readonly id: number;
  readonly version: number;
  /** Author-owned data, reachable through `getState()` / `getPrevState()`. */
  readonly data?: unknown;
}

/**
 * Policy-facing metadata a patch may carry. The core never reads it; policies declare what they
 * expect in it (vendor, tags, version, ...).
 */
export type PatchMetadata = Readonly<Record<string, unknown>>;

/**
 * A livepatch (`struct klp_patch`). Its name is the name of the livepatch module that enables it.
 */
export interface PatchDefinition {
  readonly objects: readonly ObjectDefinition[];
  readonly states?: readonly StateDefinition[];
  /** Atomic replace: this cumulative patch replaces every patch installed before it. */
  readonly replace?: boolean;
  readonly metadata?: PatchMetadata;
}

/** A system state at run time; `data` belongs to the patch author. */
export interface KlpState {
  readonly id: number;
  readonly version: number;
  data: unknown;
}

/** Read-only view of a function of a patch. */
export interface FuncView {
  /** The patch it belongs to. */
  readonly patchName: string;
  readonly oldName: string;
  readonly oldSympos: number;
  /** Resolved address of the patched function, while its object is loaded. */
  readonly oldFunc: Address | null;
  /** The replacement's address; for a nop, the original function's. */
  readonly newFunc: Address | null;
  /** Added by atomic replace to fall back to the original code. */
  readonly nop: boolean;
  readonly patched: boolean;
  readonly transition: boolean;
}

/** Read-only view of an object of a patch. */
export interface ObjectView {
  /** `null` is vmlinux. */
  readonly name: string | null;
  readonly funcs: readonly FuncView[];
  /** The loaded target module, or `null` (always `null` for vmlinux). */
  readonly mod: KlpModule | null;
  /** Allocated by atomic replace to hold nops. */
  readonly dynamic: boolean;
  readonly patched: boolean;
  /** Whether the object is loaded: vmlinux always is. */
  readonly loaded: boolean;
}

/** Read-only view of an installed patch. */
export interface PatchView {
  /** The livepatch module's name: the patch's name everywhere. */
  readonly name: string;
  readonly mod: KlpModule;
  readonly replace: boolean;
  readonly enabled: boolean;
  /** Involved in a forced transition: its module can never be removed. */
  readonly forced: boolean;
  readonly objects: readonly ObjectView[];
  readonly states: readonly KlpState[];
  readonly metadata: PatchMetadata;
}

/** What a per-object callback receives. */
export interface CallbackContext {
  readonly patch: PatchView;
  readonly object: ObjectView;
  /** `vmlinux` or the module name, as the callbacks of the selftest modules print it. */
  readonly objectName: string;
  /** The target module's state, for module objects (`obj->mod->state`). */
  readonly moduleState: ModuleState | null;
}

/** A task's state with respect to the patch in transition. */
export interface TaskPatchState {
  readonly pid: number;
  readonly state: PatchState;
  readonly pending: boolean;
}
