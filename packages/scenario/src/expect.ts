/**
 * `expect` steps: checks of the decisions, the result, the patch order, function owners, what runs
 * for a task, the log, the loaded modules and the whole machine. Each key is one expectation; a
 * failed one fails the scenario (exit 1) but the scenario goes on. Every failed expectation says
 * what it expected and what it found.
 */
import { errnoName } from '@patchwise/core';
import { suggestion } from '@patchwise/diagnostics';
import { defineOp, fail, isRecord, onlyKeys } from '@patchwise/kselftest';
import { parseFunctionRef } from '@patchwise/manifest';
import {
  checkCodes,
  checkDecision,
  checkFindings,
  parseFindings,
  parseOf,
  type DecisionOf,
  type ExpectedFinding,
} from './expect-decisions.js';
import { checkExposure, parseExposure, type ExpectedExposure } from './expect-exposure.js';
import { checkLog, checkNoLog, parseLines } from './expect-log.js';
import type { ScenarioHarness } from './harness.js';
import type { TextMatcher } from './patterns.js';
import { snapshotDifferences } from './snapshot.js';

const KEYS = ['of', 'decision', 'codes', 'findings', 'result', 'order', 'enabled', 'transition', 'owner', 'live', 'log', 'nolog', 'loaded', 'unchanged', 'exposure'] as const;

export interface Expectations {
  readonly of?: DecisionOf;
  readonly decision?: 'allowed' | 'denied';
  readonly codes?: readonly string[];
  readonly findings?: readonly ExpectedFinding[];
  readonly result?: string;
  readonly order?: readonly string[];
  readonly enabled?: Readonly<Record<string, boolean>>;
  readonly transition?: string;
  readonly owner?: { readonly function: string; readonly patch: string; readonly nop: boolean };
  readonly live?: { readonly task: string; readonly function: string; readonly runs: string };
  readonly log?: readonly TextMatcher[];
  readonly nolog?: readonly TextMatcher[];
  readonly loaded?: Readonly<Record<string, boolean>>;
  readonly unchanged?: true;
  readonly exposure?: ExpectedExposure;
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : [String(v)]);
const show = (v: unknown) => JSON.stringify(v);

function text(raw: unknown, what: string): string {
  if (typeof raw === 'string' && raw.length > 0) return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return fail(`\`${what}\` is a name`);
}

function booleans(raw: unknown, what: string): Record<string, boolean> {
  if (!isRecord(raw)) return fail(`\`${what}\` is a map of \`NAME: true|false\``);
  const out: Record<string, boolean> = Object.create(null) as Record<string, boolean>;
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value !== 'boolean') fail(`\`${what}.${name}\` is \`true\` or \`false\``);
    out[name] = value;
  }
  return out;
}

function parseExpect(raw: unknown): Expectations {
  if (!isRecord(raw)) return fail(`expected a map of checks: ${KEYS.join(', ')}`);
  for (const key of Object.keys(raw)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      fail(`unknown check \`${key}\`${suggestion(key, KEYS)}; the checks are ${KEYS.map((k) => `\`${k}\``).join(', ')}`);
    }
  }
  if (raw.of !== undefined && raw.decision === undefined && raw.codes === undefined && raw.findings === undefined) {
    fail('`of` says which operation `decision`, `codes` and `findings` are about: add one of them');
  }
  if (raw.decision !== undefined && raw.decision !== 'allowed' && raw.decision !== 'denied') fail('`decision` is `allowed` or `denied`');
  if (raw.unchanged !== undefined && raw.unchanged !== true) fail('`unchanged` is `true` (the machine is exactly as before the previous step)');
  const owner = raw.owner === undefined ? undefined : parseOwner(raw.owner);
  const live = raw.live === undefined ? undefined : parseLive(raw.live);
  return {
    ...(raw.of === undefined ? {} : { of: parseOf(raw.of) }),
    ...(raw.decision === undefined ? {} : { decision: raw.decision }),
    ...(raw.codes === undefined ? {} : { codes: list(raw.codes) }),
    ...(raw.findings === undefined ? {} : { findings: parseFindings(raw.findings) }),
    ...(raw.result === undefined ? {} : { result: typeof raw.result === 'number' ? (raw.result === 0 ? 'ok' : errnoName(raw.result)) : text(raw.result, 'result') }),
    ...(raw.order === undefined ? {} : { order: list(raw.order) }),
    ...(raw.enabled === undefined ? {} : { enabled: booleans(raw.enabled, 'enabled') }),
    ...(raw.transition === undefined ? {} : { transition: text(raw.transition, 'transition') }),
    ...(owner ? { owner } : {}),
    ...(live ? { live } : {}),
    ...(raw.log === undefined ? {} : { log: parseLines(raw.log, 'log') }),
    ...(raw.nolog === undefined ? {} : { nolog: parseLines(raw.nolog, 'nolog') }),
    ...(raw.loaded === undefined ? {} : { loaded: booleans(raw.loaded, 'loaded') }),
    ...(raw.unchanged === true ? { unchanged: true as const } : {}),
    ...(raw.exposure === undefined ? {} : { exposure: parseExposure(raw.exposure) }),
  };
}

function parseOwner(raw: unknown): NonNullable<Expectations['owner']> {
  if (!isRecord(raw)) return fail('`owner` is `{function, patch}` (`patch: original`, or `nop: true` for an atomic replace\'s nop)');
  onlyKeys(raw, ['function', 'patch', 'nop'], ['function', 'patch']);
  if (raw.nop !== undefined && typeof raw.nop !== 'boolean') fail('`owner.nop` is `true` or `false`');
  const patch = text(raw.patch, 'owner.patch');
  if (raw.nop === true && patch === 'original') fail('`owner.nop: true` names the replacing patch whose nop it is, not `original`');
  return { function: text(raw.function, 'owner.function'), patch, nop: raw.nop === true };
}

function parseLive(raw: unknown): NonNullable<Expectations['live']> {
  if (!isRecord(raw)) return fail('`live` is `{task, function, runs}`');
  onlyKeys(raw, ['task', 'function', 'runs'], ['task', 'function', 'runs']);
  return { task: text(raw.task, 'live.task'), function: text(raw.function, 'live.function'), runs: text(raw.runs, 'live.runs') };
}

/** Where a function resolves, as a patch name, or `original`. */
function implementationOwner(h: ScenarioHarness, addr: string): string {
  const entry = h.machine.kallsyms.entry(addr);
  const patch = entry ? h.machine.livepatch.findPatch(entry.object) : undefined;
  return patch ? patch.name : 'original';
}

function functionAddress(h: ScenarioHarness, spec: string): string {
  const ref = parseFunctionRef(spec);
  const addr = h.machine.kallsyms.address(ref.object, ref.name);
  if (!addr) h.die(`no function \`${spec}\` on this machine`);
  return addr;
}

