/**
 * Hostile paths and files: what the command is given to read or to write. No file is ever lost
 * (a failed write leaves the old bytes; an output that is an input is refused; a key is never
 * written through a link or over another key), special files are refused without being read or
 * waited on, an empty path is bad input, flags that cannot apply together are refused, and
 * print-config never shows private key material. Security cases assert the outcome (the bytes on
 * disk, what was printed), not only the exit code.
 *
 * Special files and write failures run the bundled command in a process of its own, with a hard
 * time limit: a read of a FIFO would block a test runner's thread for good. A failed write is a
 * real one: the file size limit (`ulimit -f`), which even root cannot write past.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, fx, STACK, tempPath } from './support.js';

const ROOT = resolve(fx('.'), '../../../..');
const BIN = join(ROOT, 'packages/cli/bin/patchwise.cjs');
const LIMIT_MS = 15_000;

/** The bundled command in its own process; `fileLimit`: `ulimit -f` (in 1 KB blocks) first. */
function spawn(args: readonly string[], options: { cwd?: string; fileLimit?: number } = {}) {
  const command = options.fileLimit === undefined ? [process.execPath, BIN, ...args] : ['sh', '-c', `ulimit -f ${options.fileLimit} && exec "$@"`, 'sh', process.execPath, BIN, ...args];
  const [file, ...rest] = command as [string, ...string[]];
  const start = performance.now();
  const r = spawnSync(file, [...rest, '--no-color'], {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: LIMIT_MS,
    env: { ...process.env, PATCHWISE_CODE_CACHE: '0' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - start };
}

function folder(name: string): string {
  const dir = tempPath(name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

const mkfifo = (path: string) => execFileSync('mkfifo', [path]);

/** Everything in `dir`, with each file's bytes: a write that failed must leave exactly this. */
const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, lstatSync(join(dir, f)).isFile() ? readFileSync(join(dir, f), 'utf8') : 'not a file']));

const MANIFEST = `# acme's fix, as its vendor wrote it: comments and spellings are theirs.
name: acme_fix
vendor: acme   # the vendor, as keygen names it
version: 1.0.0
functions: [cmdline_proc_show]
metadata:
  ticket: 0x1F
  ratio: 1.50
  build: +12
`;

describe('special files are refused, never read and never waited on', () => {
  const dir = folder('special');
  const fifo = join(dir, 'pipe.scenario.yaml');
  mkfifo(fifo);
  const walked = folder('special-walk');
  writeFileSync(join(walked, 'a.scenario.yaml'), readFileSync(fx('scenarios/pass.scenario.yaml')));
  mkfifo(join(walked, 'b.scenario.yaml'));
  const key = join(dir, 'acme.key');
  mkfifo(key);
  const discovery = folder('special-discovery');
  writeFileSync(join(discovery, 'package.json'), '{}\n');
  mkfifo(join(discovery, 'patchwise.config.yaml'));

  it.each([
    ['a scenario', ['run', fifo], fifo],
    ['a folder walked that holds a FIFO', ['run', walked], join(walked, 'b.scenario.yaml')],
    ['a manifest', ['check', fifo], fifo],
    ['a case', ['replay', fifo], fifo],
    ['a config', ['print-config', '--config', fifo], fifo],
    ['a state file', ['check', '--state', fifo, fx('patches/acme-fix.yaml')], fifo],
    ['a private key', ['sign', fx('patches/acme-fix.yaml'), '--key', key, '--out', join(dir, 'out.yaml')], key],
    ['a decisions log', ['check', '--config', 'none', fx('patches/acme-fix.yaml'), '--decisions', fifo], fifo],
    ['a state to save', ['run', fx('scenarios/pass.scenario.yaml'), '--config', 'none', '--save-state', fifo], fifo],
    ['a device', ['check', '/dev/zero'], '/dev/zero'],
  ])('%s: exit 2 at once, naming it', (_, args, named) => {
    const r = spawn(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^error /);
    expect(r.stderr).toContain(named.split('/').at(-1));
    expect(r.stderr).toMatch(/FIFO|device/);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.ms).toBeLessThan(LIMIT_MS);
  });

  it('a FIFO named like a config where discovery looks: exit 2, naming it', () => {
    const r = spawn(['check', join(ROOT, 'packages/cli/test/fixtures/patches/acme-fix.yaml')], { cwd: discovery });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('patchwise.config.yaml');
    expect(r.stderr).toContain('FIFO');
  });
});

