/**
 * A selftest case run with the lifecycle trace (`replay --report`): the same run as `runCase`, its
 * ops announced as steps and its log recorded, for a report to draw.
 */
import { runCase, type CaseResult, type SelftestCase } from '@patchwise/kselftest';
import type { Machine } from '@patchwise/sim';
import type { ScenarioEvent } from './run.js';
import { traceLifecycle } from './trace.js';

export interface TracedCase {
  readonly result: CaseResult;
  readonly events: readonly ScenarioEvent[];
  readonly machine: Machine;
}

export async function traceCase(c: SelftestCase): Promise<TracedCase> {
  const events: ScenarioEvent[] = [];
  let machine: Machine | undefined;
  let sync = () => {};
  // Each op announces itself as it starts (the harness runs them in order, as given).
  const ops = c.ops.map((op) => ({
    ...op,
    spec: {
      ...op.spec,
      run: (h: Parameters<typeof op.spec.run>[0], args: unknown) => {
        sync();
        events.push({ type: 'step', index: op.index, name: op.name, time: h.machine.clock.now, ...(op.line ? { line: op.line } : {}) });
        return op.spec.run(h, args);
      },
    },
  }));
  const result = await runCase(
    { ...c, ops },
    {
      setup: (m) => {
        machine = m;
        sync = traceLifecycle(m, (event) => events.push(event)).sync;
        m.log.subscribe((record) => events.push({ type: 'log', record }));
      },
    },
  );
  sync();
  const last = c.ops.at(-1)?.index ?? 0;
  const message = result.failure ? result.failure.message : result.passed ? 'the filtered log is exactly `expect`' : 'the filtered log differs from `expect` (see `replay --check`)';
  events.push({ type: 'expect', result: { step: result.failure?.op ?? last, passed: result.passed, message } });
  return { result: { ...result, case: c }, events, machine: machine as Machine };
}
