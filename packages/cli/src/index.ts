export { main } from './main.js';
export { ExitCode } from './exit-codes.js';
export { createOutput } from './output.js';

export type { MainOptions } from './main.js';
export type { Output, OutputOptions } from './output.js';