describe('an empty path is bad input, never "none"', () => {
  const manifest = fx('patches/acme-fix.yaml');
  it.each([
    ['check --config', ['check', '--config', '', manifest]],
    ['check --state', ['check', '--state', '', manifest]],
    ['check --decisions', ['check', '--config', 'none', manifest, '--decisions', '']],
    ['run --config', ['run', fx('scenarios/pass.scenario.yaml'), '--config', '']],
    ['run --save-state', ['run', fx('scenarios/pass.scenario.yaml'), '--config', 'none', '--save-state', '']],
    ['run SCENARIO', ['run', '']],
    ['print-config --config', ['print-config', '--config', '']],
    ['init --dir', ['init', '--dir', '']],
    ['keygen --out-dir', ['keygen', 'acme', '--out-dir', '']],
    ['sign --key', ['sign', manifest, '--key', '']],
    ['sign --out', ['sign', manifest, '--key', manifest, '--out', '']],
  ])('%s: exit 2, nothing on stdout', async (_, args) => {
    const r = await cli(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/empty/);
  });
});

describe('flags that cannot apply together are refused', () => {
  it('--kernel or --time with --state (the state carries its own release and time): exit 2, nothing checked', async () => {
    const state = tempPath('kernel.state.json');
    expect((await cli(['run', fx('scenarios/acme-installed.scenario.yaml'), '--config', 'none', '--save-state', state])).code).toBe(0);
    for (const flag of [['--kernel', '6.1.0'], ['--time', '2026-01-01T00:00:00Z']]) {
      const r = await cli(['check', '--config', 'none', '--state', state, ...flag, fx('patches/beta-fix.yaml')]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`${flag[0]}`);
      expect(r.stderr).toContain('--state');
    }
  });
});

