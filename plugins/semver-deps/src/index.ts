export { policy as default, policy } from './policy.js';
export { messages } from './messages.js';
export { defaults, OptionsSchema, permissive, permissive as permissiveOptions } from './options.js';
export { compareKernelReleases, compareUpstream, parseKernelRelease } from './kernel-release.js';
export { KernelRange, kernelRange, KernelRangeError } from './kernel-range.js';
export { parseCapability } from './deps.js';

export type { MessageId } from './messages.js';
export type { SemverDepsOptions } from './options.js';
export type { KernelRelease } from './kernel-release.js';
export type { KernelComparator, KernelOperator } from './kernel-range.js';
export type { Capability } from './deps.js';
