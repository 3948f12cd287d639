export { SysfsError } from './errors.js';
export { LIVEPATCH_DIR, readLivepatch } from './livepatch.js';
export { readModules } from './modules.js';
export { isModuleName, parseFuncDir } from './names.js';
export { ATTR_LIMIT, DIR_LIMIT, SafeTree, TABLE_LIMIT } from './safe-fs.js';
export { readSystem } from './system.js';

export type { SysfsErrorCode } from './errors.js';
export type { SysfsFunction, SysfsObject, SysfsPatch } from './livepatch.js';
export type { LoadedModule } from './modules.js';
export type { ReadLimits } from './safe-fs.js';
export type { SystemSnapshot } from './system.js';
export { commandLoader, errnoOfToolOutput, realMachine } from './machine.js';
export type { KernelResult, ModuleLoader, PatchAttribute, RealMachine, TaskPatchState } from './machine.js';
