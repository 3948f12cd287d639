/**
 * Scenario steps beyond the selftest ops: steps that tolerate refusal (and record the result),
 * time, force and reverse, tasks, and expectations.
 */
import { strerror } from '@patchwise/core';
import { defineOp, fail, insmodStrerror, isRecord, onlyKeys, OPS, str, type OpSpec } from '@patchwise/kselftest';
import { parseFunctionRef } from '@patchwise/manifest';
import { parseDuration as parseWallDuration } from '@patchwise/policy';
import { LIVEPATCH_SYSFS } from '@patchwise/sim';
import * as z from 'zod';
import { expect } from './expect.js';
import type { ScenarioHarness } from './harness.js';

interface NameArg {
  readonly name: string;
  readonly params?: string;
  readonly wait: boolean;
}

function nameArg(raw: unknown): NameArg {
  if (typeof raw === 'string' && raw) return { name: raw, wait: true };
  if (!isRecord(raw)) return fail('expected a name or `{name, params?, wait?}`');
  onlyKeys(raw, ['name', 'params', 'wait'], ['name']);
  return {
    name: str(raw.name, 'name'),
    ...(raw.params === undefined ? {} : { params: String(raw.params) }),
    wait: raw.wait !== false,
  };
}

const transitionDone = (h: ScenarioHarness, name: string) =>
  h.readOrUndefined(`${LIVEPATCH_SYSFS}/${name}/transition`) !== '1';

const load = defineOp<NameArg, ScenarioHarness>({
  name: 'load',
  value: 'NAME | {name, params?, wait?: false}',
  logs: '`% insmod test_modules/NAME.ko`, and insmod\'s error line when refused',
  summary: 'insmod a patch or module; a refusal is recorded (see `expect: {result}`), not fatal; waits for a transition to finish unless `wait: false`',
  modules: (a) => [a.name],
  parse: nameArg,
  run: async (h, a) => {
    const params = a.params ? h.substitute(a.params) : '';
    h.log(`% insmod test_modules/${a.name}.ko${params ? ` ${params}` : ''}`);
    const at = h.machine.now;
    h.lastResult = await h.machine.insmod(a.name, params);
    if (!h.lastResult && !h.loadedAt.has(a.name)) h.loadedAt.set(a.name, at);
    if (h.lastResult) {
      h.log(`insmod: ERROR: could not insert module test_modules/${a.name}.ko: ${insmodStrerror(h.lastResult)}`);
    } else if (a.wait && h.machine.fs.exists(`${LIVEPATCH_SYSFS}/${a.name}`)) {
      h.waitFor(() => transitionDone(h, a.name), `the transition of ${a.name} did not complete (use \`wait: false\` to go on)`);
    }
  },
});

const disable = defineOp<NameArg, ScenarioHarness>({
  name: 'disable',
  value: 'NAME | {name, wait?: false}',
  logs: '`% echo 0 > /sys/kernel/livepatch/NAME/enabled`, and the shell\'s error when refused',
  summary: 'disable a patch; a refusal is recorded, not fatal; waits until the patch is gone unless `wait: false`',
  modules: (a) => [a.name],
  parse: nameArg,
  run: async (h, a) => {
    const path = `${LIVEPATCH_SYSFS}/${a.name}`;
    if (!(await h.echo(`${path}/enabled`, '0')) && a.wait) h.waitFor(() => !h.machine.fs.exists(path), `${a.name} was not disabled (use \`wait: false\` to go on)`);
  },
});

const unload = defineOp<NameArg, ScenarioHarness>({
  name: 'unload',
  value: 'NAME',
  logs: '`% rmmod NAME`, and rmmod\'s error when it fails',
  summary: 'rmmod a module; a failure (in use) is recorded, not fatal',
  modules: (a) => [a.name],
  parse: nameArg,
  run: async (h, a) => {
    h.log(`% rmmod ${a.name}`);
    h.lastResult = await h.machine.rmmod(a.name);
    if (h.lastResult === -16) h.log(`rmmod: ERROR: Module ${a.name} is in use`);
    else if (h.lastResult) h.log(`rmmod: ERROR: could not remove module ${a.name}: ${strerror(h.lastResult)}`);
  },
});

/** `1500`, `'1.5s'`, `'200ms'`, or a duration as operators write it: `90m`, `24h`, `7d`, `1d12h`. */
export function parseDuration(raw: unknown): number {
  if (typeof raw === 'number' && raw >= 0 && Number.isFinite(raw)) return raw;
  const m = typeof raw === 'string' ? /^(\d+(?:\.\d+)?)\s*(ms|s)?$/.exec(raw.trim()) : null;
  if (m) return Math.round(Number(m[1]) * (m[2] === 's' ? 1000 : 1));
  const long = typeof raw === 'string' ? parseWallDuration(raw.trim()) : undefined;
  if (long === undefined) return fail('expected a duration: milliseconds, or a string like `2s`, `500ms`, `90m`, `24h` or `7d`');
  return long;
}

/**
 * Machine time costs real time (every 10 ms tick runs every task): an `advance` step, and all of a
 * scenario's together, are bounded. The selftests' longest wait is 60 s.
 */
export const ADVANCE_LIMITS = {
  /** One `advance` step: 10 minutes of machine time. */
  stepMs: 10 * 60 * 1000,
  /** All the `advance` steps of a scenario: 1 hour. */
  totalMs: 60 * 60 * 1000,
};

