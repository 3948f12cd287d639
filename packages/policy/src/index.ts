export { definePolicy, isPolicy, renderMessage } from './define.js';
export { formatDuration, MAX_DURATION_MS, parseDuration } from './duration.js';
export { mergeDefaults, validateOptions } from './options.js';
export { applyPolicies } from './policy-set.js';
// The longest timeout a timer can wait; config and CLI refuse longer ones as bad input.
export { MAX_TIMEOUT_MS } from '@patchwise/core';
export { policyHooks } from './policy-hooks.js';

export type { Policy, PolicyContext, PolicyDefinition, PolicyDocs, PolicyMeta } from './define.js';
export type { Severity } from './options.js';
export type { AppliedPolicy, ApplyOptions, PolicyEntry, PolicyTarget } from './policy-set.js';
export type { PolicyFinding, PolicyGate, PolicyHooks, PolicyReport } from './policy-hooks.js';

// The contexts and events policies receive, so a plugin needs only this package.
export type {
  CallbackKernel,
  CallbackPointEvent,
  Decision,
  Finding,
  FindingData,
  FuncRef,
  GateContext,
  ModuleComingContext,
  ModuleGoingEvent,
  NopList,
  ObjectCallbackEvent,
  PatchIndex,
  PatchInfo,
  PendingTask,
  PostPatchEvent,
  PostUnpatchEvent,
  PrePatchContext,
  PreUnpatchContext,
  ReplaceContext,
  TransitionAction,
  TransitionEvent,
} from '@patchwise/core';
