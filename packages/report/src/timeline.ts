/**
 * The shape of a run on its time axis, derived from the trace alone (the page draws it; tests check
 * it without a browser).
 *
 * Much happens at one instant of machine time (a load, its decision, its transition and stack change
 * all at t = 0) and nothing for seconds after; a linear axis would pile the first up and waste room
 * on the second. So each thing worth a mark gets a slot: slots of one instant sit a fixed step apart,
 * and time between instants adds room growing with the log of its length. The axis stays monotonic
 * in time and every tick says the real time.
 */
import type { CallbackItem, DecisionItem, ModuleItem, StackEntryItem, StepItem, TraceItem, TransitionItem } from './model.js';

/** Room between two marks of one instant, in axis units (the page turns units into pixels). */
export const SLOT = 1;

/** Extra room for `ms` of machine time between two instants: one slot per doubling of 100 ms, at most 6. */
export function gapFor(ms: number): number {
  return ms <= 0 ? 0 : Math.min(6, Math.log2(1 + ms / 100));
}

export type Mark =
  | { readonly kind: 'step'; readonly item: StepItem; readonly slot: number; readonly expectations: { passed: boolean; message: string }[] }
  | { readonly kind: 'decision'; readonly item: DecisionItem; readonly slot: number }
  | { readonly kind: 'callback'; readonly item: CallbackItem; readonly slot: number }
  | { readonly kind: 'module'; readonly item: ModuleItem; readonly slot: number }
  | { readonly kind: 'transition'; readonly item: TransitionItem; readonly slot: number };

/** One stretch of a lane: what the function's stack was between two slots. */
export interface Segment {
  readonly function: string;
  readonly from: number;
  readonly to: number;
  /** Newest first; empty: the original code runs. */
  readonly stack: readonly StackEntryItem[];
}

/** A transition from `init` to `complete`, with each step's progress. */
export interface Span {
  readonly patch: string;
  readonly from: number;
  readonly to: number;
  /** The functions whose lanes it crosses. */
  readonly functions: readonly string[];
  readonly steps: readonly { readonly slot: number; readonly item: TransitionItem }[];
  /** False when the run ended with the transition still going. */
  readonly finished: boolean;
}

export interface Timeline {
  /** Axis position of each slot (monotonic). */
  readonly positions: readonly number[];
  /** Machine time of each slot. */
  readonly times: readonly number[];
  /** The slot each trace item belongs to (log lines and expectations share the slot before them). */
  readonly slotOf: readonly number[];
  readonly marks: readonly Mark[];
  readonly segments: readonly Segment[];
  readonly spans: readonly Span[];
  /** Axis position one slot past the last. */
  readonly end: number;
}

/** Trace items that get a slot of their own (transition init/start/retry/complete draw as spans). */
function ownsSlot(item: TraceItem): boolean {
  return item.kind === 'transition' || item.kind === 'step' || item.kind === 'decision' || item.kind === 'callback' || item.kind === 'module';
}

/** What a retry found, to tell a retry that changed nothing from one that did. */
const progressKey = (t: TransitionItem) => `${t.patch} ${t.target} ${t.switched}/${t.tasks} ${t.pending.map((p) => `${p.pid}:${p.reason}:${p.blockedIn ?? ''}`).join(',')}`;

/** Transition phases that are marks in their own right (the rest belong to the span). */
export const MARKED_PHASES: ReadonlySet<string> = new Set(['signal', 'force', 'reverse', 'cancel']);

export function buildTimeline(events: readonly TraceItem[], functions: readonly string[]): Timeline {
  const positions: number[] = [];
  const times: number[] = [];
  const slotOf: number[] = [];
  const marks: Mark[] = [];
  const newSlot = (time: number) => {
    const last = times.length - 1;
    positions.push(last < 0 ? 0 : (positions[last] as number) + SLOT + gapFor(time - (times[last] as number)));
    times.push(time);
    return times.length - 1;
  };
  let current = -1;
  let step: Extract<Mark, { kind: 'step' }> | undefined;
  let lastRetry = '';
  for (const item of events) {
    // A stalled transition retries once a second for as long as it stalls: a retry that finds
    // exactly what the previous one found stays in its slot (its details still list every retry),
    // so ten minutes of retrying take the room of one long gap, not six hundred slots.
    const repeat = item.kind === 'transition' && item.phase === 'retry' && progressKey(item) === lastRetry;
    if (item.kind === 'transition') lastRetry = item.phase === 'retry' ? progressKey(item) : '';
    if (repeat) {
      slotOf.push(current);
      continue;
    }
    if (ownsSlot(item) || current < 0 || item.time !== times[current]) current = newSlot(item.time);
    slotOf.push(current);
    if (item.kind === 'step') marks.push((step = { kind: 'step', item, slot: current, expectations: [] }));
    else if (item.kind === 'expect') step?.expectations.push({ passed: item.passed, message: item.message });
    else if (item.kind === 'decision' || item.kind === 'callback' || item.kind === 'module') marks.push({ kind: item.kind, item, slot: current } as Mark);
    else if (item.kind === 'transition' && MARKED_PHASES.has(item.phase)) marks.push({ kind: 'transition', item, slot: current });
  }
  const last = times.length - 1;
  const endSlot = times.length;
  const end = last < 0 ? SLOT : (positions[last] as number) + SLOT;
  return { positions, times, slotOf, marks, segments: segments(events, slotOf, functions, endSlot), spans: spans(events, slotOf, endSlot), end };
}