describe('no file is ever lost', () => {
  it('sign: a write that fails leaves the manifest byte for byte, and no temporary file', async () => {
    const dir = folder('sign-efbig');
    expect((await cli(['keygen', 'acme', '--out-dir', dir])).code).toBe(0);
    const manifest = join(dir, 'acme-fix.yaml');
    writeFileSync(manifest, MANIFEST);
    const before = snapshot(dir);
    const r = spawn(['sign', manifest, '--key', join(dir, 'acme.key')], { fileLimit: 0 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('EFBIG');
    expect(snapshot(dir)).toEqual(before);
  });

  it('--save-state: a write that fails leaves the old state', async () => {
    const dir = folder('state-efbig');
    const state = join(dir, 'prod.state.json');
    expect((await cli(['run', fx('scenarios/acme-installed.scenario.yaml'), '--config', 'none', '--save-state', state])).code).toBe(0);
    const before = snapshot(dir);
    const r = spawn(['run', fx('scenarios/pass.scenario.yaml'), '--config', 'none', '--save-state', state], { fileLimit: 0 });
    expect(r.code, r.stderr).toBe(2);
    expect(snapshot(dir)).toEqual(before);
  });

  it('keygen --force: a write that fails leaves the old key pair, both halves', async () => {
    const dir = folder('keygen-efbig');
    expect((await cli(['keygen', 'acme', '--out-dir', dir])).code).toBe(0);
    const before = snapshot(dir);
    const r = spawn(['keygen', 'acme', '--out-dir', dir, '--force'], { fileLimit: 0 });
    expect(r.code, r.stderr).toBe(2);
    expect(snapshot(dir)).toEqual(before);
  });

  it('init --force: a write that fails leaves the old files', async () => {
    const dir = folder('init-efbig');
    writeFileSync(join(dir, 'patchwise.config.yaml'), 'audit: true\n');
    const r = spawn(['init', '--dir', dir, '--force'], { fileLimit: 0 });
    expect(r.code, r.stderr).toBe(2);
    expect(readFileSync(join(dir, 'patchwise.config.yaml'), 'utf8')).toBe('audit: true\n');
    expect(existsSync(join(dir, 'scenarios', 'example.scenario.yaml'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['patchwise.config.yaml']);
  });

  it('--decisions: a torn last record is not glued to the next one, and earlier records stay', async () => {
    const log = tempPath('audit.jsonl');
    const earlier = '{"id":1,"allowed":true}\n';
    writeFileSync(log, `${earlier}{"id":2,"allo`);
    const r = await cli(['check', '--config', 'none', fx('patches/acme-fix.yaml'), '--decisions', log]);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(log, 'utf8').split('\n');
    expect(lines[0]).toBe(earlier.trimEnd());
    expect(lines[1]).toBe('{"id":2,"allo');
    const added = lines.slice(2).filter((l) => l !== '');
    expect(added.length).toBeGreaterThan(0);
    for (const line of added) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it('sign --out KEY is refused: the key is unchanged', async () => {
    const dir = folder('sign-out-key');
    expect((await cli(['keygen', 'acme', '--out-dir', dir])).code).toBe(0);
    const key = join(dir, 'acme.key');
    const bytes = readFileSync(key, 'utf8');
    for (const out of [key, join(dir, '.', 'acme.key')]) {
      const r = await cli(['sign', fx('patches/acme-fix.yaml'), '--key', key, '--out', out]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('the private key');
      expect(readFileSync(key, 'utf8')).toBe(bytes);
    }
    // Through a link to it, too: compared by inode.
    const link = join(dir, 'alias.yaml');
    symlinkSync(key, link);
    expect((await cli(['sign', fx('patches/acme-fix.yaml'), '--key', key, '--out', link])).code).toBe(2);
    expect(readFileSync(key, 'utf8')).toBe(bytes);
  });

  it('an output that is an input is refused: --save-state SCENARIO, --decisions MANIFEST', async () => {
    const dir = folder('out-is-in');
    const scenario = join(dir, 'pass.scenario.yaml');
    writeFileSync(scenario, readFileSync(fx('scenarios/pass.scenario.yaml')));
    const manifest = join(dir, 'acme-fix.yaml');
    writeFileSync(manifest, MANIFEST);
    const before = snapshot(dir);
    const run = await cli(['run', scenario, '--config', 'none', '--save-state', scenario]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stdout).toBe('');
    const check = await cli(['check', manifest, '--config', 'none', '--decisions', manifest]);
    expect(check.code, check.stderr).toBe(2);
    expect(check.stdout).toBe('');
    expect(snapshot(dir)).toEqual(before);
  });

  it('keygen never writes a key through a link, even one pointing nowhere, even with --force', async () => {
    const dir = folder('keygen-link');
    const elsewhere = join(dir, 'elsewhere');
    symlinkSync(elsewhere, join(dir, 'acme.key'));
    for (const force of [[], ['--force']]) {
      const r = await cli(['keygen', 'acme', '--out-dir', dir, ...force]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('acme.key');
      expect(existsSync(elsewhere)).toBe(false);
      expect(existsSync(join(dir, 'acme.pub'))).toBe(false);
    }
  });

  it('keygen --force replaces both halves with a matching pair, the private one 0600', async () => {
    const dir = folder('keygen-force');
    expect((await cli(['keygen', 'acme', '--out-dir', dir])).code).toBe(0);
    const old = snapshot(dir);
    expect((await cli(['keygen', 'acme', '--out-dir', dir, '--force'])).code).toBe(0);
    const now = snapshot(dir);
    expect(Object.keys(now).sort()).toEqual(['acme.key', 'acme.pub']);
    expect(now['acme.key']).not.toBe(old['acme.key']);
    expect(now['acme.pub']).not.toBe(old['acme.pub']);
    expect(statSync(join(dir, 'acme.key')).mode & 0o777).toBe(0o600);
    // The pair matches: a manifest signed with the new private key verifies with the new public one.
    const manifest = join(dir, 'm.yaml');
    writeFileSync(manifest, MANIFEST);
    expect((await cli(['sign', manifest, '--key', join(dir, 'acme.key')])).code).toBe(0);
    const config = join(dir, 'strict.json');
    writeFileSync(config, JSON.stringify({ plugins: [{ plugin: 'vendor-tags', options: { signatures: 'required', keys: { acme: now['acme.pub'] } } }] }));
    expect((await cli(['check', manifest, '--config', config])).code).toBe(0);
  });
});

describe('sign changes nothing but the signature', () => {
  async function signed(name: string, text: string): Promise<{ before: string; after: string; key: string; dir: string }> {
    const dir = folder(`sign-${name}`);
    expect((await cli(['keygen', 'acme', '--out-dir', dir])).code).toBe(0);
    const file = join(dir, name);
    writeFileSync(file, text);
    const r = await cli(['sign', file, '--key', join(dir, 'acme.key')]);
    expect(r.code, r.stderr).toBe(0);
    return { before: text, after: readFileSync(file, 'utf8'), key: join(dir, 'acme.key'), dir };
  }
  const withoutSignature = (text: string) =>
    text
      .split('\n')
      .filter((l) => !/^\s*"?signature"?:/.test(l))
      .join('\n');

  it('YAML: comments, key order and number spellings kept; the file minus its signature line is the original', async () => {
    const { before, after, key, dir } = await signed('acme-fix.yaml', MANIFEST);
    expect(after.split('\n').filter((l) => l.startsWith('signature: '))).toHaveLength(1);
    expect(withoutSignature(after)).toBe(before);
    // Signing again replaces the signature in place: still one line, the rest unchanged.
    const file = join(dir, 'acme-fix.yaml');
    expect((await cli(['sign', file, '--key', key])).code).toBe(0);
    const again = readFileSync(file, 'utf8');
    expect(withoutSignature(again)).toBe(before);
    expect(again.split('\n').filter((l) => l.startsWith('signature: '))).toHaveLength(1);
  });

  it('CRLF line ends stay CRLF', async () => {
    const crlf = MANIFEST.replaceAll('\n', '\r\n');
    const { before, after } = await signed('crlf.yaml', crlf);
    expect(after.split('\r\n').filter((l) => !l.startsWith('signature: ')).join('\r\n')).toBe(before);
    expect(after.replaceAll('\r\n', '')).not.toContain('\n');
  });

  it('JSON: indentation, key order and number spellings kept, and it verifies', async () => {
    const json = '{\n    "version": "1.0.0",\n    "name": "acme_fix",\n    "vendor": "acme",\n    "functions": ["cmdline_proc_show"],\n    "metadata": {"ratio": 1.50, "big": 1e3}\n}\n';
    const { before, after, dir } = await signed('acme-fix.json', json);
    expect(withoutSignature(after)).toBe(before);
    const config = join(dir, 'strict.json');
    writeFileSync(config, JSON.stringify({ plugins: [{ plugin: 'vendor-tags', options: { signatures: 'required', keys: { acme: readFileSync(join(dir, 'acme.pub'), 'utf8') } } }] }));
    expect((await cli(['check', join(dir, 'acme-fix.json'), '--config', config])).code).toBe(0);
  });
});

describe('print-config never prints private key material', () => {
  it.each(['error', 'off'])('not at severity %s, in text or JSON', async (severity) => {
    const dir = folder(`print-key-${severity}`);
    expect((await cli(['keygen', 'acme', '--out-dir', dir])).code).toBe(0);
    const privateKey = readFileSync(join(dir, 'acme.key'), 'utf8');
    const config = join(dir, 'leaky.json');
    writeFileSync(config, JSON.stringify({ plugins: [{ plugin: 'vendor-tags', severity, options: { keys: { acme: privateKey } } }] }));
    const body = privateKey.split('\n').filter((l) => l && !l.startsWith('-----'));
    for (const format of ['text', 'json']) {
      const r = await cli(['print-config', '--config', config, '--format', format]);
      const printed = r.stdout + r.stderr;
      expect(printed).not.toContain('PRIVATE KEY');
      for (const line of body) expect(printed).not.toContain(line);
      // At `error` the plugin refuses the key (exit 2); at `off` the rest of the config still prints.
      expect(r.code, r.stderr).toBe(severity === 'off' ? 0 : 2);
    }
  });
});
