export { buildModules } from './build.js';
export { cString } from './c-literal.js';
export { ModuleBuildFailed, UnsupportedOnKernel } from './errors.js';
export { KERNEL_FUNCTIONS } from './kernel-functions.js';
export { defaultOutput, livepatchModule } from './livepatch.js';
export { probeFor } from './probe.js';
export { originalOutput, targetModule } from './target.js';

export type { BuildOptions } from './build.js';
export type { FunctionKind, KernelFunction } from './kernel-functions.js';
export type { FunctionProbe, GeneratedModule, TargetTask } from './module.js';
