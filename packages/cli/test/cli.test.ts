/**
 * The `patchwise` command, verb by verb: exit codes (0 ok, 1 failed/denied, 2 bad input), one clear
 * message for bad input naming the file and the place, no stack trace unless --debug.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_CASE, cli, expectOneMessage, fx, STACK, temp, tempPath } from './support.js';

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
    expect(r.stdout).toContain('decision allowed, got denied');
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

  it('2 for an invalid --config, when a scenario uses the command\'s config', async () => {
    const file = tempPath('uses-discovered.scenario.yaml');
    writeFileSync(file, 'name: no config of its own\npatches:\n  - {name: acme_fix, functions: [cmdline_proc_show]}\nsteps:\n  - load: acme_fix\n');
    const bad = await cli(['run', file, '--config', fx('configs/invalid.yaml')]);
    expectOneMessage(bad, fx('configs/invalid.yaml'), 2);
    expect(bad.stdout).toBe('');
  });

  it('1 when a step dies, and the rest does not run', async () => {
    const r = await cli(['run', fx('scenarios/dies.scenario.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('stopped');
    expect(r.stdout).toContain('acme_fix');
    expect(r.stdout).not.toContain('expect transition');
  });

  it('2 for a folder without scenario files', async () => {
    const r = await cli(['run', fx('patches')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('patches');
  });

  it('2 for an unknown --format', async () => {
    const r = await cli(['run', fx('scenarios/pass.scenario.yaml'), '--format', 'yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('yaml');
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

  it('--audit: the denial becomes a warning, and the check passes', async () => {
    const r = await cli(['check', fx('patches/acme-fix.yaml'), fx('patches/beta-fix.yaml'), ...config, '--audit']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('function-vendor-mismatch');
    expect(r.stdout).toContain('audit');
  });

  it('2 for an unknown --format', async () => {
    const r = await cli(['check', fx('patches/acme-fix.yaml'), ...config, '--format', 'xml']);
    expect(r.code).toBe(2);
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

  it('2 for a case file that does not exist', async () => {
    const r = await cli(['replay', '--check', join(temp, 'no-such-case.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no-such-case.yaml');
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

  it('sign with a file that is not a private key: 2', async () => {
    const dir = tempPath('sign-bad-key');
    expect((await cli(['keygen', 'acme', '--out-dir', dir])).code).toBe(0);
    const r = await cli(['sign', fx('patches/acme-fix.yaml'), '--key', join(dir, 'acme.pub'), '--out', join(dir, 'x.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('acme.pub');
    expect(existsSync(join(dir, 'x.yaml'))).toBe(false);
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

describe('run --save-state with several scenarios', () => {
  const two = [fx('scenarios/acme-installed.scenario.yaml'), fx('scenarios/deps-installed.scenario.yaml')];

  it('a folder gets each scenario’s final state as NAME.state.json', async () => {
    const dir = `${tempPath('states')}/`;
    const r = await cli(['run', ...two, '--save-state', dir]);
    expect(r.code, r.stderr).toBe(0);
    const acme = JSON.parse(readFileSync(join(dir, 'acme-installed.state.json'), 'utf8')) as { patches: { manifest: { name: string } }[] };
    const deps = JSON.parse(readFileSync(join(dir, 'deps-installed.state.json'), 'utf8')) as { patches: { manifest: { name: string } }[] };
    expect(acme.patches.map((p) => p.manifest.name)).toEqual(['acme_fix']);
    expect(deps.patches.length).toBeGreaterThan(0);
    expect(deps.patches.map((p) => p.manifest.name)).not.toEqual(['acme_fix']);
  });

  it('one file for several scenarios is bad input, and nothing runs or is written', async () => {
    const file = tempPath('one.state.json');
    const r = await cli(['run', ...two, '--save-state', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is one file, and 2 scenarios run');
    expect(r.stdout).toBe('');
    expect(existsSync(file)).toBe(false);
  });
});
