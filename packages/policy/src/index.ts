export { definePolicy, isPolicy, renderMessage } from './define.js';
export { mergeDefaults, validateOptions } from './options.js';
export { applyPolicies } from './policy-set.js';
export { policyHooks } from './policy-hooks.js';

export type { Policy, PolicyContext, PolicyDefinition, PolicyDocs, PolicyMeta } from './define.js';
export type { Severity } from './options.js';
export type { AppliedPolicy, ApplyOptions, PolicyEntry, PolicyTarget } from './policy-set.js';
export type { PolicyFinding, PolicyGate, PolicyHooks, PolicyReport } from './policy-hooks.js';
