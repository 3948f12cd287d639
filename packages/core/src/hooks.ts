/**
 * The typed hooks around every lifecycle step, and what each receives.
 *
 * Policies tap these; tapable runs them underneath, but its types never leave this package: what
 * plugins see is `LifecycleHooks`. Gates may refuse an operation before anything changes; the
 * transition hook may ask to signal, force or reverse a stalled transition; the rest observe.
 */
import type { Decision, FindingData, GateName, Operation, Severity } from './decision.js';
import type { FuncRef, PatchInfo } from './info.js';
import type { PatchIndex } from './installed-index.js';
import type { NopList } from './nop-list.js';
import type { LogLevel } from './log.js';
import type { ShadowTable } from './shadow.js';
import type { KlpState } from './types.js';

/** How a tap is registered. A plain string is the tap's (plugin's) name. */
export interface TapOptions {
  /** The policy (plugin) name: findings and errors name it. */
  readonly name: string;
  readonly version?: string;
  /** `warn`: the tap's findings report but never deny. Default `error`. */
  readonly severity?: Severity;
  /** A throwing, rejecting or timed-out tap allows instead of denying. Default false (fail closed). */
  readonly failOpen?: boolean;
  /** A gate tap that has not settled after this long is a finding. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** `pre` taps run before the others, `post` taps after. */
  readonly order?: 'pre' | 'post';
}

/** What a gate tap reports. */
export interface FindingReport {
  readonly code: string;
  readonly message: string;
  readonly data?: FindingData;
  readonly hint?: string;
  /** Report as a warning even when the policy's severity is `error`. */
  readonly severity?: Severity;
}

export type Report = (finding: FindingReport) => void;

/** The state of the running transition, as gates and observers see it. */
export interface TransitionInfo {
  readonly patch: string;
  readonly target: 'patched' | 'unpatched';
}

/** What every gate receives. Read-only: patches are frozen snapshots. */
export interface GateContext {
  readonly gate: GateName;
  readonly operation: Operation;
  /** The installed patches (`klp_patches`: enabled or in transition), oldest first. */
  readonly installed: readonly PatchInfo[];
  readonly transition: TransitionInfo | null;
  /** Machine time, in ms since the Unix epoch. */
  readonly now: number;
  /** The running kernel's release (`uname -r`), e.g. `6.8.0-45-generic`. */
  readonly kernelRelease: string;
  /** The installed patches patching `func`, newest first (the function's owner stack). */
  owners(func: FuncRef | string): readonly PatchInfo[];
  /** Which installed patches carry system state `id`, and at which version, oldest first. */
  stateOwners(id: number): readonly { readonly patch: string; readonly version: number }[];
  /**
   * The installed patches by vendor, tag and name, and what a policy derives from each, kept by the
   * core as patches come and go: query it instead of scanning `installed` or keeping a cache.
   */
  readonly index: PatchIndex;
}

/** `prePatch`: a patch is about to be enabled (or an unpatching transition reversed). */
export interface PrePatchContext extends GateContext {
  readonly patch: PatchInfo;
}

/** `replace`: an atomic-replace patch is about to replace the installed patches. */
export interface ReplaceContext extends GateContext {
  readonly patch: PatchInfo;
  /** Every installed patch it would replace, oldest first. */
  readonly replaced: readonly PatchInfo[];
  /** The functions that would fall back to the original code (read it as `nop-list.ts` says). */
  readonly nops: NopList;
}

/** `preUnpatch`: a patch is about to be disabled (or its patching transition reversed). */
export interface PreUnpatchContext extends GateContext {
  readonly patch: PatchInfo;
}

/** `moduleComing`: a module is loading and installed patches are about to patch it. */
export interface ModuleComingContext extends GateContext {
  readonly module: string;
  /** The installed patches that have an object for it. */
  readonly patches: readonly PatchInfo[];
}

export type GateTap<C> = (ctx: C, report: Report) => void | Promise<void>;

export interface GateHook<C> {
  tap(options: string | TapOptions, fn: GateTap<C>): void;
}

/** A task a transition is waiting for. */
export interface PendingTask {
  readonly pid: number;
  readonly comm: string;
  readonly reason: 'running' | 'unreliable-stack' | 'sleeping';
  /** The function it sleeps in, for `sleeping`. */
  readonly blockedIn?: string;
}

export type TransitionEventKind = 'init' | 'start' | 'retry' | 'signal' | 'reverse' | 'force' | 'complete' | 'cancel';

