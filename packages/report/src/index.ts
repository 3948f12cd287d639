export { caseReport, patchedFunctions, scenarioReport, stepText, traceItems } from './from-run.js';
export { renderReport, reportData } from './html.js';
export { REPORT_FORMAT } from './model.js';
export { buildTimeline, describeStack, formatTime } from './timeline.js';

export type { TraceContext } from './from-run.js';
export type { ReportOptions } from './html.js';
export type {
  CallbackItem,
  DecisionItem,
  ExpectItem,
  FindingItem,
  LogItem,
  ModuleItem,
  PendingTaskItem,
  Report,
  ReportScenario,
  RunSource,
  RunTrace,
  StackEntryItem,
  StacksItem,
  StepItem,
  TraceItem,
  TransitionItem,
} from './model.js';
export type { Mark, Segment, Span, Timeline } from './timeline.js';
