export { Livepatch } from './core.js';
export type { CheckRequest } from './check.js';
export { decisionLogLines, decisionRecord } from './decision.js';
export { Errno, errnoName, strerror } from './errno.js';
export { DEFAULT_GATE_TIMEOUT_MS, HooksSealedError, MAX_TIMEOUT_MS } from './hook-system.js';
export { PatchState } from './host.js';
export { funcKey, nopsFor, OwnerIndex, patchInfo } from './info.js';
export { nameKey } from './installed-index.js';
export { funcDirName, KSYM_NAME_LEN, MODULE_NAME_LEN } from './init.js';
export { LOG_PREFIX, messages } from './log.js';
export { ShadowTable } from './shadow.js';
export { RETRY_DELAY_MS, SIGNALS_TIMEOUT } from './transition.js';

export type {
  Decision,
  DecisionRecord,
  Finding,
  FindingData,
  GateName,
  Operation,
  PolicyRef,
  Severity,
} from './decision.js';
export type { ErrnoName } from './errno.js';
export type {
  CallbackKernel,
  CallbackPointEvent,
  CallbackPointHook,
  CallbackStage,
  FindingReport,
  GateContext,
  GateHook,
  GateTap,
  LifecycleHooks,
  ModuleComingContext,
  ModuleGoingEvent,
  ObjectCallbackEvent,
  ObserverHook,
  PendingTask,
  PostPatchEvent,
  PostUnpatchEvent,
  PrePatchContext,
  PreUnpatchContext,
  ReplaceContext,
  Report,
  TapOptions,
  TransitionAction,
  TransitionEvent,
  TransitionEventKind,
  TransitionHook,
  TransitionInfo,
} from './hooks.js';
export type {
  Address,
  FtraceHost,
  KlpHost,
  KlpModule,
  KlpTask,
  ModuleRegistry,
  ModuleState,
  SchedulerHost,
  SymbolTable,
  WorkQueue,
} from './host.js';
export type { FuncRef, ObjectInfo, PatchInfo } from './info.js';
export type { PatchIndex } from './installed-index.js';
export type { NopList } from './nop-list.js';
export type { LogLevel, LogSink, MessageId } from './log.js';
export type { ShadowCtor, ShadowData, ShadowDtor, ShadowKey } from './shadow.js';
export type {
  CallbackContext,
  FuncDefinition,
  FuncView,
  KlpState,
  ObjectCallbacks,
  ObjectDefinition,
  ObjectView,
  PatchDefinition,
  PatchMetadata,
  PatchView,
  PrePatchResult,
  StateDefinition,
  TaskPatchState,
} from './types.js';
