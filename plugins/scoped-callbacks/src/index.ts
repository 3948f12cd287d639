export { policy as default, policy, POLICY_NAME } from './policy.js';
export { defaultOptions, optionsSchema, permissiveOptions } from './options.js';
export { messages } from './messages.js';
export { blockingIds, carriedIds, droppedIds, scopedCallbacksOf } from './spec.js';

export type { MessageId } from './messages.js';
export type { ScopedCallbacksOptions } from './options.js';
export type {
  DroppedId,
  PatchScopedCallbacks,
  ScopedCallbackContext,
  ScopedCallbackFn,
  ScopedCallbacks,
  ScopedCallbacksById,
  ScopedId,
  ScopedPrePatchFn,
  ScopedProblem,
} from './spec.js';
