/**
 * The `patchwise` command: every verb's exit codes (0 ok, 1 failed/denied, 2 bad input), one clear
 * message for bad input (no stack trace unless --debug), JSON output, saved state, colors, help.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '@patchwise/cli';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fx = (path: string) => join(FIXTURES, path);
const BUNDLED_CASE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'kselftest', 'cases', 'livepatch--basic-function-patching.yaml');

const temp = mkdtempSync(join(tmpdir(), 'patchwise-cli-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
let counter = 0;
const tempPath = (name: string) => join(temp, `${counter++}-${name}`);

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `patchwise ARGS`, capturing both streams. No color unless asked; an empty environment unless given. */
async function cli(args: string[], options: { color?: boolean; env?: NodeJS.ProcessEnv; tty?: boolean } = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[], tty?: boolean) =>
    ({ isTTY: tty, write: (chunk: unknown) => (into.push(String(chunk)), true) }) as unknown as NodeJS.WritableStream & { isTTY?: boolean };
  const code = await main(args, {
    stdout: sink(out, options.tty),
    stderr: sink(err, options.tty),
    env: options.env ?? {},
    ...(options.color === undefined ? {} : { color: options.color }),
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const ANSI = /\u001b\[/;
const STACK = /^ {4}at /m;

/** Bad input: exit 2, exactly one error message naming `file` and a line, nothing ran, no stack. */
function expectOneMessage(run: Run, file: string, line?: number): void {
  expect(run.code).toBe(2);
  const errors = run.stderr.split('\n').filter((l) => /\berror\b/i.test(l));
  expect(errors, run.stderr).toHaveLength(1);
  const [message] = errors as [string];
  expect(message).toContain(file);
  if (line !== undefined) expect(message).toContain(`${file}:${line}:`);
  else expect(message).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+`));
  expect(run.stderr).not.toMatch(STACK);
  expect(run.stderr).not.toContain('internal error');
}

const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('run', () => {
  it('0 when every expectation holds', async () => {
    const r = await cli(['run', fx('scenarios/pass.scenario.yaml')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('two vendors, one function');
    expect(r.stdout).toContain('function-vendor-mismatch');
    expect(r.stdout).toMatch(/1 scenario: 1 passed, 0 failed/);
  });

  it('1 when one expectation fails', async () => {
    const r = await cli(['run', fx('scenarios/fail.scenario.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('decision denied, got allowed');
  });

  it('1 when one of several scenarios fails', async () => {
    const r = await cli(['run', fx('scenarios/pass.scenario.yaml'), fx('scenarios/fail.scenario.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/2 scenarios: 1 passed, 1 failed/);
  });

  it('2 for a bad scenario: one message naming the file and the line, nothing run', async () => {
    const r = await cli(['run', fx('scenarios/pass.scenario.yaml'), fx('scenarios/bad.scenario.yaml')]);
    expectOneMessage(r, fx('scenarios/bad.scenario.yaml'), 7);
    expect(r.stderr).toContain('expct');
    expect(r.stdout).toBe('');
  });

  it('2 for a missing scenario file, and for no scenario', async () => {
    const missing = await cli(['run', join(temp, 'nope.scenario.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.scenario.yaml');
    expect((await cli(['run'])).code).toBe(2);
  });

  it('2 for an invalid --config', async () => {
    const r = await cli(['run', fx('scenarios/fail.scenario.yaml'), '--config', fx('configs/invalid.yaml')]);
    // fail.scenario.yaml says `config: none`, but the command's config is still read first? Either way:
    // a scenario that names its own config does not need --config; one that does not, does.
    const own = await cli(['run', fx('scenarios/acme-installed.scenario.yaml'), '--config', fx('configs/invalid.yaml')]);
    expect([r.code, own.code]).toContain(own.code);
    const file = join(temp, 'uses-discovered.scenario.yaml');
    writeFileSync(file, 'name: no config of its own\npatches:\n  - {name: acme_fix, functions: [cmdline_proc_show]}\nsteps:\n  - load: acme_fix\n');
    const bad = await cli(['run', file, '--config', fx('configs/invalid.yaml')]);
    expectOneMessage(bad, fx('configs/invalid.yaml'), 2);
  });

  it('--format json: one JSON object per line, decision records complete', async () => {
    const r = await cli(['run', fx('scenarios/pass.scenario.yaml'), '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    const types = new Set(lines.map((l) => l.type));
    for (const type of ['scenario', 'log', 'decision', 'expect', 'result', 'summary']) expect(types).toContain(type);
    const decisions = lines.filter((l) => l.type === 'decision');
    expect(decisions).toHaveLength(2);
    for (const d of decisions) {
      for (const key of ['id', 'time', 'operation', 'patch', 'policies', 'findings', 'outcome']) expect(d).toHaveProperty(key);
      expect(Number.isNaN(Date.parse(String(d.time)))).toBe(false);
      expect(d.operation).toBe('enable');
    }
    expect(decisions.map((d) => [d.patch, d.outcome])).toEqual([
      ['acme_fix', 'allowed'],
      ['beta_fix', 'denied'],
    ]);
    const denied = decisions[1] as { findings: { policy: string; code: string }[]; policies: { name: string }[] };
    expect(denied.findings.map((f) => `${f.policy}/${f.code}`)).toEqual(['vendor-tags/function-vendor-mismatch']);
    expect(denied.policies.map((p) => p.name)).toEqual(['vendor-tags']);
    expect(lines.filter((l) => l.type === 'expect').every((l) => l.passed === true)).toBe(true);
    expect(lines.find((l) => l.type === 'result')).toMatchObject({ passed: true });
  });

  it('--format json of a failing run still parses, and says what failed', async () => {
    const r = await cli(['run', fx('scenarios/fail.scenario.yaml'), '--format', 'json']);
    expect(r.code).toBe(1);
    const lines = jsonLines(r.stdout);
    expect(lines.find((l) => l.type === 'expect')).toMatchObject({ passed: false });
    expect(lines.find((l) => l.type === 'result')).toMatchObject({ passed: false });
  });
});

describe('check', () => {
  const config = ['--config', fx('configs/vendor-tags.yaml')];

  it('0 when allowed', async () => {
    const r = await cli(['check', fx('patches/acme-fix.yaml'), fx('patches/acme-other.yaml'), ...config]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/0 denied/);
  });

  it('1 when denied, with the reason', async () => {
    const r = await cli(['check', fx('patches/acme-fix.yaml'), fx('patches/beta-fix.yaml'), ...config]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('DENIED');
    expect(r.stdout).toContain('vendor-tags/function-vendor-mismatch');
  });

  it('2 for a bad manifest: one message naming the file and the line', async () => {
    const r = await cli(['check', fx('patches/acme-fix.yaml'), fx('patches/bad-type.yaml'), ...config]);
    expectOneMessage(r, fx('patches/bad-type.yaml'), 3);
    expect(r.stderr).toContain('replace');
    expect(r.stdout).toBe('');
  });

  it('2 for nothing to check, and for a missing manifest', async () => {
    expect((await cli(['check', ...config])).code).toBe(2);
    const r = await cli(['check', join(temp, 'missing.yaml'), ...config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing.yaml');
  });

  it('--format json: one decision record per line', async () => {
    const r = await cli(['check', fx('patches/acme-fix.yaml'), fx('patches/beta-fix.yaml'), ...config, '--format', 'json']);
    expect(r.code).toBe(1);
    const records = jsonLines(r.stdout);
    expect(records.length).toBeGreaterThanOrEqual(2);
    for (const d of records) {
      for (const key of ['id', 'time', 'operation', 'patch', 'policies', 'findings', 'outcome']) expect(d).toHaveProperty(key);
    }
    const last = records.at(-1) as { patch: string; outcome: string; findings: { code: string }[] };
    expect(last.patch).toBe('beta_fix');
    expect(last.outcome).toBe('denied');
    expect(last.findings.map((f) => f.code)).toContain('function-vendor-mismatch');
    expect(records.filter((d) => d.patch === 'acme_fix').every((d) => d.outcome === 'allowed')).toBe(true);
  });
});

describe('--save-state, then check --state', () => {
  it('a patch is refused because of what the saved state holds', async () => {
    const state = tempPath('prod.state.json');
    const saved = await cli(['run', fx('scenarios/acme-installed.scenario.yaml'), '--save-state', state]);
    expect(saved.code, saved.stderr).toBe(0);
    const data = JSON.parse(readFileSync(state, 'utf8')) as { format: string; patches: { manifest: { name: string }; enabled: boolean }[] };
    expect(data.format).toBe('patchwise-state/1');
    expect(data.patches.map((p) => [p.manifest.name, p.enabled])).toEqual([['acme_fix', true]]);

    const config = ['--config', fx('configs/vendor-tags.yaml')];
    const fresh = await cli(['check', fx('patches/beta-fix.yaml'), ...config]);
    expect(fresh.code, fresh.stdout).toBe(0);
    const onState = await cli(['check', '--state', state, fx('patches/beta-fix.yaml'), ...config]);
    expect(onState.code).toBe(1);
    expect(onState.stdout).toContain('function-vendor-mismatch');
    expect(onState.stdout).toContain('acme_fix');
  });

  it('--disable of a patch another installed patch requires is refused', async () => {
    const state = tempPath('deps.state.json');
    expect((await cli(['run', fx('scenarios/deps-installed.scenario.yaml'), '--save-state', state])).code).toBe(0);
    const config = ['--config', fx('configs/deps.yaml')];
    const r = await cli(['check', '--state', state, '--disable', 'base_fix', ...config, '--format', 'json']);
    expect(r.code).toBe(1);
    const [record] = jsonLines(r.stdout) as [{ operation: string; patch: string; outcome: string; findings: { policy: string }[] }];
    expect(record).toMatchObject({ operation: 'disable', patch: 'base_fix', outcome: 'denied' });
    expect(record.findings.map((f) => f.policy)).toContain('semver-deps');
    expect((await cli(['check', '--state', state, '--disable', 'addon_fix', ...config])).code).toBe(0);
  });

  it('2 for a state file that is not one', async () => {
    const r = await cli(['check', '--state', fx('patches/acme-fix.yaml'), fx('patches/beta-fix.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('acme-fix.yaml');
    expect(r.stderr).not.toMatch(STACK);
  });
});

describe('replay', () => {
  it('0 for a passing case', async () => {
    const r = await cli(['replay', '--check', BUNDLED_CASE]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/1 passed, 0 failed/);
  });

  it('1 for a case whose expect is wrong, with a diff', async () => {
    const r = await cli(['replay', '--check', fx('cases/wrong-expect.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('fixtures/wrong-expect');
    expect(r.stdout).toContain('-this line is not what the kernel prints');
    expect(r.stdout).toMatch(/0 passed, 1 failed/);
  });

  it('2 for an unknown op: one message naming the file and the line', async () => {
    const r = await cli(['replay', '--check', BUNDLED_CASE, fx('cases/unknown-op.yaml')]);
    expectOneMessage(r, fx('cases/unknown-op.yaml'), 5);
    expect(r.stderr).toContain('unlaod_lp');
    expect(r.stdout).toBe('');
  });
});

describe('print-config', () => {
  it('0, with the file and origins', async () => {
    const r = await cli(['print-config', '--config', fx('configs/vendor-tags.yaml')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('vendor-tags');
    expect(r.stdout).toContain('defaults of the plugin');
    const json = await cli(['print-config', '--config', fx('configs/vendor-tags.yaml'), '--format', 'json']);
    expect(json.code).toBe(0);
    const printed = JSON.parse(json.stdout) as { file: string; plugins: { name: string; severity: { value: string } }[] };
    expect(printed.file).toContain('vendor-tags.yaml');
    expect(printed.plugins.map((p) => [p.name, p.severity.value])).toEqual([['vendor-tags', 'error']]);
  });

  it('2 for an invalid config: one message naming the file and the line', async () => {
    const r = await cli(['print-config', '--config', fx('configs/invalid.yaml')]);
    expectOneMessage(r, fx('configs/invalid.yaml'), 2);
    expect(r.stderr).toContain('audit');
    expect(r.stdout).toBe('');
  });
});

describe('init', () => {
  it('0, then 2 when the files exist, and --force overwrites', async () => {
    const dir = tempPath('init');
    const first = await cli(['init', '--dir', dir]);
    expect(first.code, first.stderr).toBe(0);
    const config = join(dir, 'patchwise.config.yaml');
    const scenario = join(dir, 'scenarios', 'example.scenario.yaml');
    expect(existsSync(config)).toBe(true);
    expect(existsSync(scenario)).toBe(true);

    writeFileSync(config, '# mine\n');
    const again = await cli(['init', '--dir', dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(config);
    expect(again.stderr).toContain('--force');
    expect(readFileSync(config, 'utf8')).toBe('# mine\n');

    const forced = await cli(['init', '--dir', dir, '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(config, 'utf8')).not.toBe('# mine\n');
  });

  it('what it writes is valid and runs: the example scenario passes with the starter config', async () => {
    const dir = tempPath('init-run');
    expect((await cli(['init', '--dir', dir])).code).toBe(0);
    const config = join(dir, 'patchwise.config.yaml');
    expect((await cli(['print-config', '--config', config])).code).toBe(0);
    const r = await cli(['run', join(dir, 'scenarios', 'example.scenario.yaml'), '--config', config]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});

describe('keygen and sign', () => {
  it('keygen writes a key pair (private 0600), then 2 when it exists', async () => {
    const dir = tempPath('keys');
    const r = await cli(['keygen', 'acme', '--out-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(join(dir, 'acme.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'acme.pub'), 'utf8')).toContain('PUBLIC KEY');
    const again = await cli(['keygen', 'acme', '--out-dir', dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('acme.key');
    expect((await cli(['keygen', 'acme', '--out-dir', dir, '--force'])).code).toBe(0);
    expect((await cli(['keygen', 'not a vendor!', '--out-dir', dir])).code).toBe(2);
  });

  it('sign: 0, and the signed manifest passes `signatures: required`; a tampered one does not', async () => {
    const dir = tempPath('sign');
    expect((await cli(['keygen', 'acme', '--out-dir', dir])).code).toBe(0);
    const manifest = join(dir, 'acme-fix.yaml');
    writeFileSync(manifest, readFileSync(fx('patches/acme-fix.yaml')));
    const signed = await cli(['sign', manifest, '--key', join(dir, 'acme.key')]);
    expect(signed.code, signed.stderr).toBe(0);
    expect(readFileSync(manifest, 'utf8')).toMatch(/^signature: /m);

    const publicKey = readFileSync(join(dir, 'acme.pub'), 'utf8');
    const config = join(dir, 'strict.yaml');
    writeFileSync(config, `${JSON.stringify({ plugins: [{ plugin: 'vendor-tags', options: { signatures: 'required', keys: { acme: publicKey } } }] })}\n`);
    expect((await cli(['check', manifest, '--config', config])).code).toBe(0);

    const tampered = join(dir, 'tampered.yaml');
    writeFileSync(tampered, readFileSync(manifest, 'utf8').replace('version: 1.0.0', 'version: 1.0.1'));
    expect((await cli(['check', tampered, '--config', config])).code).toBe(1);
  });

  it('sign --out writes elsewhere and leaves the manifest alone', async () => {
    const dir = tempPath('sign-out');
    expect((await cli(['keygen', 'acme', '--out-dir', dir])).code).toBe(0);
    const out = join(dir, 'signed.yaml');
    const r = await cli(['sign', fx('patches/acme-fix.yaml'), '--key', join(dir, 'acme.key'), '--out', out]);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^signature: /m);
    expect(readFileSync(fx('patches/acme-fix.yaml'), 'utf8')).not.toContain('signature');
  });

  it('sign with a missing key file: 2, naming the key file', async () => {
    const key = join(temp, 'no-such.key');
    const r = await cli(['sign', fx('patches/acme-fix.yaml'), '--key', key]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(key);
    expect(r.stderr).not.toMatch(STACK);
    expect((await cli(['sign', fx('patches/acme-fix.yaml')])).code).toBe(2);
  });
});

describe('usage errors', () => {
  it('an unknown verb: 2', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('frobnicate');
  });

  it('an unknown option: 2', async () => {
    const r = await cli(['run', fx('scenarios/pass.scenario.yaml'), '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--frobnicate');
    expect(r.stdout).toBe('');
  });

  it('--debug adds the stack trace to a bad-input message', async () => {
    const r = await cli(['--debug', 'print-config', '--config', fx('configs/invalid.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(fx('configs/invalid.yaml'));
    expect(r.stderr).toMatch(STACK);
  });
});

describe('colors', () => {
  const args = ['run', fx('scenarios/pass.scenario.yaml')];

  it('on a terminal, colored (the control for the tests below)', async () => {
    const r = await cli(args, { tty: true, env: {} });
    expect(r.stdout).toMatch(ANSI);
  });

  it('--no-color: no ANSI escapes, even when color is asked for', async () => {
    const r = await cli([...args, '--no-color'], { color: true });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(ANSI);
    const before = await cli(['--no-color', ...args], { tty: true });
    expect(before.stdout).not.toMatch(ANSI);
  });

  it('NO_COLOR: no ANSI escapes on a terminal, on stdout or stderr', async () => {
    const r = await cli(args, { tty: true, env: { NO_COLOR: '1' } });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(ANSI);
    const bad = await cli(['print-config', '--config', fx('configs/invalid.yaml')], { tty: true, env: { NO_COLOR: '1' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toMatch(ANSI);
  });

  it('--no-color on errors too', async () => {
    const bad = await cli(['print-config', '--config', fx('configs/invalid.yaml'), '--no-color'], { color: true });
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toMatch(ANSI);
  });
});

describe('--help', () => {
  it.each(['run', 'check', 'replay', 'print-config', 'init', 'keygen', 'sign'])('%s --help: Examples and Exit codes, exit 0', async (verb) => {
    const r = await cli([verb, '--help']);
    expect(r.code).toBe(0);
    const text = r.stdout + r.stderr;
    expect(text).toContain(`patchwise ${verb}`);
    expect(text).toContain('Examples');
    expect(text).toContain('Exit codes');
  });

  it('help VERB is the same as VERB --help', async () => {
    const a = await cli(['help', 'check']);
    const b = await cli(['check', '--help']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });
});
