/**
 * `expect` steps: checks of the decision, the result, the patch order, function owners, what runs
 * for a task, and the log. Each key is one expectation; a failed one fails the scenario (exit 1)
 * but the scenario goes on.
 */
import { errnoName } from '@patchwise/core';
import { suggestion } from '@patchwise/diagnostics';
import { defineOp, fail, isRecord, onlyKeys } from '@patchwise/kselftest';
import { parseFunctionRef } from '@patchwise/manifest';
import type { ScenarioHarness } from './harness.js';

const KEYS = ['decision', 'codes', 'result', 'order', 'enabled', 'transition', 'owner', 'live', 'log', 'loaded'] as const;
type Key = (typeof KEYS)[number];
export type Expectations = Partial<Record<Key, unknown>>;

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : [String(v)]);
const show = (v: unknown) => JSON.stringify(v);

function parseExpect(raw: unknown): Expectations {
  if (!isRecord(raw)) return fail(`expected a map of checks: ${KEYS.join(', ')}`);
  for (const key of Object.keys(raw)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      fail(`unknown check \`${key}\`${suggestion(key, KEYS)}; the checks are ${KEYS.map((k) => `\`${k}\``).join(', ')}`);
    }
  }
  if (raw.decision !== undefined && raw.decision !== 'allowed' && raw.decision !== 'denied') fail('`decision` is `allowed` or `denied`');
  for (const [key, fields] of [['owner', ['function', 'patch']], ['live', ['task', 'function', 'runs']]] as const) {
    const value = raw[key];
    if (value === undefined) continue;
    if (!isRecord(value)) fail(`\`${key}\` is a map (see --help)`);
    // Every field is checked: one left out (or misspelled) would be compared as `undefined`.
    else onlyKeys(value, fields, fields);
  }
  return raw as Expectations;
}

/** Where a function resolves, as a patch name, or `original`. */
function implementationOwner(h: ScenarioHarness, addr: string): string {
  const entry = h.machine.kallsyms.entry(addr);
  const patch = entry ? h.machine.livepatch.findPatch(entry.object) : undefined;
  return patch ? patch.name : 'original';
}

function functionAddress(h: ScenarioHarness, spec: unknown): string {
  const ref = parseFunctionRef(String(spec));
  const addr = h.machine.kallsyms.address(ref.object, ref.name);
  if (!addr) h.die(`no function \`${String(spec)}\` on this machine`);
  return addr;
}

const checks: Record<Key, (h: ScenarioHarness, want: unknown, all: Expectations) => [boolean, string]> = {
  decision: (h, want) => {
    const d = h.decisions.at(-1);
    const got = d ? (d.allowed ? 'allowed' : 'denied') : 'no decision';
    return [got === want, `decision ${String(want)}${got === want ? '' : `, got ${got}`}${d ? ` (${d.operation} of '${d.patch ?? d.module}')` : ''}`];
  },
  codes: (h, want) => {
    const d = h.decisions.at(-1);
    const got = (d?.findings ?? []).map((f) => `${f.policy}/${f.code}`);
    const expected = list(want);
    const ok = got.length === expected.length && expected.every((e, i) => got[i] === e || got[i]?.endsWith(`/${e}`));
    return [ok, `finding codes ${show(expected)}${ok ? '' : `, got ${show(got)}`}`];
  },
  result: (h, want) => {
    const got = h.lastResult === undefined ? 'none' : h.lastResult === 0 ? 'ok' : errnoName(h.lastResult);
    const expected = typeof want === 'number' ? (want === 0 ? 'ok' : errnoName(want)) : String(want);
    return [got === expected, `result ${expected}${got === expected ? '' : `, got ${got}`}`];
  },
  order: (h, want) => {
    const got = h.machine.livepatch.patches.map((p) => p.name);
    const ok = show(got) === show(list(want));
    return [ok, `patch order ${show(list(want))}${ok ? '' : `, got ${show(got)}`}`];
  },
  enabled: (h, want) => {
    const wrong = Object.entries(want as Record<string, unknown>).filter(
      ([name, on]) => (h.machine.livepatch.findPatch(name)?.enabled ?? false) !== Boolean(on),
    );
    return [wrong.length === 0, `enabled ${show(want)}${wrong.length ? `, but ${wrong.map(([n]) => `'${n}' is ${h.machine.livepatch.findPatch(n)?.enabled ? 'enabled' : 'not enabled'}`).join(', ')}` : ''}`];
  },
  transition: (h, want) => {
    const got = h.machine.livepatch.transitionPatch?.name ?? 'none';
    return [got === String(want), `transition ${String(want)}${got === String(want) ? '' : `, got ${got}`}`];
  },
  owner: (h, want) => {
    const w = want as { function?: unknown; patch?: unknown };
    const addr = functionAddress(h, w.function);
    const head = h.machine.livepatch.funcStack(addr)[0];
    const got = head ? (head.nop ? `${head.patchName} (nop)` : head.patchName) : 'original';
    const ok = got === String(w.patch) || (head?.nop === true && String(w.patch) === 'original');
    return [ok, `owner of ${String(w.function)} is ${String(w.patch)}${ok ? '' : `, got ${got}`}`];
  },
  live: (h, want) => {
    const w = want as { task?: unknown; function?: unknown; runs?: unknown };
    const task = h.task(String(w.task));
    const addr = functionAddress(h, w.function);
    const got = implementationOwner(h, h.machine.livepatch.resolveCall(addr, task));
    return [got === String(w.runs), `task ${String(w.task)} runs ${String(w.runs)}'s ${String(w.function)}${got === String(w.runs) ? '' : `, got ${got}'s`}`];
  },
  log: (h, want) => {
    const lines = h.machine.log.records(h.logMark).map((r) => r.text);
    let at = 0;
    for (const line of list(want)) {
      const found = lines.indexOf(line, at);
      if (found < 0) return [false, `log line ${show(line)} (in order, since the previous expect) not found`];
      at = found + 1;
    }
    const n = list(want).length;
    return [true, n === 1 ? `log line ${show(list(want)[0])}` : `log: ${n} lines, in order`];
  },
  loaded: (h, want) => {
    const wrong = Object.entries(want as Record<string, unknown>).filter(([name, on]) => (h.machine.modules.find(name) !== undefined) !== Boolean(on));
    return [wrong.length === 0, `loaded ${show(want)}${wrong.length ? `, but ${wrong.map(([n]) => n).join(', ')} differ` : ''}`];
  },
};

export const expect = defineOp<Expectations, ScenarioHarness>({
  name: 'expect',
  value: `{${KEYS.join(', ')}}`,
  logs: '—',
  summary:
    'check: `decision` (allowed|denied) and `codes` of the last decision; `result` of the last step (ok, EPERM, ...); ' +
    '`order` of the patches; `enabled` {name: bool}; `transition` (name|none); `owner` {function, patch|original}; ' +
    '`live` {task, function, runs: patch|original}; `log` lines since the previous expect; `loaded` {module: bool}',
  parse: parseExpect,
  run: (h, want) => {
    for (const key of KEYS) {
      if (want[key] === undefined) continue;
      const [passed, message] = checks[key](h, want[key], want);
      h.expectation(passed, message);
    }
    h.logMark = h.machine.log.mark;
  },
});
