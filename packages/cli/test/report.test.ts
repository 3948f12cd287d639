/**
 * `--report FILE.html` on `run` and `replay`: checked before anything runs, written whole (a
 * temporary file beside it, renamed), and the printed output unchanged by it.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_CASE, cli, fx, STACK, tempPath } from './support.js';

const PASS = fx('scenarios/pass.scenario.yaml');

/** Bad input: 2, one error line naming `file`, no stack, nothing run (nothing printed on stdout). */
function refused(run: { code: number; stdout: string; stderr: string }, file: string, reason: string): void {
  expect(run.code).toBe(2);
  const errors = run.stderr.split('\n').filter((l) => /\berror\b/i.test(l));
  expect(errors, run.stderr).toHaveLength(1);
  expect(errors[0]).toContain(file);
  expect(run.stderr).toContain(reason);
  expect(run.stderr).not.toMatch(STACK);
  expect(run.stdout).toBe('');
}

describe('run --report', () => {
  it('writes one HTML page and prints exactly what it prints without it', async () => {
    const dir = tempPath('report');
    mkdirSync(dir);
    const file = join(dir, 'out.html');
    const [plain, reported] = [await cli(['run', PASS]), await cli(['run', PASS, '--report', file])];
    expect(reported.code).toBe(0);
    expect(reported.stdout).toBe(plain.stdout);
    expect(readdirSync(dir)).toEqual(['out.html']);
    const html = readFileSync(file, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('two vendors, one function');
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
  });

  it('replaces an existing report whole, leaving no temporary file', async () => {
    const dir = tempPath('replace');
    mkdirSync(dir);
    const file = join(dir, 'r.html');
    writeFileSync(file, 'old');
    expect((await cli(['run', PASS, '--report', file])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('<!doctype html>');
    expect(readdirSync(dir)).toEqual(['r.html']);
  });

  it('still writes the report when an expectation fails (exit 1)', async () => {
    const file = tempPath('fail.html');
    const r = await cli(['run', fx('scenarios/fail.scenario.yaml'), '--report', file]);
    expect(r.code).toBe(1);
    // The run's verdict is in the page's data.
    expect(readFileSync(file, 'utf8')).toContain('"passed":false');
  });

  it('2 for a name that is not .html, a missing folder, or a folder: nothing runs, nothing is written', async () => {
    const txt = tempPath('report.txt');
    refused(await cli(['run', PASS, '--report', txt]), txt, 'ends with `.html`');
    expect(() => readFileSync(txt)).toThrow();
    const missing = join(tempPath('nowhere'), 'r.html');
    refused(await cli(['run', PASS, '--report', missing]), missing, 'does not exist');
    const folder = tempPath('folder.html');
    mkdirSync(folder);
    refused(await cli(['run', PASS, '--report', folder]), folder, 'is a folder');
  });
});

describe('replay --report', () => {
  it('writes the cases as one page; the check output is unchanged', async () => {
    const file = tempPath('replay.html');
    const [plain, reported] = [await cli(['replay', '--check', BUNDLED_CASE]), await cli(['replay', '--check', BUNDLED_CASE, '--report', file])];
    expect(reported.code).toBe(0);
    expect(reported.stdout).toBe(plain.stdout);
    expect(readFileSync(file, 'utf8')).toContain('livepatch/basic-function-patching');
  });

  it('2 for a bad report path, before any case runs', async () => {
    const txt = tempPath('replay.txt');
    refused(await cli(['replay', BUNDLED_CASE, '--report', txt]), txt, 'ends with `.html`');
  });
});
