/**
 * PolicyTester: a policy's tests as a table of valid and invalid cases, like ESLint's RuleTester.
 *
 * Each case boots a simulated machine, installs the `installed` patches (before the policy is
 * applied: they are the situation, not the question), applies the policy, performs one operation
 * and compares the decisions with what the case expects. Independent of the test framework: set
 * `PolicyTester.describe` / `PolicyTester.it` (vitest, mocha, node:test) or let it find the
 * globals.
 */
import assert from 'node:assert/strict';
import { Errno, errnoName, type Decision, type Finding } from '@patchwise/core';
import { kernelFunctionsOf, manifestModule, moduleFunctionsOf, parseManifest, type PatchManifest } from '@patchwise/manifest';
import { applyPolicies, type Policy, type Severity } from '@patchwise/policy';
import { Machine } from '@patchwise/sim';

/** The operation a case performs. */
export type TesterOperation =
  | { readonly enable: PatchManifest }
  | { readonly disable: string }
  | { readonly loadModule: string };

/** An expected finding: its code, or code plus (parts of) its data and message. */
export type ExpectedFinding =
  | string
  | { readonly code: string; readonly data?: Readonly<Record<string, unknown>>; readonly message?: string | RegExp };

interface BaseCase {
  /** Test title; defaults to a description of the operation. */
  readonly name?: string;
  /** Patches enabled, in order, before the policy is applied. */
  readonly installed?: readonly PatchManifest[];
  /** Target modules loaded before the operation (plain modules with the functions patches name). */
  readonly modules?: readonly string[];
  readonly options?: unknown;
  readonly severity?: Exclude<Severity, 'off'>;
  /** `uname -r` of the machine. */
  readonly kernel?: string;
  /** Wall-clock time of the machine at boot (ISO string or ms). */
  readonly now?: string | number;
  /** Run only this case. */
  readonly only?: boolean;
}

export type ValidCase = BaseCase &
  TesterOperation & {
    /** Warning findings expected (default: none). */
    readonly warnings?: readonly ExpectedFinding[];
  };

export type InvalidCase = BaseCase &
  TesterOperation & {
    /** The error findings that deny, in order. */
    readonly errors: readonly ExpectedFinding[];
    readonly warnings?: readonly ExpectedFinding[];
  };

export interface TesterCases {
  readonly valid?: readonly ValidCase[];
  readonly invalid?: readonly InvalidCase[];
}

type Describe = (title: string, fn: () => void) => void;
type It = ((title: string, fn: () => Promise<void>) => void) & { only?: (title: string, fn: () => Promise<void>) => void };

export interface CaseOutcome {
  /** 0 or the operation's negative errno. */
  readonly result: number;
  readonly decisions: readonly Decision[];
  readonly findings: readonly Finding[];
  readonly machine: Machine;
}

/** A case as JavaScript may hand it over: any number of operations, each possibly undefined. */
type LooseOperation = { readonly enable?: PatchManifest; readonly disable?: string; readonly loadModule?: string };

const OPERATIONS = ['enable', 'disable', 'loadModule'] as const;

// Tolerant of malformed cases: `run` computes titles before any case is checked.
const describeOp = (c: LooseOperation): string =>
  c.enable !== undefined
    ? `enable ${c.enable.name}`
    : c.disable !== undefined
      ? `disable ${c.disable}`
      : c.loadModule !== undefined
        ? `load module ${c.loadModule}`
        : 'no operation';

/** The case in messages: its name (when it has one) and its operation, as `assert*` runs without `run`'s titles. */
const label = (c: BaseCase & LooseOperation): string => (c.name === undefined ? describeOp(c) : `'${c.name}' (${describeOp(c)})`);

/**
 * The codes the core gives a gate that throws, rejects, times out or reports a malformed finding
 * (packages/core/src/hook-system.ts). They deny, so an invalid case could list one and pass.
 */
const CRASHES = new Set(['policy-threw', 'policy-rejected', 'policy-timeout', 'policy-bad-finding']);

export class PolicyTester {
  /** Set these to your framework's functions (default: the globals, when present). */
  static describe: Describe | undefined;
  static it: It | undefined;

  constructor(private readonly defaults: Partial<BaseCase> = {}) {}

