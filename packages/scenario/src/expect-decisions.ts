/**
 * Expectations about decisions: `decision` and `codes` (as before), `findings` (a finding's code,
 * severity, message, data, policy and gate), and `of`, which names the operation they are about
 * instead of "the most recent decision of the run".
 */
import { isDeepStrictEqual } from 'node:util';
import type { Decision, Finding, Operation } from '@patchwise/core';
import { fail, isRecord, onlyKeys, str } from '@patchwise/kselftest';
import type { ScenarioHarness } from './harness.js';
import { matchesPart, parseMatcher, showMatcher, type TextMatcher } from './patterns.js';

/** `of: {load: NAME}`: the operation a decision expectation is about. */
export interface DecisionOf {
  readonly step: 'load' | 'disable' | 'reverse';
  readonly name: string;
}

const OF_STEPS = ['load', 'disable', 'reverse'] as const;
/** A `load` of a patch is its enable; a `load` of a target module, that module's load. */
const OPERATIONS: Record<DecisionOf['step'], readonly Operation[]> = { load: ['enable', 'load-module'], disable: ['disable'], reverse: ['reverse'] };

export function parseOf(raw: unknown): DecisionOf {
  if (!isRecord(raw) || Object.keys(raw).length !== 1) return fail('`of` names one operation: `{load: NAME}`, `{disable: NAME}` or `{reverse: NAME}`');
  onlyKeys(raw, OF_STEPS, []);
  const [step, name] = Object.entries(raw)[0] as [DecisionOf['step'], unknown];
  return { step, name: str(name, `of.${step}`) };
}

export interface ExpectedFinding {
  readonly code?: string;
  readonly severity?: 'error' | 'warn';
  readonly message?: TextMatcher;
  readonly data?: Readonly<Record<string, unknown>>;
  readonly policy?: string;
  readonly gate?: string;
}

const FINDING_KEYS = ['code', 'severity', 'message', 'data', 'policy', 'gate'] as const;

export function parseFindings(raw: unknown): ExpectedFinding[] {
  if (!Array.isArray(raw) || raw.length === 0) return fail('`findings` is a list of `{code, severity, message, data, policy, gate}` (any of them)');
  return raw.map((item, i) => {
    const at = `findings[${i}]`;
    if (typeof item === 'string') return { code: item };
    if (!isRecord(item) || Object.keys(item).length === 0) return fail(`\`${at}\` is a code or a map of \`${FINDING_KEYS.join('`, `')}\``);
    onlyKeys(item, FINDING_KEYS, []);
    if (item.severity !== undefined && item.severity !== 'error' && item.severity !== 'warn') fail(`\`${at}.severity\` is \`error\` or \`warn\``);
    if (item.data !== undefined && !isRecord(item.data)) fail(`\`${at}.data\` is a map of the finding's data, e.g. \`{patches: [acme_fix]}\``);
    return {
      ...(item.code === undefined ? {} : { code: str(item.code, `${at}.code`) }),
      ...(item.severity === undefined ? {} : { severity: item.severity }),
      ...(item.message === undefined ? {} : { message: parseMatcher(item.message, `${at}.message`) }),
      ...(item.data === undefined ? {} : { data: item.data }),
      ...(item.policy === undefined ? {} : { policy: str(item.policy, `${at}.policy`) }),
      ...(item.gate === undefined ? {} : { gate: str(item.gate, `${at}.gate`) }),
    };
  });
}

/**
 * The decisions an expectation is about: without `of`, the most recent one; with `of`, every gate's
 * decision of the most recent step that performed that operation (an atomic replace is decided at
 * `prePatch`, then at `replace`).
 */
export function selectDecisions(h: ScenarioHarness, of: DecisionOf | undefined): Decision[] {
  if (!of) return h.decisions.slice(-1);
  const about = (d: Decision) => OPERATIONS[of.step].includes(d.operation) && (d.operation === 'load-module' ? d.module : d.patch) === of.name;
  const last = h.decisions.findLastIndex(about);
  if (last < 0) return [];
  const step = h.decisionSteps[last];
  return h.decisions.filter((d, i) => h.decisionSteps[i] === step && about(d));
}

const describeOf = (of: DecisionOf | undefined) => (of ? ` of ${of.step} '${of.name}'` : '');
const described = (ds: readonly Decision[]) => {
  const d = ds.at(-1);
  return d ? ` (${d.operation} of '${d.patch ?? d.module}')` : '';
};

export function checkDecision(h: ScenarioHarness, want: string, of: DecisionOf | undefined): [boolean, string] {
  const ds = selectDecisions(h, of);
  const got = ds.length === 0 ? 'no decision' : ds.every((d) => d.allowed) ? 'allowed' : 'denied';
  return [got === want, `decision${describeOf(of)} ${want}${got === want ? '' : `, got ${got}`}${of ? '' : described(ds)}`];
}

export function checkCodes(h: ScenarioHarness, want: readonly string[], of: DecisionOf | undefined): [boolean, string] {
  const got = selectDecisions(h, of).flatMap((d) => d.findings.map((f) => `${f.policy}/${f.code}`));
  const ok = got.length === want.length && want.every((e, i) => got[i] === e || got[i]?.endsWith(`/${e}`));
  return [ok, `finding codes${describeOf(of)} ${JSON.stringify(want)}${ok ? '' : `, got ${JSON.stringify(got)}`}`];
}

function findingMatches(want: ExpectedFinding, f: Finding, gate: string): boolean {
  return (
    (want.code === undefined || want.code === f.code || want.code === `${f.policy}/${f.code}`) &&
    (want.severity === undefined || want.severity === f.severity) &&
    (want.message === undefined || matchesPart(want.message, f.message)) &&
    (want.policy === undefined || want.policy === f.policy) &&
    (want.gate === undefined || want.gate === gate) &&
    (want.data === undefined || Object.entries(want.data).every(([key, value]) => isDeepStrictEqual(f.data[key], value)))
  );
}

const showExpected = (w: ExpectedFinding) =>
  Object.entries(w)
    .map(([k, v]) => `${k} ${k === 'message' ? showMatcher(v as TextMatcher) : JSON.stringify(v)}`)
    .join(', ');
const showFinding = (f: Finding, gate: string) =>
  `${f.policy}/${f.code} (${f.severity}, ${gate}): ${JSON.stringify(f.message)} data ${JSON.stringify(f.data)}`;

/** Each expected finding matches a finding of the decisions, in order (others may come between). */
export function checkFindings(h: ScenarioHarness, want: readonly ExpectedFinding[], of: DecisionOf | undefined): [boolean, string] {
  const found = selectDecisions(h, of).flatMap((d) => d.findings.map((f) => ({ f, gate: d.gate })));
  let at = 0;
  for (const w of want) {
    const i = found.findIndex((x, j) => j >= at && findingMatches(w, x.f, x.gate));
    if (i < 0) {
      const got = found.length === 0 ? 'there were no findings' : `the findings were: ${found.map((x) => showFinding(x.f, x.gate)).join('; ')}`;
      return [false, `finding${describeOf(of)} {${showExpected(w)}} not found (in order); ${got}`];
    }
    at = i + 1;
  }
  return [true, want.length === 1 ? `finding${describeOf(of)} {${showExpected(want[0] as ExpectedFinding)}}` : `findings${describeOf(of)}: ${want.length}, in order`];
}
