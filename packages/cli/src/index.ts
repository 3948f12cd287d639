export { main } from './main.js';
export { ExitCode } from './exit-codes.js';
export { createOutput } from './output.js';

export type { MainOptions } from './main.js';
export type { Output, OutputOptions } from './output.js';
export { gateDisable, gateLoad, gateUnload } from './commands/gate-run.js';
export { gateStatus, statusRecord } from './commands/gate-status.js';
export { systemState } from './commands/system-state.js';
export { transitionPolicies, watchTransition } from './commands/gate-watch.js';

export type { GateEnv, GateOptions } from './commands/gate-run.js';
export type { StatusRecord } from './commands/gate-status.js';
export type { SystemState } from './commands/system-state.js';
export type { WatchedMachine, WatchOptions, WatchOutcome, WatchProgress } from './commands/gate-watch.js';
export { compareRuns, differenceKey, DIFFERENCE_KINDS, lineDiff } from './vm-run/compare.js';
export { compareLog, stateLines } from './vm-run/observation.js';
export { planScenario } from './vm-run/plan.js';
export { ownerFromProbe } from './vm-run/probes.js';
export { parseTasks } from './vm-run/guest-machine.js';
export { checkKernelState } from './vm-run/vm-expect.js';
export { simulate } from './vm-run/sim-side.js';
export { hostDecisions } from './vm-run/host-decisions.js';
export { documentedDifferences, unexplained } from './vm-run/readme-differences.js';

export type { Difference, DifferenceKind } from './vm-run/compare.js';
export type { DecisionSummary, StepObservation } from './vm-run/observation.js';
export type { ScenarioPlan } from './vm-run/plan.js';
export type { KernelView } from './vm-run/vm-expect.js';
export type { SimRun } from './vm-run/sim-side.js';
export type { HostOperation } from './vm-run/host-decisions.js';
export type { DocumentedDifference } from './vm-run/readme-differences.js';