export interface TransitionEvent {
  readonly kind: TransitionEventKind;
  readonly patch: PatchInfo;
  readonly target: 'patched' | 'unpatched';
  /**
   * Retries so far (`klp_signals_cnt`). On `retry`, the number of the attempt that just failed:
   * 0 for the first try as the transition starts, then one a second; the kernel's own fake signals
   * come with retry 15, and `signal` carries that same number.
   */
  readonly retries: number;
  /** For `retry`: the tasks that could not switch yet. */
  readonly pending: readonly PendingTask[];
  readonly now: number;
}

/** What a transition tap may ask for on a `retry`: the first tap that asks is obeyed. */
export type TransitionAction = 'signal' | 'force' | 'reverse';

export interface TransitionHook {
  tap(options: string | TapOptions, fn: (event: TransitionEvent) => TransitionAction | void): void;
}

export interface ObserverHook<E> {
  tap(options: string | TapOptions, fn: (event: E) => void): void;
}

/** A patch finished patching (enable, or a reversed disable). */
export interface PostPatchEvent {
  readonly patch: PatchInfo;
  /** Patches this atomic replace replaced (and freed). */
  readonly replaced: readonly PatchInfo[];
  readonly reversed: boolean;
  readonly now: number;
}

/** A patch finished unpatching (disable, a reversed enable, or a cancelled enable). */
export interface PostUnpatchEvent {
  readonly patch: PatchInfo;
  readonly reason: 'disable' | 'reverse' | 'cancel';
  readonly now: number;
}

export interface ModuleGoingEvent {
  readonly module: string;
  readonly patches: readonly PatchInfo[];
  readonly now: number;
}

/** A per-object callback of a patch, as it runs. */
export interface ObjectCallbackEvent {
  readonly patch: string;
  readonly object: string;
  readonly callback: 'prePatch' | 'postPatch' | 'preUnpatch' | 'postUnpatch';
  /** For `prePatch`: its return value. */
  readonly result?: number;
}

/** The patch-level callback points (where scoped callbacks run). */
export type CallbackStage = 'prePatch' | 'postPatch' | 'preUnpatch' | 'postUnpatch';

/** What the kernel offers code running at a callback point. */
export interface CallbackKernel {
  /** Print a kernel log line (as the patch module would). */
  printk(level: LogLevel, line: string): void;
  readonly shadow: ShadowTable;
  getState(patch: string, id: number): KlpState | null;
  getPrevState(id: number): KlpState | null;
}

/**
 * A callback point of a patch: `prePatch` runs before the patch's per-object pre-patch callbacks,
 * `preUnpatch` before its pre-unpatch callbacks, `postPatch`/`postUnpatch` after theirs.
 */
export interface CallbackPointEvent {
  readonly stage: CallbackStage;
  readonly patch: PatchInfo;
  /** For an atomic replace: the patches being replaced. */
  readonly replaced: readonly PatchInfo[];
  /** Why the patch is (un)patching: `cancel` is the unwinding of a failed enable. */
  readonly reason: 'enable' | 'disable' | 'reverse' | 'cancel';
  /** The other installed patches, oldest first. */
  readonly others: readonly PatchInfo[];
  readonly kernel: CallbackKernel;
}

export interface CallbackPointHook {
  /** A `prePatch` tap may return a negative errno to fail the enable (the cancel path follows). */
  tap(options: string | TapOptions, fn: (event: CallbackPointEvent) => number | void): void;
}

/** Every hook of the lifecycle. */
export interface LifecycleHooks {
  /** Gate: before a patch is enabled (before the compatibility check, callbacks and any log line). */
  readonly prePatch: GateHook<PrePatchContext>;
  /** Gate: an atomic-replace patch is about to replace the installed patches. */
  readonly replace: GateHook<ReplaceContext>;
  /** Gate: before a patch is disabled. */
  readonly preUnpatch: GateHook<PreUnpatchContext>;
  /** Gate: before a loading module is patched. */
  readonly moduleComing: GateHook<ModuleComingContext>;
  /** Every transition step; on `retry` a tap may ask to signal, force or reverse. */
  readonly transition: TransitionHook;
  readonly postPatch: ObserverHook<PostPatchEvent>;
  readonly postUnpatch: ObserverHook<PostUnpatchEvent>;
  readonly moduleGoing: ObserverHook<ModuleGoingEvent>;
  /** Each per-object callback of a patch, as it runs. */
  readonly objectCallback: ObserverHook<ObjectCallbackEvent>;
  /** The patch-level callback points. */
  readonly callbacks: CallbackPointHook;
  /** Every decision a gate made. */
  readonly decision: ObserverHook<Decision>;
}
