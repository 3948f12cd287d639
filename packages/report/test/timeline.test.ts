import { describe, expect, it } from 'vitest';
import { buildTimeline, describeStack, formatTime, type TraceItem } from '@patchwise/report';

const F = 'vmlinux:cmdline_proc_show';
const P = (patch: string, transition = false, nop = false) => ({ patch, nop, transition });

// load a patch whose transition waits a second for one task, then a step two seconds later.
const trace: TraceItem[] = [
  { kind: 'step', time: 0, index: 0, name: 'load', text: 'load: fix' },
  { kind: 'log', time: 0, level: 'info', text: '% insmod test_modules/fix.ko' },
  { kind: 'decision', time: 0, id: 1, gate: 'prePatch', operation: 'enable', patch: 'fix', outcome: 'allowed', audit: false, policies: ['p 1.0.0'], findings: [] },
  { kind: 'transition', time: 0, phase: 'init', patch: 'fix', target: 'patched', retries: 0, tasks: 4, switched: 0, pending: [] },
  { kind: 'stacks', time: 0, stacks: [{ function: F, patches: [P('fix', true)] }] },
  { kind: 'transition', time: 0, phase: 'retry', patch: 'fix', target: 'patched', retries: 0, tasks: 4, switched: 3, pending: [{ pid: 9, comm: 'w', reason: 'sleeping', blockedIn: 'cmdline_proc_show' }] },
  { kind: 'transition', time: 1000, phase: 'force', patch: 'fix', target: 'patched', retries: 1, tasks: 4, switched: 4, pending: [] },
  { kind: 'transition', time: 1000, phase: 'complete', patch: 'fix', target: 'patched', retries: 1, tasks: 4, switched: 4, pending: [] },
  { kind: 'stacks', time: 1000, stacks: [{ function: F, patches: [P('fix')] }] },
  { kind: 'step', time: 3000, index: 1, name: 'expect', text: 'expect: {}' },
  { kind: 'expect', time: 3000, step: 1, passed: false, message: 'transition none' },
];

describe('buildTimeline', () => {
  const t = buildTimeline(trace, [F]);

  it('gives each mark-worthy item a slot; logs, stacks and expectations share the one before', () => {
    // step0, decision, init, retry | force, complete | step1
    expect(t.times).toEqual([0, 0, 0, 0, 1000, 1000, 3000]);
    expect(t.slotOf).toEqual([0, 0, 1, 2, 2, 3, 4, 5, 5, 6, 6]);
  });

  it('spaces one instant by a slot, and time between instants by more', () => {
    const gaps = t.positions.slice(1).map((p, i) => p - (t.positions[i] as number));
    expect(gaps.slice(0, 3)).toEqual([1, 1, 1]);
    expect(gaps[3]).toBeCloseTo(1 + Math.log2(11));
    expect(gaps[5]).toBeCloseTo(1 + Math.log2(21));
    expect(t.end).toBeCloseTo((t.positions[6] as number) + 1);
  });

  it('draws the lane as original, then the patch in transition, then the patch', () => {
    expect(t.segments.map((s) => [s.from, s.to, describeStack(s.stack)])).toEqual([
      [0, 2, 'original code'],
      [2, 5, 'fix (in transition)'],
      [5, 7, 'fix'],
    ]);
  });

  it('spans the transition from init to complete on the lanes it crosses, with every step', () => {
    expect(t.spans).toHaveLength(1);
    const [span] = t.spans;
    expect(span).toMatchObject({ patch: 'fix', from: 2, to: 6, functions: [F], finished: true });
    expect(span?.steps.map((s) => s.item.phase)).toEqual(['init', 'retry', 'force', 'complete']);
  });

  it('marks steps (with their expectations), decisions and the forcing, not the ordinary transition steps', () => {
    expect(t.marks.map((m) => `${m.kind}@${m.slot}`)).toEqual(['step@0', 'decision@1', 'transition@4', 'step@6']);
    const last = t.marks[3];
    expect(last?.kind === 'step' && last.expectations).toEqual([{ passed: false, message: 'transition none' }]);
  });

  it('leaves a transition still going at the end open', () => {
    const open = buildTimeline(trace.slice(0, 6), [F]);
    expect(open.spans[0]).toMatchObject({ from: 2, to: 4, finished: false });
  });
});

describe('a long stall', () => {
  const retry = (time: number, switched: number, pending: string[]) =>
    ({ kind: 'transition', time, phase: 'retry', patch: 'fix', target: 'patched', retries: time / 1000, tasks: 4, switched, pending: pending.map((comm, i) => ({ pid: 9 + i, comm, reason: 'sleeping', blockedIn: 'cmdline_proc_show' })) }) as const;
  const stalled: TraceItem[] = [
    { kind: 'transition', time: 0, phase: 'init', patch: 'fix', target: 'patched', retries: 0, tasks: 4, switched: 0, pending: [] },
    // Two tasks block, then one for twenty seconds.
    retry(0, 2, ['a', 'b']),
    ...Array.from({ length: 20 }, (_, i) => retry((i + 1) * 1000, 3, ['b'])),
    { kind: 'transition', time: 21000, phase: 'complete', patch: 'fix', target: 'patched', retries: 21, tasks: 4, switched: 4, pending: [] },
  ];
  const t = buildTimeline(stalled, [F]);

  it('takes one slot for retries that find the same, and one long gap for their time', () => {
    // init, the first retry, the first retry with one task left (the 19 like it share it), complete.
    expect(t.times).toEqual([0, 0, 1000, 21000]);
    expect(t.slotOf).toEqual([0, 1, ...Array(20).fill(2), 3]);
    expect((t.positions[3] as number) - (t.positions[2] as number)).toBeCloseTo(1 + 6);
  });

  it('still lists every retry in the transition', () => {
    expect(t.spans[0]?.steps).toHaveLength(23);
  });
});

describe('describeStack and formatTime', () => {
  it('say a stack and a time in words', () => {
    expect(describeStack([P('b', true), P('a', false, true)])).toBe('b (in transition) over nop of a (original code)');
    expect([0, 250, 1500, 21000].map(formatTime)).toEqual(['0 s', '250 ms', '1.5 s', '21 s']);
  });
});
