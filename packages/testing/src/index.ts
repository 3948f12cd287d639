export { PolicyTester } from './policy-tester.js';

export type { CaseOutcome, ExpectedFinding, InvalidCase, TesterCases, TesterOperation, ValidCase } from './policy-tester.js';