  /** Register the cases with the test framework. */
  run(policy: Policy, cases: TesterCases): void {
    const g = globalThis as { describe?: Describe; it?: It };
    const describe = PolicyTester.describe ?? g.describe;
    const it = PolicyTester.it ?? g.it;
    if (!describe || !it) {
      throw new Error('PolicyTester needs `describe` and `it`: set PolicyTester.describe and PolicyTester.it, or use runCase()');
    }
    describe(policy.name, () => {
      for (const [kind, list] of [
        ['valid', cases.valid ?? []],
        ['invalid', cases.invalid ?? []],
      ] as const) {
        describe(kind, () => {
          list.forEach((c, index) => {
            const title = c.name ?? `#${index + 1}: ${describeOp(c)}`;
            const register = c.only && it.only ? it.only : it;
            register(title, async () => {
              if (kind === 'valid') await this.assertValid(policy, c as ValidCase);
              else await this.assertInvalid(policy, c as InvalidCase);
            });
          });
        });
      }
    });
  }

  async assertValid(policy: Policy, c: ValidCase): Promise<void> {
    const outcome = await this.runCase(policy, c);
    assertNoCrash(policy, outcome, c);
    const errors = outcome.findings.filter((f) => f.severity === 'error');
    assert.deepEqual(errors.map(summary), [], `expected no error findings for ${label(c)}${dump(outcome)}`);
    assert.equal(outcome.result, 0, `expected ${label(c)} to succeed, got ${errnoName(outcome.result)}${dump(outcome)}`);
    checkFindings(outcome.findings.filter((f) => f.severity === 'warn'), c.warnings ?? [], 'warning', outcome, c);
  }

  async assertInvalid(policy: Policy, c: InvalidCase): Promise<void> {
    // JavaScript callers (and `as` casts) can leave `errors` out: say so rather than hit a TypeError.
    const errors: unknown = c.errors;
    if (!Array.isArray(errors) || errors.length === 0) {
      const what = errors === undefined ? 'has no `errors`' : Array.isArray(errors) ? 'has empty `errors`' : '`errors` is not an array';
      throw new Error(`PolicyTester: invalid case ${label(c)} ${what}: list the error findings expected (at least one); a case the policy allows belongs in \`valid\``);
    }
    const outcome = await this.runCase(policy, c);
    assertNoCrash(policy, outcome, c);
    checkFindings(outcome.findings.filter((f) => f.severity === 'error'), c.errors, 'error', outcome, c);
    assert.equal(outcome.result, -Errno.EPERM, `expected ${label(c)} to be refused with EPERM, got ${errnoName(outcome.result)}${dump(outcome)}`);
    checkFindings(outcome.findings.filter((f) => f.severity === 'warn'), c.warnings ?? [], 'warning', outcome, c);
  }

