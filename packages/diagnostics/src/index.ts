export { decodeUtf8, Diagnostic, formatPlace, isDiagnostic, readSourceFile } from './diagnostic.js';
export { readRegularFile, refuseSpecialFile, specialFileKind } from './special-file.js';
export { didYouMean, suggestion } from './suggest.js';
export { checkJson, formatPath, YamlSource } from './yaml-source.js';
export { checkSize, checkValue, YAML_LIMITS } from './limits.js';
export { describeIssue, issuePlace, narrowIssue, pickIssue } from './zod-issues.js';

export type { DiagnosticInit, SourcePlace } from './diagnostic.js';
export type { DocPath } from './yaml-source.js';
export type { IssuePlace } from './zod-issues.js';
