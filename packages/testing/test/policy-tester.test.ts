/**
 * The PolicyTester's own tests. Like ESLint's RuleTester tests, most of them are about the cases
 * that must FAIL: a tester that passes everything would make every policy's test suite green.
 *
 * Expectations come from the policy below (what it reports, and when), the documented case format
 * (packages/testing/README.md) and the kernel's conventions (EPERM is 1, EEXIST 17), not from
 * running the tester and copying what it printed.
 */
import { AssertionError } from 'node:assert';
import { afterEach, describe, expect, it } from 'vitest';
import { definePolicy, type Policy } from '@patchwise/policy';
import { PolicyTester, type InvalidCase, type ValidCase } from '@patchwise/testing';
import { z } from 'zod';

/**
 * The policy under test. On enable, by the patch's tags: the configured `deny` tag is an error
 * (`tagged`), `twice` adds a second `tagged` error, `note` a warning, `clock` a warning whose data is
 * the time and kernel the gate saw, `boom` throws, `reject` rejects. On disable, `blockDisable`
 * refuses; on a target module's load, `blockModules` refuses.
 */
const guard = definePolicy({
  name: 'guard',
  version: '1.0.0',
  meta: {
    docs: { description: 'Refuse patches by tag (a fixture for the PolicyTester tests).' },
    messages: {
      tagged: "'{{patch}}' is tagged `{{tag}}`",
      noted: "'{{patch}}' carries a note",
      clock: 'the gate ran at {{now}} on {{kernel}}',
      'no-disable': "disabling '{{patch}}' is not allowed",
      'no-module': "module '{{module}}' may not load while {{patches}} patch it",
    },
    schema: z.strictObject({ deny: z.string().min(1), blockDisable: z.boolean(), blockModules: z.boolean() }),
    defaults: { deny: 'bad', blockDisable: false, blockModules: false },
  },
  apply(hooks, { deny, blockDisable, blockModules }) {
    hooks.prePatch((ctx, report) => {
      const tags = Array.isArray(ctx.patch.metadata.tags) ? (ctx.patch.metadata.tags as string[]) : [];
      if (tags.includes('boom')) throw new Error('kaboom');
      if (tags.includes('reject')) return Promise.reject(new Error('registry down'));
      if (tags.includes(deny)) report({ messageId: 'tagged', data: { patch: ctx.patch.name, tag: deny } });
      if (tags.includes('twice')) report({ messageId: 'tagged', data: { patch: ctx.patch.name, tag: 'twice' } });
      if (tags.includes('note')) report({ messageId: 'noted', data: { patch: ctx.patch.name }, severity: 'warn' });
      if (tags.includes('clock')) report({ messageId: 'clock', data: { now: ctx.now, kernel: ctx.kernelRelease }, severity: 'warn' });
      return undefined;
    });
    hooks.preUnpatch((ctx, report) => {
      if (blockDisable) report({ messageId: 'no-disable', data: { patch: ctx.patch.name } });
    });
    hooks.moduleComing((ctx, report) => {
      if (blockModules) report({ messageId: 'no-module', data: { module: ctx.module, patches: ctx.patches.map((p) => p.name) } });
    });
  },
});

const fix = { name: 'fix', functions: ['cmdline_proc_show'] };
const tagged = (...tags: string[]) => ({ ...fix, tags });
/** A patch that patches `mod_fn` in the target module `tgt`. */
const modFix = { name: 'mod-fix', functions: ['tgt:mod_fn'] };

const tester = new PolicyTester();

