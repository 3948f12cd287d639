export { Livepatch } from './core.js';
export { Errno, errnoName, strerror } from './errno.js';
export { PatchState } from './host.js';
export { LOG_PREFIX, messages } from './log.js';
export { ShadowTable } from './shadow.js';
export { RETRY_DELAY_MS, SIGNALS_TIMEOUT } from './transition.js';
export { funcDirName, KSYM_NAME_LEN, MODULE_NAME_LEN } from './init.js';

export type { ErrnoName } from './errno.js';
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
export type { LogLevel, LogSink, MessageId } from './log.js';
export type { ShadowCtor, ShadowData, ShadowDtor } from './shadow.js';
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
