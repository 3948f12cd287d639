export { main } from './main.js';
export { ExitCode } from './exit-codes.js';
export { createOutput } from './output.js';

export type { MainOptions } from './main.js';
export type { Output, OutputOptions } from './output.js';
export { gateDisable, gateLoad, gateUnload } from './commands/gate-run.js';
export { gateStatus, statusRecord } from './commands/gate-status.js';
export { systemState } from './commands/system-state.js';

export type { GateEnv, GateOptions } from './commands/gate-run.js';
export type { StatusRecord } from './commands/gate-status.js';
export type { SystemState } from './commands/system-state.js';