/** The error a promise rejects with; fails the test when it resolves. */
async function failure(pending: Promise<unknown>): Promise<Error> {
  try {
    await pending;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure, but the case passed');
}

/** A failed assertion (not a TypeError or a set-up error) whose message matches every pattern. */
async function assertionFailure(pending: Promise<unknown>, ...patterns: (RegExp | string)[]): Promise<void> {
  const err = await failure(pending);
  expect(err).toBeInstanceOf(AssertionError);
  for (const pattern of patterns) expect(err.message).toMatch(pattern);
}

describe('assertValid', () => {
  it('passes when the policy allows the operation', async () => {
    await expect(tester.assertValid(guard, { enable: fix })).resolves.toBeUndefined();
  });

  it('fails when the policy denies, naming the case, the finding code and its message', async () => {
    await assertionFailure(
      tester.assertValid(guard, { name: 'a tagged patch', enable: tagged('bad') }),
      /^expected no error findings for 'a tagged patch' \(enable fix\)/,
      "[error] guard/tagged: 'fix' is tagged `bad`",
    );
  });

  it('names the operation when the case has no name', async () => {
    await assertionFailure(tester.assertValid(guard, { enable: tagged('bad') }), /^expected no error findings for enable fix\n/, 'guard/tagged');
  });

  it('fails on a warning the case does not expect, and passes when it does', async () => {
    await assertionFailure(tester.assertValid(guard, { enable: tagged('note') }), /^warning codes differ for enable fix/, "[warn] guard/noted: 'fix' carries a note");
    await expect(tester.assertValid(guard, { enable: tagged('note'), warnings: ['noted'] })).resolves.toBeUndefined();
  });

  it('fails on an expected warning that is not reported', async () => {
    await assertionFailure(tester.assertValid(guard, { enable: fix, warnings: ['noted'] }), /^warning codes differ/, 'findings: none');
  });

  it('fails when the operation fails without any finding, naming the errno', async () => {
    // Loading a module that is already loaded: insmod says EEXIST before any gate runs.
    await assertionFailure(tester.assertValid(guard, { installed: [fix], enable: fix }), /^expected enable fix to succeed, got EEXIST/);
  });

  it('at severity `warn`, an error becomes a warning and the case is valid', async () => {
    await expect(tester.assertValid(guard, { enable: tagged('bad'), severity: 'warn', warnings: ['tagged'] })).resolves.toBeUndefined();
    await assertionFailure(tester.assertValid(guard, { enable: tagged('bad'), severity: 'warn' }), /^warning codes differ/);
  });
});

describe('assertInvalid', () => {
  it('passes with the codes reported, in order, as strings or objects with data and message', async () => {
    await expect(tester.assertInvalid(guard, { enable: tagged('bad'), errors: ['tagged'] })).resolves.toBeUndefined();
    await expect(
      tester.assertInvalid(guard, {
        enable: tagged('bad', 'twice'),
        errors: [
          { code: 'tagged', data: { tag: 'bad' }, message: "'fix' is tagged `bad`" },
          { code: 'tagged', data: { patch: 'fix', tag: 'twice' }, message: /tagged `twice`$/ },
        ],
      }),
    ).resolves.toBeUndefined();
  });

  it('compares only the data keys the case lists', async () => {
    await expect(tester.assertInvalid(guard, { enable: tagged('bad'), errors: [{ code: 'tagged', data: { tag: 'bad' } }] })).resolves.toBeUndefined();
  });

  it('fails on a wrong code, listing the findings', async () => {
    await assertionFailure(
      tester.assertInvalid(guard, { enable: tagged('bad'), errors: ['other'] }),
      /^error codes differ for enable fix\nfindings:\n {2}\[error\] guard\/tagged: 'fix' is tagged `bad`/,
    );
  });

  it('fails when the policy allows the operation, saying there were no findings', async () => {
    await assertionFailure(tester.assertInvalid(guard, { name: 'clean', enable: fix, errors: ['tagged'] }), /^error codes differ for 'clean' \(enable fix\)\nfindings: none/);
  });

  it('fails on too few expected errors', async () => {
    await assertionFailure(tester.assertInvalid(guard, { enable: tagged('bad', 'twice'), errors: ['tagged'] }), /^error codes differ/);
  });

  it('fails on too many expected errors', async () => {
    await assertionFailure(tester.assertInvalid(guard, { enable: tagged('bad'), errors: ['tagged', 'tagged'] }), /^error codes differ/);
  });

  it('compares the errors in order', async () => {
    await assertionFailure(
      tester.assertInvalid(guard, {
        enable: tagged('bad', 'twice'),
        errors: [
          { code: 'tagged', data: { tag: 'twice' } },
          { code: 'tagged', data: { tag: 'bad' } },
        ],
      }),
      /^error 1 \(tagged\) of enable fix: data `tag` differs/,
    );
  });

  it('fails on data that does not match, naming the key', async () => {
    await assertionFailure(
      tester.assertInvalid(guard, { enable: tagged('bad'), errors: [{ code: 'tagged', data: { tag: 'worse' } }] }),
      /^error 1 \(tagged\) of enable fix: data `tag` differs/,
    );
    // A key the finding does not have is not equal to a value.
    await assertionFailure(tester.assertInvalid(guard, { enable: tagged('bad'), errors: [{ code: 'tagged', data: { vendor: 'acme' } }] }), 'data `vendor` differs');
  });

  it('fails on a message string that is not the exact message', async () => {
    await assertionFailure(
      tester.assertInvalid(guard, { enable: tagged('bad'), errors: [{ code: 'tagged', message: "'fix' is tagged" }] }),
      /^error 1 \(tagged\) of enable fix: message differs/,
    );
  });

  it('fails on a message pattern that does not match, showing both', async () => {
    await assertionFailure(
      tester.assertInvalid(guard, { enable: tagged('bad'), errors: [{ code: 'tagged', message: /is denied/ }] }),
      "error 1 (tagged) of enable fix: message \"'fix' is tagged `bad`\" does not match /is denied/",
    );
  });

  it('refuses a case without `errors` with a message saying so, not a TypeError', async () => {
    const err = await failure(tester.assertInvalid(guard, { name: 'no errors', enable: tagged('bad') } as unknown as InvalidCase));
    expect(err).not.toBeInstanceOf(TypeError);
    expect(err.message).toBe(
      "PolicyTester: invalid case 'no errors' (enable fix) has no `errors`: list the error findings expected (at least one); a case the policy allows belongs in `valid`",
    );
  });

  it('refuses a case with empty `errors`', async () => {
    await expect(tester.assertInvalid(guard, { enable: tagged('bad'), errors: [] })).rejects.toThrow(/^PolicyTester: invalid case enable fix has empty `errors`/);
  });

  it('checks the warnings of an invalid case too', async () => {
    await expect(tester.assertInvalid(guard, { enable: tagged('bad', 'note'), errors: ['tagged'], warnings: ['noted'] })).resolves.toBeUndefined();
    await assertionFailure(tester.assertInvalid(guard, { enable: tagged('bad', 'note'), errors: ['tagged'] }), /^warning codes differ/);
  });

  it('refuses a disable and a module load the policy denies', async () => {
    await expect(
      tester.assertInvalid(guard, { installed: [fix], disable: 'fix', options: { blockDisable: true }, errors: [{ code: 'no-disable', data: { patch: 'fix' } }] }),
    ).resolves.toBeUndefined();
    await expect(
      tester.assertInvalid(guard, {
        installed: [modFix],
        loadModule: 'tgt',
        options: { blockModules: true },
        errors: [{ code: 'no-module', data: { module: 'tgt', patches: ['mod-fix'] } }],
      }),
    ).resolves.toBeUndefined();
  });
});

describe('malformed cases', () => {
  it('refuses a case without an operation', async () => {
    await expect(tester.runCase(guard, {} as ValidCase)).rejects.toThrow(
      'PolicyTester: a case needs exactly one operation, `enable`, `disable` or `loadModule` (it has none)',
    );
    await expect(tester.assertValid(guard, { name: 'empty' } as ValidCase)).rejects.toThrow(/^PolicyTester: case 'empty' needs exactly one operation/);
  });

  it('refuses a case with two operations instead of running one of them', async () => {
    await expect(tester.runCase(guard, { enable: fix, loadModule: 'tgt' } as unknown as ValidCase)).rejects.toThrow(/\(it has `enable` and `loadModule`\)$/);
    await expect(tester.runCase(guard, { installed: [fix], disable: 'fix', loadModule: 'tgt' } as unknown as ValidCase)).rejects.toThrow(
      /\(it has `disable` and `loadModule`\)$/,
    );
  });

  it('an operation set to undefined does not count', async () => {
    const outcome = await tester.runCase(guard, { enable: undefined, loadModule: 'tgt' } as unknown as ValidCase);
    expect(outcome.result).toBe(0);
  });

  it('refuses to disable a patch that is not in `installed`, naming those that are', async () => {
    await expect(tester.runCase(guard, { disable: 'ghost' })).rejects.toThrow("PolicyTester: cannot disable 'ghost': it is not in `installed` (installed: none)");
    await expect(tester.assertValid(guard, { name: 'typo', installed: [fix, modFix], disable: 'fixx' })).rejects.toThrow(
      "PolicyTester: case 'typo': cannot disable 'fixx': it is not in `installed` (installed: 'fix', 'mod-fix')",
    );
  });

  it('throws on options the policy schema rejects, naming the option (a valid case does not pass)', async () => {
    const err = await failure(tester.assertValid(guard, { enable: fix, options: { deny: 42 } }));
    expect(err).toMatchObject({ code: 'PW_POLICY_OPTIONS' });
    expect(err.message).toMatch(/^invalid options for policy `guard`: option `deny`: expected string/);
    await expect(tester.runCase(guard, { enable: fix, options: { dney: 'x' } })).rejects.toThrow(/unknown option `dney`/);
    await expect(tester.assertInvalid(guard, { enable: tagged('bad'), options: { deny: '' }, errors: ['tagged'] })).rejects.toMatchObject({ code: 'PW_POLICY_OPTIONS' });
  });

  it('throws when the set-up fails, instead of asserting', async () => {
    // A patch whose pre-patch callback fails cannot be installed.
    const broken = { name: 'broken', objects: [{ name: 'vmlinux', functions: ['meminfo_proc_show'], callbacks: { prePatch: [{ fail: 'ENODEV' as const }] } }] };
    const err = await failure(tester.assertValid(guard, { installed: [broken], enable: fix }));
    expect(err).not.toBeInstanceOf(AssertionError);
    expect(err.message).toBe("PolicyTester: could not install broken (ENODEV); check the case's set-up");
  });

  it('throws on a `now` it cannot parse', async () => {
    await expect(tester.runCase(guard, { enable: fix, now: 'next tuesday' })).rejects.toThrow('PolicyTester: `now: next tuesday` is not a date (use ISO 8601)');
  });
});

describe('a policy that crashes', () => {
  const crashed = /^the policy crashed in enable fix: policy-threw: policy `guard` threw: kaboom \(in the `prePatch` hook\)/;

  it('fails a valid case', async () => {
    await assertionFailure(tester.assertValid(guard, { enable: tagged('boom') }), crashed);
  });

  it('fails an invalid case even when it lists the crash as expected', async () => {
    await assertionFailure(tester.assertInvalid(guard, { enable: tagged('boom'), errors: ['policy-threw'] }), crashed);
  });

  it('fails at severity `warn`, where the crash is only a warning', async () => {
    await assertionFailure(tester.assertValid(guard, { enable: tagged('boom'), severity: 'warn', warnings: ['policy-threw'] }), /^the policy crashed/);
  });

  it('fails on a rejected promise as on a throw', async () => {
    await assertionFailure(tester.assertValid(guard, { enable: tagged('reject') }), 'policy-rejected: policy `guard` rejected: registry down (in the `prePatch` hook)');
  });

  it('runCase shows the crash as the core reports it: an error finding that refuses', async () => {
    const outcome = await tester.runCase(guard, { enable: tagged('boom') });
    expect(outcome.result).toBe(-1);
    expect(outcome.findings).toMatchObject([{ policy: 'guard', code: 'policy-threw', severity: 'error', data: { hook: 'prePatch' } }]);
  });

  it('a message id of the policy that looks like a crash code is an ordinary finding', async () => {
    const odd = definePolicy({
      name: 'odd',
      meta: { docs: { description: 'Reports with a code the core also uses.' }, messages: { 'policy-threw': 'no' } },
      apply(hooks) {
        hooks.prePatch((_ctx, report) => report({ messageId: 'policy-threw' }));
      },
    });
    await expect(tester.assertInvalid(odd, { enable: fix, errors: ['policy-threw'] })).resolves.toBeUndefined();
  });

  it('a policy that throws while applying its hooks rejects the case with PW_POLICY_APPLY', async () => {
    const broken = definePolicy({
      name: 'broken',
      meta: { docs: { description: 'Cannot even tap.' }, messages: {} },
      apply() {
        throw new Error('no hooks today');
      },
    });
    const err = await failure(tester.assertValid(broken, { enable: fix }));
    expect(err).toMatchObject({ code: 'PW_POLICY_APPLY' });
    expect(err.message).toMatch(/policy `broken` failed while applying its hooks: no hooks today/);
  });
});

describe('defaults', () => {
  // `clock` reports what the gate saw as data: the machine's time and `uname -r`.
  const seen = async (t: PolicyTester, c: Partial<ValidCase> = {}) => {
    const outcome = await t.runCase(guard, { enable: tagged('clock'), ...c } as ValidCase);
    return outcome.findings.find((f) => f.code === 'clock')?.data;
  };

  it('kernel and now from the defaults reach the policy; a case overrides them', async () => {
    const t = new PolicyTester({ kernel: '6.8.0-45-generic', now: '2026-11-24T10:15:00Z' });
    expect(await seen(t)).toEqual({ now: Date.UTC(2026, 10, 24, 10, 15), kernel: '6.8.0-45-generic' });
    expect(await seen(t, { kernel: '6.1.0-13-amd64' })).toEqual({ now: Date.UTC(2026, 10, 24, 10, 15), kernel: '6.1.0-13-amd64' });
    expect(await seen(t, { now: Date.UTC(2027, 0, 2) })).toMatchObject({ now: Date.UTC(2027, 0, 2) });
  });

  it('without defaults, the machine boots at 2026-01-01T00:00:00Z', async () => {
    expect(await seen(tester)).toMatchObject({ now: Date.UTC(2026, 0, 1) });
  });

  it('each installed patch takes 2 s of machine time before the operation', async () => {
    const installed = [
      { name: 'one', functions: ['meminfo_proc_show'] },
      { name: 'two', functions: ['__x64_sys_getpid'] },
    ];
    expect(await seen(tester, { installed })).toMatchObject({ now: Date.UTC(2026, 0, 1) + 4000 });
  });

  it('options from the defaults apply; a case`s options replace them', async () => {
    const t = new PolicyTester({ options: { deny: 'acme' } });
    await expect(t.assertInvalid(guard, { enable: tagged('acme'), errors: ['tagged'] })).resolves.toBeUndefined();
    await expect(t.assertValid(guard, { enable: tagged('bad') })).resolves.toBeUndefined();
    await expect(t.assertValid(guard, { enable: tagged('acme'), options: { blockDisable: true } })).resolves.toBeUndefined();
  });

  it('installed patches from the defaults are there for every case', async () => {
    const t = new PolicyTester({ installed: [fix], options: { blockDisable: true } });
    await expect(t.assertInvalid(guard, { disable: 'fix', errors: ['no-disable'] })).resolves.toBeUndefined();
  });
});

describe('CaseOutcome', () => {
  it('a refused enable: -EPERM, one prePatch decision, the findings in the order reported', async () => {
    const outcome = await tester.runCase(guard, { enable: tagged('bad', 'twice', 'note') });
    expect(outcome.result).toBe(-1);
    expect(outcome.decisions).toHaveLength(1);
    expect(outcome.decisions[0]).toMatchObject({ gate: 'prePatch', operation: 'enable', patch: 'fix', allowed: false, policies: [{ name: 'guard', version: '1.0.0' }] });
    expect(outcome.findings.map((f) => [f.severity, f.code, f.data.tag])).toEqual([
      ['error', 'tagged', 'bad'],
      ['error', 'tagged', 'twice'],
      ['warn', 'noted', undefined],
    ]);
    expect(outcome.findings).toEqual(outcome.decisions[0]?.findings);
  });

  it('an allowed enable: 0, an allowing decision, the patch enabled on the machine', async () => {
    const outcome = await tester.runCase(guard, { enable: fix });
    expect(outcome.result).toBe(0);
    expect(outcome.decisions).toMatchObject([{ gate: 'prePatch', allowed: true, findings: [] }]);
    expect(outcome.machine.read('/sys/kernel/livepatch/fix/enabled').trim()).toBe('1');
  });

  it('the machine log has the policy`s lines', async () => {
    const { machine } = await tester.runCase(guard, { enable: tagged('bad') });
    const lines = machine.log.records().map((r) => `${r.level} ${r.text}`);
    expect(lines).toContain("err patchwise: guard: tagged: 'fix' is tagged `bad`");
    expect(lines).toContain("err patchwise: refusing to enable patch 'fix'");
  });

  it('installed patches are the situation: the policy does not judge them, and only the operation is recorded', async () => {
    const outcome = await tester.runCase(guard, { installed: [tagged('bad')], enable: { name: 'other', functions: ['meminfo_proc_show'] } });
    expect(outcome.result).toBe(0);
    expect(outcome.decisions).toMatchObject([{ operation: 'enable', patch: 'other' }]);
  });

  it('a refused disable leaves the patch enabled', async () => {
    const outcome = await tester.runCase(guard, { installed: [fix], disable: 'fix', options: { blockDisable: true } });
    expect(outcome.result).toBe(-1);
    expect(outcome.decisions).toMatchObject([{ gate: 'preUnpatch', operation: 'disable', patch: 'fix', allowed: false }]);
    expect(outcome.machine.read('/sys/kernel/livepatch/fix/enabled').trim()).toBe('1');
  });

  it('a module load: the moduleComing decision names the module, not a patch', async () => {
    const outcome = await tester.runCase(guard, { installed: [modFix], loadModule: 'tgt', options: { blockModules: true } });
    expect(outcome.result).toBe(-1);
    expect(outcome.decisions).toMatchObject([{ gate: 'moduleComing', operation: 'load-module', patch: null, module: 'tgt', allowed: false }]);
    expect(outcome.findings[0]?.message).toBe("module 'tgt' may not load while mod-fix patch it");
  });

  it('`modules` are loaded first, with the functions the manifests name for them', async () => {
    const outcome = await tester.runCase(guard, { modules: ['tgt'], enable: modFix });
    expect(outcome.result).toBe(0);
    expect(outcome.machine.read('/sys/kernel/livepatch/mod-fix/tgt/patched').trim()).toBe('1');
  });
});

describe('run', () => {
  type Registered = { path: string[]; only: boolean; fn: () => Promise<void> };
  const saved = { describe: PolicyTester.describe, it: PolicyTester.it };
  afterEach(() => {
    PolicyTester.describe = saved.describe;
    PolicyTester.it = saved.it;
  });

  /** A framework that runs describe blocks at once and records each test's place and function. */
  function fakeFramework({ withOnly = true } = {}) {
    const tests: Registered[] = [];
    const stack: string[] = [];
    const describeFn = (title: string, fn: () => void) => {
      stack.push(title);
      try {
        fn();
      } finally {
        stack.pop();
      }
    };
    const record = (only: boolean) => (title: string, fn: () => Promise<void>) => void tests.push({ path: [...stack, title], only, fn });
    const itFn = withOnly ? Object.assign(record(false), { only: record(true) }) : record(false);
    PolicyTester.describe = describeFn;
    PolicyTester.it = itFn;
    return tests;
  }

  const cases = {
    valid: [{ enable: fix }, { name: 'named', installed: [fix], disable: 'fix' }, { loadModule: 'tgt' }],
    invalid: [{ enable: tagged('bad'), errors: ['tagged'] }, { enable: tagged('bad'), errors: ['wrong'] }],
  } satisfies { valid: ValidCase[]; invalid: InvalidCase[] };

  it('registers policy > valid | invalid > one test per case, numbered per list', () => {
    const tests = fakeFramework();
    new PolicyTester().run(guard, cases);
    expect(tests.map((t) => t.path.join(' > '))).toEqual([
      'guard > valid > #1: enable fix',
      'guard > valid > named',
      'guard > valid > #3: load module tgt',
      'guard > invalid > #1: enable fix',
      'guard > invalid > #2: enable fix',
    ]);
  });

  it('each registered test asserts its case as valid or invalid', async () => {
    const tests = fakeFramework();
    new PolicyTester().run(guard, { valid: [{ enable: fix }, { enable: tagged('bad') }], invalid: cases.invalid });
    const [validOk, validDenied, invalidOk, invalidWrong] = tests;
    await expect(validOk!.fn()).resolves.toBeUndefined();
    await assertionFailure(validDenied!.fn(), /^expected no error findings/);
    await expect(invalidOk!.fn()).resolves.toBeUndefined();
    await assertionFailure(invalidWrong!.fn(), /^error codes differ/);
  });

  it('uses the tester`s defaults in registered tests', async () => {
    const tests = fakeFramework();
    new PolicyTester({ options: { deny: 'acme' } }).run(guard, { invalid: [{ enable: tagged('acme'), errors: ['tagged'] }] });
    await expect(tests[0]!.fn()).resolves.toBeUndefined();
  });

  it('a malformed case fails its own test, not the registration', async () => {
    const tests = fakeFramework();
    new PolicyTester().run(guard, { valid: [{} as ValidCase, { enable: fix }] });
    expect(tests.map((t) => t.path.at(-1))).toEqual(['#1: no operation', '#2: enable fix']);
    await expect(tests[0]!.fn()).rejects.toThrow(/needs exactly one operation/);
  });

  it('`only` registers with it.only, or with it when the framework has none', () => {
    let tests = fakeFramework();
    new PolicyTester().run(guard, { valid: [{ enable: fix }, { enable: fix, only: true }] });
    expect(tests.map((t) => t.only)).toEqual([false, true]);
    tests = fakeFramework({ withOnly: false });
    new PolicyTester().run(guard, { valid: [{ enable: fix, only: true }] });
    expect(tests).toHaveLength(1);
  });

  it('registers both groups even when a list is missing', () => {
    const groups: string[] = [];
    PolicyTester.describe = (title, fn) => {
      groups.push(title);
      fn();
    };
    PolicyTester.it = () => undefined;
    new PolicyTester().run(guard as Policy, {});
    expect(groups).toEqual(['guard', 'valid', 'invalid']);
  });

  it('throws without describe and it, and falls back to the globals', () => {
    PolicyTester.describe = undefined;
    PolicyTester.it = undefined;
    const g = globalThis as { describe?: unknown; it?: unknown };
    expect(g.describe).toBeUndefined(); // vitest runs without globals here
    expect(() => new PolicyTester().run(guard, cases)).toThrow(/PolicyTester needs `describe` and `it`/);
    const titles: string[] = [];
    g.describe = (_title: string, fn: () => void) => fn();
    g.it = (title: string) => void titles.push(title);
    try {
      new PolicyTester().run(guard, { valid: [{ enable: fix }] });
    } finally {
      delete g.describe;
      delete g.it;
    }
    expect(titles).toEqual(['#1: enable fix']);
  });
});
