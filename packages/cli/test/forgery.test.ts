/**
 * Forged and altered patches never pass (issue 11). Each test is an attack on a signed manifest,
 * and asserts the outcome: the forged patch is refused and nothing of it runs or is printed as
 * allowed (its output and its callbacks never appear), not only the exit code. The `__proto__`
 * forgery is also run through the installed command (the bundle), where it used to succeed.
 */
import { spawnSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateVendorKeys, signManifest } from '@patchwise/plugin-vendor-tags';
import { cli, STACK } from './support.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = join(ROOT, 'packages/cli/bin/patchwise.cjs');

const dir = mkdtempSync(join(tmpdir(), 'patchwise-forgery-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const acme = generateVendorKeys();
const config = file(
  'config.json',
  `${JSON.stringify({ plugins: [{ plugin: 'vendor-tags', options: { signatures: 'required', keys: { acme: acme.publicKey } } }] })}\n`,
);

/** acme's genuine patch: its manifest, signed by acme. */
const genuine = signManifest({ name: 'acme_fix', vendor: 'acme', version: '1.0.0', functions: ['cmdline_proc_show'] }, acme.privateKey);

/**
 * An unsigned manifest of the same name and function, with its own output and callback, whose
 * `metadata` carries acme's signed manifest under `__proto__` (JSON text: an object literal cannot
 * hold that key).
 */
const forgedText = [
  '{',
  '  "name": "acme_fix",',
  '  "objects": [{"name": "vmlinux", "functions": [{"name": "cmdline_proc_show", "output": "FORGED OUTPUT\\n"}],',
  '               "callbacks": {"prePatch": [{"log": "FORGED CALLBACK RAN"}]}}],',
  '  "metadata": {',
  `    "__proto__": ${JSON.stringify({ vendor: 'acme', version: '1.0.0', manifest: genuine })}`,
  '  }',
  '}',
  '',
].join('\n');

const scenario = (patchFile: string, name: string) =>
  file(
    `${name}.scenario.yaml`,
    [
      `name: ${name}`,
      'patches:',
      `  - file: ${patchFile}`,
      'tasks: [{name: reader, comm: cat}]',
      'steps:',
      '  - load: acme_fix',
      '  - log_grep: {pattern: FORGED, files: [/proc/cmdline]}',
      '',
    ].join('\n'),
  );

function bundled(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args, '--no-color'], { cwd: dir, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Refused as bad input, at the place: exit 2, nothing on stdout (no decision, no log), no stack. */
function expectRefused(run: { code: number | null; stdout: string; stderr: string }, place: RegExp, fragment: string) {
  expect(run.stdout).toBe('');
  expect(run.stdout + run.stderr).not.toContain('FORGED');
  expect(run.stdout).not.toContain('allowed');
  expect(run.stderr).toMatch(place);
  expect(run.stderr).toContain(fragment);
  expect(run.stderr).not.toMatch(STACK);
  expect(run.code, run.stderr).toBe(2);
}

describe('an unsigned manifest wearing a signed one under `metadata.__proto__`', () => {
  const forged = file('forged.json', forgedText);
  const genuineFile = file('genuine.json', `${JSON.stringify(genuine, null, 2)}\n`);

  it('control: the genuine signed manifest is allowed by the same config', () => {
    const run = bundled('check', '--config', config, genuineFile);
    expect(run.stdout).toContain("allowed  enable 'acme_fix'");
    expect(run.code, run.stderr).toBe(0);
  });

  it('the installed command (the bundle) refuses it in `check`, naming the key', () => {
    expectRefused(bundled('check', '--config', config, forged), /forged\.json:6:\d+: .*`__proto__`.*\(at `metadata\.__proto__`\)/, 'is not allowed');
  });

  it('the installed command refuses it in `run`: its callback and its output never run', () => {
    expectRefused(bundled('run', '--config', config, scenario(forged, 'forged-run')), /forged\.json:6:\d+/, '`__proto__`');
  });

  it('the modules (strict mode) refuse it the same way', async () => {
    expectRefused(await cli(['check', '--config', config, forged]), /forged\.json:6:\d+/, '`__proto__`');
  });

  it('the bundle runs in strict mode (its first statement is the directive)', () => {
    expect(readFileSync(join(ROOT, 'packages/cli/dist/patchwise.cjs'), 'utf8')).toMatch(/^'use strict';\n/);
  });

  it('inline in a scenario, and at the top of the manifest (which the scenario schema used to drop unsaid)', async () => {
    const inline = file(
      'inline.scenario.yaml',
      ['name: inline', 'patches:', '  - {name: p, functions: [cmdline_proc_show], __proto__: {vendor: acme}}', 'steps: [{load: p}]', ''].join('\n'),
    );
    expectRefused(await cli(['run', '--config', config, inline]), /inline\.scenario\.yaml:3:\d+: .*\(at `patches\[0\]\.__proto__`\)/, 'is not allowed');
  });

  it('in a state file: refused before anything is restored or judged', async () => {
    const state = file(
      'state.json',
      `${JSON.stringify({ format: 'patchwise-state/1', release: '6.8.0', time: '2026-01-01T00:00:00.000Z', patches: [{ manifest: { name: 'acme_fix', functions: ['cmdline_proc_show'], metadata: { x: 1 } }, enabled: true, transition: false }], modules: [] }).replace('"x":1', `"__proto__":${JSON.stringify({ vendor: 'acme', manifest: genuine })}`)}\n`,
    );
    const run = await cli(['check', '--config', config, '--state', state, genuineFile]);
    expectRefused(run, /state\.json:1:\d+: .*\(at `patches\[0\]\.manifest\.metadata\.__proto__`\)/, 'is not allowed');
  });
});

/**
 * Two different documents must never share one signed encoding. Each case: acme signs the first
 * document; the second reads as the same value to JSON (or to a lossy decoder), and is refused.
 */
describe('an altered manifest that JSON (or a lossy decoder) could not tell from the signed one', () => {
  /**
   * The signature over the bytes JSON gives the signed document (what the signed form was before),
   * made with node:crypto directly: the canonical form now refuses a number the reader cannot hold.
   */
  const jsonSignature = (metadata: Record<string, unknown>) =>
    sign(
      null,
      Buffer.from(JSON.stringify({ functions: ['cmdline_proc_show'], metadata, name: 'acme_fix', vendor: 'acme' })),
      createPrivateKey(acme.privateKey),
    ).toString('base64');

  const cases: {
    title: string;
    signed: Record<string, unknown>;
    signedLine: string;
    alteredLine: string | Buffer;
    expect: string;
    /** The signed document itself is still allowed (not so for a number the reader cannot hold). */
    control?: false;
  }[] = [
    { title: 'null altered to NaN', signed: { x: null }, signedLine: 'x: null', alteredLine: 'x: .nan', expect: 'NaN' },
    { title: 'null altered to Infinity', signed: { x: null }, signedLine: 'x: null', alteredLine: 'x: .inf', expect: 'Infinity' },
    { title: 'null altered to -Infinity', signed: { x: null }, signedLine: 'x: null', alteredLine: 'x: -.inf', expect: '-Infinity' },
    {
      title: 'a big integer altered to its neighbour (both read as 2^53)',
      signed: { n: 2 ** 53 },
      signedLine: 'n: 9007199254740992',
      alteredLine: 'n: 9007199254740993',
      expect: 'beyond ±(2^53 − 1)',
      control: false,
    },
    {
      title: 'U+FFFD altered to a byte that is not UTF-8 (a lossy decoder reads U+FFFD)',
      signed: { note: 'caf\uFFFD' },
      signedLine: 'note: "caf\uFFFD"',
      alteredLine: Buffer.concat([Buffer.from('note: "caf'), Buffer.from([0xff]), Buffer.from('"')]),
      expect: 'not valid UTF-8 (byte 0xFF at byte offset',
    },
  ];

  it.each(cases)('$title: refused, not run', async ({ title, signed, signedLine, alteredLine, expect: fragment, control }) => {
    const text = `name: acme_fix\nvendor: acme\nfunctions: [cmdline_proc_show]\nmetadata:\n  ${signedLine}\n`;
    const signature = jsonSignature(signed);
    const name = title.replace(/\W+/g, '-');
    if (control !== false) {
      // Control: the signed document is allowed (the signed form is JSON's for it).
      const original = file(`${name}-signed.yaml`, `${text}signature: ${signature}\n`);
      const allowed = await cli(['check', '--config', config, original]);
      expect(allowed.stdout).toContain("allowed  enable 'acme_fix'");
      expect(allowed.code, allowed.stderr).toBe(0);
    }

    const before = Buffer.from(text.replace(`  ${signedLine}\n`, '  '));
    const altered = Buffer.concat([before, Buffer.from(alteredLine), Buffer.from(`\nsignature: ${signature}\n`)]);
    const path = file(`${name}-altered.yaml`, altered);
    const run = await cli(['check', '--config', config, path]);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${name}-altered.yaml:5`);
    expect(run.stderr).toContain(fragment);
    expect(run.code, run.stderr).toBe(2);
    // Nothing was written over either file.
    expect(readFileSync(path)).toEqual(altered);
  });
});

/** Every field that changes what runs is covered: altering it after signing is refused, and it does not run. */
describe('a signed manifest altered in any field that changes behaviour', () => {
  const manifest = {
    name: 'acme_fix',
    vendor: 'acme',
    version: '1.0.0',
    requires: { acme_base: '^1.0.0' },
    objects: [
      {
        name: 'vmlinux',
        functions: [{ name: 'cmdline_proc_show', output: 'GENUINE OUTPUT\n' }],
        callbacks: { postPatch: [{ log: 'GENUINE CALLBACK' }] },
      },
    ],
    states: [{ id: 1, version: 1 }],
    metadata: { ticket: 'CVE-1' },
  };
  const signed = signManifest(manifest, acme.privateKey);
  const alterations: [string, (m: typeof signed) => unknown][] = [
    ['the output', (m) => ({ ...m, objects: [{ ...m.objects[0], functions: [{ name: 'cmdline_proc_show', output: 'FORGED OUTPUT\n' }] }] })],
    ['a callback', (m) => ({ ...m, objects: [{ ...m.objects[0], callbacks: { postPatch: [{ log: 'FORGED CALLBACK' }] } }] })],
    ['the functions', (m) => ({ ...m, functions: ['meminfo_proc_show'] })],
    ['the states', (m) => ({ ...m, states: [{ id: 1, version: 2 }] })],
    ['the version', (m) => ({ ...m, version: '9.0.0' })],
    ['replace', (m) => ({ ...m, replace: true })],
    ['the requirements', (m) => ({ ...m, requires: {} })],
    ['the metadata', (m) => ({ ...m, metadata: { ticket: 'FORGED' } })],
  ];

  it.each(alterations)('%s: refused (signature-invalid), and it does not run', async (what, alter) => {
    const path = file(`altered-${what.replace(/\W+/g, '-')}.json`, `${JSON.stringify(alter(signed), null, 2)}\n`);
    const sc = scenario(path, `altered-${what.replace(/\W+/g, '-')}`);
    const run = await cli(['run', '--config', config, sc]);
    expect(run.stdout).toContain('vendor-tags/signature-invalid');
    expect(run.stdout).not.toContain('FORGED');
    expect(run.stdout).not.toContain('GENUINE');
    expect(run.stdout).not.toContain("enabling patch 'acme_fix'");
  });
});
