export { ScenarioHarness } from './harness.js';
export { loadScenario, parseScenario } from './parse.js';
export { runScenario, scenarioMachine } from './run.js';
export { functionStacks, stackLine } from './stacks.js';
export { readState, restoreState, saveState } from './state.js';
export { ADVANCE_LIMITS, parseDuration, SCENARIO_STEPS } from './steps.js';
export { ScenarioSchema, StateSchema } from './schema.js';

export type { ExpectationResult } from './harness.js';
export type { Scenario } from './parse.js';
export type { RunScenarioOptions, ScenarioEvent, ScenarioResult } from './run.js';
export type { FunctionStack } from './stacks.js';
export type { SavedState } from './state.js';
export type { ScenarioMachine, ScenarioModule, ScenarioTask } from './schema.js';
