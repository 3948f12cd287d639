/**
 * `patchwise/testing`: the PolicyTester, for a policy's tests under vitest, node:test, mocha or jest.
 */
export { PolicyTester } from '@patchwise/testing';

export type { CaseOutcome, ExpectedFinding, InvalidCase, TesterCases, TesterOperation, ValidCase } from '@patchwise/testing';
