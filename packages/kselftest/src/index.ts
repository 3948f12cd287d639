export { CASES_DIR, caseFiles, EXTRA_CASES_DIR, loadCase, OWN_CASES_DIR, SELFTEST_MODULE_NAMES } from './bundled.js';
export { parseCase, parseOps } from './case.js';
export { Harness, HarnessFailure, MAX_RETRIES, RETRY_INTERVAL_MS, runCase } from './harness.js';
export { defineOp, fail, findOp, insmodStrerror, isRecord, onlyKeys, OP_NAMES, OpValueError, OPS, str } from './ops.js';
export { diffResult, summaryLine } from './report.js';
export { notApplicableOn } from './release.js';
export { cleanGuest, logSince, runCaseOnGuest, VM_LIBRARY, VM_MODULE_DIR, VM_PROGRAM_DIR, vmCaseScript, vmOpLine } from './vm.js';

export type { CaseOp, ParseOptions, SelftestCase } from './case.js';
export type { CaseResult, RunOptions } from './harness.js';
export type { ModuleArg, OpSpec } from './ops.js';
export type { NotApplicable, ShellGuest } from './vm.js';