type Check = (h: ScenarioHarness, want: Expectations) => [boolean, string];
const verdict = (ok: boolean, expected: string, got: string): [boolean, string] => [ok, ok ? expected : `${expected}, got ${got}`];

const checks: { readonly [K in Exclude<keyof Expectations, 'of'>]-?: Check } = {
  decision: (h, w) => checkDecision(h, w.decision as string, w.of),
  codes: (h, w) => checkCodes(h, w.codes as readonly string[], w.of),
  findings: (h, w) => checkFindings(h, w.findings as readonly ExpectedFinding[], w.of),
  result: (h, w) => {
    const got = h.lastResult === undefined ? 'none' : h.lastResult === 0 ? 'ok' : errnoName(h.lastResult);
    return verdict(got === w.result, `result ${w.result}`, got);
  },
  order: (h, w) => {
    const got = show(h.machine.livepatch.patches.map((p) => p.name));
    return verdict(got === show(w.order), `patch order ${show(w.order)}`, got);
  },
  enabled: (h, w) => {
    const got = Object.fromEntries(Object.keys(w.enabled ?? {}).map((name) => [name, h.machine.livepatch.findPatch(name)?.enabled ?? false]));
    return verdict(show(got) === show({ ...w.enabled }), `enabled ${show({ ...w.enabled })}`, show(got));
  },
  transition: (h, w) => {
    const got = h.machine.livepatch.transitionPatch?.name ?? 'none';
    return verdict(got === w.transition, `transition ${w.transition}`, got);
  },
  owner: (h, w) => {
    const want = w.owner as NonNullable<Expectations['owner']>;
    const head = h.machine.livepatch.funcStack(functionAddress(h, want.function))[0];
    const got = head ? (head.nop ? `a nop of ${head.patchName}` : head.patchName) : 'original';
    // A nop runs the original: `patch: original` holds for it too, `nop: true` says whose nop it is.
    const ok = want.nop ? head?.nop === true && head.patchName === want.patch : got === want.patch || (head?.nop === true && want.patch === 'original');
    return verdict(ok, `owner of ${want.function} is ${want.nop ? `a nop of ${want.patch}` : want.patch}`, got);
  },
  live: (h, w) => {
    const want = w.live as NonNullable<Expectations['live']>;
    const addr = functionAddress(h, want.function);
    const got = implementationOwner(h, h.machine.livepatch.resolveCall(addr, h.task(want.task)));
    return verdict(got === want.runs, `task ${want.task} runs ${want.runs}'s ${want.function}`, `${got}'s`);
  },
  log: (h, w) => checkLog(h, w.log ?? []),
  nolog: (h, w) => checkNoLog(h, w.nolog ?? []),
  loaded: (h, w) => {
    const got = Object.fromEntries(Object.keys(w.loaded ?? {}).map((name) => [name, h.machine.modules.find(name) !== undefined]));
    return verdict(show(got) === show({ ...w.loaded }), `loaded ${show({ ...w.loaded })}`, show(got));
  },
  unchanged: (h) => {
    const before = h.beforeStep;
    if (!before) return [false, 'unchanged: there is no previous step to compare with'];
    const differences = snapshotDifferences(before, h.snapshot());
    return [differences.length === 0, differences.length === 0 ? 'machine unchanged by the previous step' : `machine unchanged by the previous step, but ${differences.join(' | ')}`];
  },
  exposure: (h, w) => checkExposure(h, w.exposure as ExpectedExposure),
};

export const expect = defineOp<Expectations, ScenarioHarness>({
  name: 'expect',
  value: `{${KEYS.join(', ')}}`,
  logs: '—',
  summary:
    '`decision` (allowed|denied), `codes` and `findings` ({code, severity, message, data, policy, gate}) of the last decision, or of `of: {load|disable|reverse: NAME}`; ' +
    '`result` of the last step (ok, EPERM, ...); `order` of the patches; `enabled` {name: bool}; `transition` (name|none); ' +
    '`owner` {function, patch|original, nop?}; `live` {task, function, runs: patch|original}; `log` lines (exact, or {match: REGEX}) in order and `nolog` lines ' +
    'absent, since the previous expect; `loaded` {module: bool}; `unchanged: true` (the whole machine as before the previous step); ' +
    '`exposure` {patch, min?, max?}: the time from its `published` to its first load',
  parse: parseExpect,
  run: (h, want) => {
    for (const key of KEYS) {
      if (key === 'of' || want[key] === undefined) continue;
      const [passed, message] = checks[key](h, want);
      h.expectation(passed, message);
    }
    h.logMark = h.machine.log.mark;
  },
});