  /** Run one case and return what happened, without asserting. */
  async runCase(policy: Policy, input: BaseCase & TesterOperation): Promise<CaseOutcome> {
    const c: BaseCase & LooseOperation = { ...this.defaults, ...input };
    // Checked here, not by the types alone: JavaScript cases (and spreads) can carry none or several.
    const operations = OPERATIONS.filter((key) => c[key] !== undefined);
    if (operations.length !== 1) {
      const found = operations.length === 0 ? 'none' : operations.map((key) => `\`${key}\``).join(' and ');
      const which = c.name === undefined ? 'a case' : `case '${c.name}'`;
      throw new Error(`PolicyTester: ${which} needs exactly one operation, \`enable\`, \`disable\` or \`loadModule\` (it has ${found})`);
    }
    if (c.disable !== undefined && !(c.installed ?? []).some((m) => m.name === c.disable)) {
      // Otherwise the write fails with ENOENT before any policy runs: a set-up mistake, not a verdict.
      const names = (c.installed ?? []).map((m) => `'${m.name}'`).join(', ') || 'none';
      const which = c.name === undefined ? '' : `case '${c.name}': `;
      throw new Error(`PolicyTester: ${which}cannot disable '${c.disable}': it is not in \`installed\` (installed: ${names})`);
    }
    const manifests = [...(c.installed ?? []), ...(c.enable !== undefined ? [c.enable] : [])].map((m, i) =>
      parseManifest(m, { path: i < (c.installed?.length ?? 0) ? ['installed', i] : ['enable'] }),
    );
    const epoch = typeof c.now === 'string' ? Date.parse(c.now) : c.now;
    if (epoch !== undefined && Number.isNaN(epoch)) throw new Error(`PolicyTester: \`now: ${String(c.now)}\` is not a date (use ISO 8601)`);
    const machine = new Machine({
      modules: [],
      kernelFunctions: kernelFunctionsOf(manifests),
      ...(c.kernel ? { release: c.kernel } : {}),
      ...(epoch !== undefined ? { epoch } : {}),
    });
    const moduleFunctions = moduleFunctionsOf(manifests);
    const targetNames = new Set([...(c.modules ?? []), ...(c.loadModule !== undefined ? [c.loadModule] : [])]);
    for (const name of targetNames) {
      machine.addModule({ name, symbols: (moduleFunctions.get(name) ?? []).map((fn) => ({ name: fn })) });
    }
    for (const manifest of manifests) machine.addModule(manifestModule(manifest));
    for (const name of c.modules ?? []) await expectOk(machine.insmod(name), `load module ${name}`);
    for (const manifest of c.installed ?? []) {
      await expectOk(machine.insmod(manifest.name), `install ${manifest.name}`);
      machine.advance(2000);
    }
    applyPolicies(machine.livepatch, [{ policy, options: c.options, severity: c.severity ?? 'error' }], { seal: false });
    const decisions: Decision[] = [];
    machine.livepatch.hooks.decision.tap('policy-tester', (d) => decisions.push(d));
    let result: number;
    if (c.enable !== undefined) result = await machine.insmod(c.enable.name);
    else if (c.disable !== undefined) result = await machine.write(`/sys/kernel/livepatch/${c.disable}/enabled`, '0');
    else result = await machine.insmod(c.loadModule!);
    return { result, decisions, findings: decisions.flatMap((d) => d.findings), machine };
  }
}

async function expectOk(pending: Promise<number>, what: string): Promise<void> {
  const ret = await pending;
  if (ret !== 0) throw new Error(`PolicyTester: could not ${what} (${errnoName(ret)}); check the case's set-up`);
}

const summary = (f: Finding) => `${f.code}: ${f.message}`;

function dump(outcome: CaseOutcome): string {
  if (outcome.findings.length === 0) return '\nfindings: none';
  return `\nfindings:\n${outcome.findings.map((f) => `  [${f.severity}] ${f.policy}/${f.code}: ${f.message}`).join('\n')}`;
}

/**
 * A policy under test that crashed fails the case, whatever it expects: like ESLint's RuleTester,
 * where a rule that throws never passes. (A message id of the policy's own with such a code counts
 * as a finding.) `runCase` still returns these findings, for tests about failing closed.
 */
function assertNoCrash(policy: Policy, outcome: CaseOutcome, c: BaseCase & LooseOperation): void {
  // `?? {}`: definePolicy lets a JavaScript policy leave `messages` out.
  const crash = outcome.findings.find((f) => f.policy === policy.name && CRASHES.has(f.code) && !Object.hasOwn(policy.meta.messages ?? {}, f.code));
  if (crash) assert.fail(`the policy crashed in ${label(c)}: ${crash.code}: ${crash.message}`);
}

function checkFindings(
  actual: readonly Finding[],
  expected: readonly ExpectedFinding[],
  kind: string,
  outcome: CaseOutcome,
  c: BaseCase & LooseOperation,
): void {
  assert.deepEqual(
    actual.map((f) => f.code),
    expected.map((e) => (typeof e === 'string' ? e : e.code)),
    `${kind} codes differ for ${label(c)}${dump(outcome)}`,
  );
  expected.forEach((e, i) => {
    const f = actual[i];
    if (typeof e === 'string' || !f) return;
    const which = `${kind} ${i + 1} (${f.code}) of ${label(c)}`;
    for (const [key, value] of Object.entries(e.data ?? {})) {
      assert.deepEqual(f.data[key], value, `${which}: data \`${key}\` differs`);
    }
    if (typeof e.message === 'string') assert.equal(f.message, e.message, `${which}: message differs`);
    // assert.match with a message of ours prints neither side: show the finding's message.
    else if (e.message) assert.match(f.message, e.message, `${which}: message ${JSON.stringify(f.message)} does not match ${String(e.message)}`);
  });
}
