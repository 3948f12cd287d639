export { PolicyTester } from './policy-tester.js';

export type { CaseOutcome, ExpectedFinding, InvalidCase, TesterCases, TesterOperation, ValidCase } from './policy-tester.js';
export { checkAgainstReference, findingKey } from './model-check.js';
export type { ModelGate, ModelRunStats, ModelState, ModelStep, Reference } from './model-check.js';