function segments(events: readonly TraceItem[], slotOf: readonly number[], functions: readonly string[], endSlot: number): Segment[] {
  const out: Segment[] = [];
  const open = new Map<string, { from: number; stack: readonly StackEntryItem[] }>(functions.map((f) => [f, { from: 0, stack: [] }]));
  const close = (fn: string, at: number, next: readonly StackEntryItem[]) => {
    const prev = open.get(fn);
    if (prev && JSON.stringify(prev.stack) === JSON.stringify(next)) return;
    if (prev && at > prev.from) out.push({ function: fn, from: prev.from, to: at, stack: prev.stack });
    open.set(fn, { from: at, stack: next });
  };
  events.forEach((item, i) => {
    if (item.kind !== 'stacks') return;
    const now = new Map(item.stacks.map((s) => [s.function, s.patches]));
    for (const fn of functions) close(fn, slotOf[i] as number, now.get(fn) ?? []);
  });
  for (const [fn, prev] of open) if (endSlot > prev.from) out.push({ function: fn, from: prev.from, to: endSlot, stack: prev.stack });
  return out.sort((a, b) => functions.indexOf(a.function) - functions.indexOf(b.function) || a.from - b.from);
}

function spans(events: readonly TraceItem[], slotOf: readonly number[], endSlot: number): Span[] {
  const out: Span[] = [];
  let open: { patch: string; from: number; steps: { slot: number; item: TransitionItem }[]; functions: Set<string> } | undefined;
  let lastStacks = new Map<string, readonly StackEntryItem[]>();
  const touch = (patch: string, stacks: Map<string, readonly StackEntryItem[]>) => {
    for (const [fn, entries] of stacks) if (entries.some((e) => e.patch === patch)) open?.functions.add(fn);
  };
  events.forEach((item, i) => {
    const slot = slotOf[i] as number;
    if (item.kind === 'stacks') {
      lastStacks = new Map(item.stacks.map((s) => [s.function, s.patches]));
      if (open) touch(open.patch, lastStacks);
      return;
    }
    if (item.kind !== 'transition') return;
    if (!open || open.patch !== item.patch) {
      open = { patch: item.patch, from: slot, steps: [], functions: new Set() };
      // A disable starts from the stacks as they were: the patch is on them already.
      touch(item.patch, lastStacks);
    }
    open.steps.push({ slot, item });
    if (item.phase === 'complete') {
      out.push({ patch: open.patch, from: open.from, to: slot + 1, functions: [...open.functions], steps: open.steps, finished: true });
      open = undefined;
    }
  });
  if (open) out.push({ patch: open.patch, from: open.from, to: endSlot, functions: [...open.functions], steps: open.steps, finished: false });
  return out;
}

/** What a stack means for the function, in words: `beta_fix (in transition) over acme_fix`. */
export function describeStack(stack: readonly StackEntryItem[]): string {
  if (stack.length === 0) return 'original code';
  return stack.map((e) => `${e.nop ? `nop of ${e.patch} (original code)` : e.patch}${e.transition ? ' (in transition)' : ''}`).join(' over ');
}

/** The short label a lane shows for a stack: the patch on top. */
export function stackLabel(stack: readonly StackEntryItem[]): string {
  const top = stack[0];
  if (!top) return 'original';
  return `${top.nop ? `nop (${top.patch})` : top.patch}${top.transition ? ' *' : ''}`;
}

/** `1.5 s`, `250 ms`, `0 s`. */
export function formatTime(ms: number): string {
  if (ms === 0) return '0 s';
  if (ms < 1000) return `${ms} ms`;
  return `${+(ms / 1000).toFixed(3)} s`;
}