const advance = defineOp<number, ScenarioHarness>({
  name: 'advance',
  value: 'MS | "2s" | "500ms"',
  logs: '—',
  summary: `let machine time pass: tasks run, transitions retry (about once a second); at most ${ADVANCE_LIMITS.stepMs / 60_000} minutes a step, ${ADVANCE_LIMITS.totalMs / 3_600_000} hour in all`,
  parse: (raw) => {
    const ms = parseDuration(raw);
    if (ms > ADVANCE_LIMITS.stepMs) fail(`at most ${ADVANCE_LIMITS.stepMs} ms (10 minutes) of machine time a step; split longer waits`);
    return ms;
  },
  run: (h, ms) => h.machine.advance(ms),
});

const force = defineOp<string, ScenarioHarness>({
  name: 'force',
  value: 'NAME',
  logs: '`% echo 1 > /sys/kernel/livepatch/NAME/force`',
  summary: 'force the transition of NAME (it completes at the next retry; the forced module can never be removed)',
  modules: (n) => [n],
  parse: (raw) => str(raw, 'force'),
  run: async (h, name) => void (await h.echo(`${LIVEPATCH_SYSFS}/${name}/force`, '1')),
});

const reverse = defineOp<string, ScenarioHarness>({
  name: 'reverse',
  value: 'NAME',
  logs: '`% echo 0|1 > /sys/kernel/livepatch/NAME/enabled`',
  summary: 'reverse the transition of NAME (writes the opposite of its `enabled`)',
  modules: (n) => [n],
  parse: (raw) => str(raw, 'reverse'),
  run: async (h, name) => {
    const path = `${LIVEPATCH_SYSFS}/${name}/enabled`;
    await h.echo(path, h.readOrUndefined(path) === '1' ? '0' : '1');
  },
});

const wake = defineOp<string, ScenarioHarness>({
  name: 'wake',
  value: 'TASK',
  logs: '—',
  summary: 'the task leaves the function it sleeps in (its stack empties: it can switch at the next retry)',
  parse: (raw) => str(raw, 'wake'),
  run: (h, name) => {
    h.task(name).stack = [];
  },
});

const sleep = defineOp<{ task: string; in: string }, ScenarioHarness>({
  name: 'sleep',
  value: '{task, in: FUNCTION}',
  logs: '—',
  summary: "the task goes to sleep inside FUNCTION (`name` in vmlinux or `module:name`), in the implementation it runs there: a patched function's replacement, as its patch state selects",
  parse: (raw) => {
    if (!isRecord(raw)) return fail('expected `{task, in}`');
    onlyKeys(raw, ['task', 'in'], ['task', 'in']);
    return { task: str(raw.task, 'task'), in: str(raw.in, 'in') };
  },
  run: (h, a) => {
    const ref = parseFunctionRef(a.in);
    const addr = h.machine.kallsyms.address(ref.object, ref.name);
    if (!addr) return h.die(`no function \`${a.in}\` on this machine (is its module loaded?)`);
    h.machine.sleepIn(h.task(a.task), addr);
  },
});

interface TimerArg {
  readonly every: number;
  readonly until: number;
  readonly load: readonly string[];
}

const DateTime = z.iso.datetime({ offset: true });
/** A year of daily runs: bounded work for any scenario. */
const TIMER_MAX_RUNS = 366;

const timer = defineOp<TimerArg, ScenarioHarness>({
  name: 'timer',
  value: '{every: DURATION, until: DATE-TIME, load: [NAME, ...]}',
  logs: 'those of `load`, for each try',
  summary:
    "an operator's timer: now and every `every` until `until` (machine time), `load` each listed patch that is published (`published` not after now) and not loaded yet; a refusal is tried again at the next run",
  modules: (a) => [...a.load],
  parse: (raw) => {
    if (!isRecord(raw)) return fail('expected `{every, until, load}`');
    onlyKeys(raw, ['every', 'until', 'load'], ['every', 'until', 'load']);
    const every = parseDuration(raw.every);
    if (every < 1000) fail('`every` is at least `1s`');
    if (!DateTime.safeParse(raw.until).success) fail('`until` is an ISO 8601 date-time with an offset, e.g. `2026-03-22T00:00:00Z`');
    if (!Array.isArray(raw.load) || raw.load.length === 0) fail('`load` is a list of patch names');
    return { every, until: Date.parse(String(raw.until)), load: raw.load.map((name, i) => str(name, `load[${i}]`)) };
  },
  run: async (h, a) => {
    // Days pass cheaply only on a machine where a tick has nothing to do: a busy task would make
    // every 10 ms tick of them run (see ADVANCE_LIMITS), so the timer refuses that machine.
    const busy = [...h.tasks.entries()].find(([, task]) => task.behavior?.busy);
    if (busy) h.die(`\`timer\` passes days of machine time, which a busy task (\`${busy[0]}\`) would make cost days of ticks; stop it first`);
    if ((a.until - h.machine.now) / a.every > TIMER_MAX_RUNS) h.die(`\`timer\` would run more than ${TIMER_MAX_RUNS} times; use a longer \`every\` or an earlier \`until\``);
    // Runs keep their schedule (start + k × every) however long a transition takes.
    for (let next = h.machine.now; next <= a.until; next += a.every) {
      if (next > h.machine.now) h.machine.advance(next - h.machine.now);
      for (const name of a.load) {
        const published = h.published.get(name);
        if (h.loadedAt.has(name) || (published !== undefined && published > h.machine.now)) continue;
        await load.run(h, { name, wait: true });
      }
    }
  },
});

/** Everything a scenario step can be: the selftest ops and the steps above. */
export const SCENARIO_STEPS = [
  ...OPS,
  load,
  disable,
  unload,
  advance,
  timer,
  force,
  reverse,
  wake,
  sleep,
  expect,
] as unknown as readonly OpSpec<unknown>[];
