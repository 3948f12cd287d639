/**
 * What `patchwise` prints: `--format json` parsed back line by line, states saved by `run` and read
 * by `check`, colors (--no-color, NO_COLOR), and `--help` of every verb.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANSI, cli, fx, jsonLines, STACK, temp, tempPath } from './support.js';

describe('--format json', () => {
  const config = ['--config', fx('configs/vendor-tags.yaml')];

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

  it('--format json: one decision record per line, then a summary', async () => {
    const r = await cli(['check', fx('patches/acme-fix.yaml'), fx('patches/beta-fix.yaml'), ...config, '--format', 'json']);
    expect(r.code).toBe(1);
    const lines = jsonLines(r.stdout);
    const summary = lines.at(-1) as { type: string; decisions: number; allowed: number; denied: number };
    const records = lines.slice(0, -1);
    // Without --time, the time judged at is now (checked in use.test.ts).
    expect(summary).toEqual({ type: 'summary', decisions: records.length, allowed: records.length - 1, denied: 1, time: expect.any(String), kernel: '6.14.0-patchwise' });
    expect(records.length).toBeGreaterThanOrEqual(2);
    for (const d of records) {
      expect(d.type).toBe('decision');
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

  it('2 for a state file that does not exist, naming it', async () => {
    const missing = join(temp, 'no-such.state.json');
    const r = await cli(['check', '--state', missing, fx('patches/beta-fix.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no-such.state.json');
    expect(r.stderr).not.toContain('internal error');
  });

  it('2 for a state file that is not one', async () => {
    const r = await cli(['check', '--state', fx('patches/acme-fix.yaml'), fx('patches/beta-fix.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('acme-fix.yaml');
    expect(r.stderr).not.toMatch(STACK);
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

describe('--decisions FILE', () => {
  it('appends every decision as a JSON record, one per line', async () => {
    const config = ['--config', fx('configs/vendor-tags.yaml')];
    const log = tempPath('audit.jsonl');
    const first = await cli(['check', fx('patches/acme-fix.yaml'), ...config, '--decisions', log]);
    expect(first.code, first.stderr).toBe(0);
    const afterRun = readFileSync(log, 'utf8').trimEnd().split('\n');
    const checked = await cli(['check', fx('patches/acme-fix.yaml'), fx('patches/beta-fix.yaml'), ...config, '--decisions', log]);
    expect(checked.code).toBe(1);
    const all = readFileSync(log, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { outcome: string; policies: unknown[] });
    // Appended, not overwritten: the run's records are still first.
    expect(all.length).toBeGreaterThan(afterRun.length);
    expect(all.slice(0, afterRun.length)).toEqual(afterRun.map((l) => JSON.parse(l)));
    expect(all.at(-1)?.outcome).toBe('denied');
    for (const record of all) expect(record).toHaveProperty('policies');
  });
});
