/**
 * What a report shows, as plain data: the page embeds exactly this (as JSON) and draws it in the
 * browser. Every time is machine time in milliseconds since boot, so two runs of one scenario (the
 * simulator and a real kernel, for `--compare`) line up step by step; a scenario holds a list of runs
 * for that reason, drawn side by side.
 */

/** Bumped when a field changes meaning; the page refuses data of another format. */
export const REPORT_FORMAT = 1;

export interface Report {
  readonly format: typeof REPORT_FORMAT;
  readonly title: string;
  /** What produced it, e.g. `patchwise 0.1.0`. */
  readonly generator: string;
  readonly scenarios: readonly ReportScenario[];
}

export interface ReportScenario {
  readonly name: string;
  /** Where it came from (the scenario or case file), as the user named it. */
  readonly file?: string;
  readonly description?: string;
  /** One run; two for a comparison (by convention the simulator first), shown side by side. */
  readonly runs: readonly RunTrace[];
}

/** Who produced a run: the simulator, or a real kernel (a later `--compare`). */
export type RunSource = 'sim' | 'kernel';

export interface RunTrace {
  /** Shown above the run, e.g. `simulator` or `kernel 6.8.0-45-generic (QEMU)`. */
  readonly label: string;
  readonly source: RunSource;
  /** `uname -r` of the machine the run used. */
  readonly release?: string;
  /** The policy set, e.g. `vendor-tags 1.0.0 (error)`; empty for the kernel alone. */
  readonly policies: readonly string[];
  /** Whether every expectation held (absent where a run checks nothing). */
  readonly passed?: boolean;
  /** Why the run stopped early. */
  readonly failure?: string;
  /** The patched functions, one lane each, in the order their lanes are drawn. */
  readonly functions: readonly string[];
  /** Everything that happened, in order. */
  readonly events: readonly TraceItem[];
}

export type TraceItem =
  | StepItem
  | ExpectItem
  | LogItem
  | DecisionItem
  | TransitionItem
  | CallbackItem
  | ModuleItem
  | StacksItem;

export interface StepItem {
  readonly kind: 'step';
  readonly time: number;
  /** 0-based. */
  readonly index: number;
  readonly name: string;
  /** The step as written, e.g. `load: acme_fix`. */
  readonly text: string;
  readonly line?: number;
}

export interface ExpectItem {
  readonly kind: 'expect';
  readonly time: number;
  readonly step: number;
  readonly passed: boolean;
  readonly message: string;
  readonly line?: number;
}

export interface LogItem {
  readonly kind: 'log';
  readonly time: number;
  readonly level: string;
  readonly text: string;
}

export interface FindingItem {
  readonly policy: string;
  readonly code: string;
  readonly message: string;
  readonly severity: 'error' | 'warn';
  readonly hint?: string;
  /** Audit mode: this would have denied. */
  readonly audited?: boolean;
}

export interface DecisionItem {
  readonly kind: 'decision';
  readonly time: number;
  readonly id: number;
  readonly gate: string;
  readonly operation: string;
  readonly patch: string | null;
  readonly module?: string;
  /** `warned`: allowed, with warnings (or audited errors). */
  readonly outcome: 'allowed' | 'denied' | 'warned';
  readonly audit: boolean;
  /** The policies that took part, `name version`. */
  readonly policies: readonly string[];
  readonly findings: readonly FindingItem[];
  readonly replaced?: readonly string[];
}

export interface PendingTaskItem {
  readonly pid: number;
  readonly comm: string;
  readonly reason: string;
  /** The function it sleeps in. */
  readonly blockedIn?: string;
}

export interface TransitionItem {
  readonly kind: 'transition';
  readonly time: number;
  /** `init`, `start`, `retry`, `signal`, `reverse`, `force`, `complete`, `cancel`. */
  readonly phase: string;
  readonly patch: string;
  readonly target: 'patched' | 'unpatched';
  readonly retries: number;
  readonly tasks: number;
  readonly switched: number;
  readonly pending: readonly PendingTaskItem[];
}

export interface CallbackItem {
  readonly kind: 'callback';
  readonly time: number;
  readonly patch: string;
  readonly stage: string;
  readonly object?: string;
  readonly result?: number;
}

export interface ModuleItem {
  readonly kind: 'module';
  readonly time: number;
  readonly module: string;
  readonly action: 'load' | 'remove';
}

export interface StackEntryItem {
  readonly patch: string;
  readonly nop: boolean;
  readonly transition: boolean;
}

/** Every patched function's stack from now on, newest first; a function absent runs its original. */
export interface StacksItem {
  readonly kind: 'stacks';
  readonly time: number;
  readonly stacks: readonly { readonly function: string; readonly patches: readonly StackEntryItem[] }[];
}
