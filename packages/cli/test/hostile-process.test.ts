/**
 * Hostile input that only shows in a process of its own: the bundled command (packages/cli/bin),
 * spawned as a user runs it. A hang is seen only there (in-process, the test runner keeps the
 * event loop alive), as are the launcher's code cache and its last guard. Each case has a hard
 * time limit: a command that waits forever is killed and fails the test.
 *
 * Fail closed: a gate that never settles is refused when its timeout fires (exit 1, the finding
 * printed); a config or plugin that never finishes loading is bad input (exit 2, naming the file);
 * and a command whose event loop drains before it finished never exits 0.
 * Code that runs is code we wrote: the code cache is used only for the bundle it was written for,
 * and only from a folder no one else can write.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../../..');
const BIN = join(ROOT, 'packages/cli/bin/patchwise.cjs');
const CORPUS = join(HERE, 'hostile/process');
const MANIFEST = join(HERE, 'hostile/support/ok.manifest.yaml');
const LIMIT_MS = 15_000;

const temp = mkdtempSync(join(tmpdir(), 'patchwise-process-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

interface Spawned {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function spawn(bin: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Spawned {
  const r = spawnSync(process.execPath, [bin, ...args, '--no-color'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: LIMIT_MS,
    // A cache of its own, so that no test depends on (or writes to) the user's.
    env: { ...process.env, XDG_CACHE_HOME: join(temp, 'cache'), ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('fail closed: nothing undecided ends in exit 0', () => {
  it('a gate that never settles is refused when its timeout fires: exit 1, the finding printed', () => {
    const r = spawn(BIN, ['check', '--config', join(CORPUS, 'gate-never-settles.config.yaml'), MANIFEST]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('DENIED');
    expect(r.stdout).toContain('never-settles/policy-timeout');
    expect(r.stdout).toContain('did not settle within 300 ms');
    expect(r.stdout).toContain('1 decision: 0 allowed, 1 denied');
  });

  it('a plugin whose top-level await never settles: exit 2 at the load timeout, naming the plugin and the config', () => {
    const config = join(CORPUS, 'plugin-never-loads.config.yaml');
    const r = spawn(BIN, ['check', '--config', config, MANIFEST], { PATCHWISE_LOAD_TIMEOUT_MS: '300' });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error .*plugin-never-loads\.config\.yaml:3:5: plugin `\.\/top-level-await\.mjs` \(.*top-level-await\.mjs\) failed to load: did not finish loading within 300 ms/);
  });

  it('a JS config whose top-level await never settles: exit 2 at the load timeout, naming the file', () => {
    const r = spawn(BIN, ['print-config', '--config', join(CORPUS, 'never-loads.config.mjs')], { PATCHWISE_LOAD_TIMEOUT_MS: '300' });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error .*never-loads\.config\.mjs: cannot load the config: did not finish loading within 300 ms/);
  });

  it('a load timeout that is not a timeout is bad input', () => {
    for (const value of ['0', '2147483648', 'soon']) {
      const r = spawn(BIN, ['print-config', '--config', join(CORPUS, 'never-loads.config.mjs')], { PATCHWISE_LOAD_TIMEOUT_MS: value });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`PATCHWISE_LOAD_TIMEOUT_MS=${value}`);
    }
  });
});

/**
 * A copy of the launcher beside a bundle of our choosing (bin/patchwise.cjs loads
 * ../dist/patchwise.cjs, and the chunks it requires as ./patchwise-NAME.cjs).
 */
function launcher(name: string): { bin: string; bundle: (text: string, chunk?: string) => void } {
  const dir = join(temp, name);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'dist'));
  copyFileSync(BIN, join(dir, 'bin/patchwise.cjs'));
  return {
    bin: join(dir, 'bin/patchwise.cjs'),
    bundle: (text, chunk) => {
      const file = join(dir, 'dist', chunk ? `patchwise-${chunk}.cjs` : 'patchwise.cjs');
      writeFileSync(file, text);
      // Same size and same time as the one before: only the content differs.
      utimesSync(file, new Date(1_700_000_000_000), new Date(1_700_000_000_000));
    },
  };
}

/** Two bundles of the same length that say who they are. */
const saying = (who: 'A' | 'B') => `module.exports = { main: async () => { process.stdout.write('${who}\\n'); return 0; } };\n`;

describe('the launcher', () => {
  it('exits 1 with a message when the event loop drains before the command finished', () => {
    const { bin, bundle } = launcher('drain');
    bundle('module.exports = { main: () => new Promise(() => {}) };\n');
    const r = spawn(bin, []);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the command ended before it finished');
  });

  it('never runs cached code of another bundle of the same size and time', () => {
    const { bin, bundle } = launcher('cache-other-bundle');
    // The cache folders of this launcher, whichever place it uses (also the temp folder, as it did).
    const env = { XDG_CACHE_HOME: join(temp, 'cache-other'), TMPDIR: join(temp, 'tmp-other') };
    mkdirSync(env.TMPDIR);
    bundle(saying('A'));
    expect(spawn(bin, [], env).stdout).toBe('A\n');
    expect(spawn(bin, [], env).stdout).toBe('A\n');
    bundle(saying('B'));
    expect(spawn(bin, [], env).stdout).toBe('B\n');
    // And the cache is rewritten for B: B again, from the cache.
    expect(spawn(bin, [], env).stdout).toBe('B\n');
  });

  it('runs each chunk once, each from a cache of its own, never from the cache of another chunk of the same size and time', () => {
    const { bin, bundle } = launcher('chunks');
    const cache = join(temp, 'cache-chunks');
    bundle("const a = require('./patchwise-who.cjs'); const b = require('./patchwise-who.cjs');\nmodule.exports = { main: async () => { process.stdout.write(a === b ? a.who : 'twice'); return 0; } };\n");
    bundle("module.exports = { who: 'A\\n' };\n", 'who');
    expect(spawn(bin, [], { XDG_CACHE_HOME: cache }).stdout).toBe('A\n');
    // One cache for the entry, one for the chunk it required.
    expect(readdirSync(join(cache, 'patchwise'))).toHaveLength(2);
    expect(spawn(bin, [], { XDG_CACHE_HOME: cache }).stdout).toBe('A\n');
    bundle("module.exports = { who: 'B\\n' };\n", 'who');
    expect(spawn(bin, [], { XDG_CACHE_HOME: cache }).stdout).toBe('B\n');
    expect(readdirSync(join(cache, 'patchwise'))).toHaveLength(3);
    expect(spawn(bin, [], { XDG_CACHE_HOME: cache }).stdout).toBe('B\n');
  });

  it('keeps the 128 newest caches of other builds when it writes, never one in use, and leaves other files alone', () => {
    const { bin, bundle } = launcher('cache-prune');
    const cache = join(temp, 'cache-prune');
    const folder = join(cache, 'patchwise');
    bundle("const who = require('./patchwise-who.cjs');\nmodule.exports = { main: async () => { process.stdout.write(who); return 0; } };\n");
    bundle("module.exports = 'A\\n';\n", 'who');
    expect(spawn(bin, [], { XDG_CACHE_HOME: cache }).stdout).toBe('A\n');
    const own = readdirSync(folder);
    expect(own).toHaveLength(2);
    // The entry's cache, in use by every run, is older than any other.
    for (const name of own) utimesSync(join(folder, name), new Date(1_000_000_000_000), new Date(1_000_000_000_000));
    // 140 caches of other builds, file i written i minutes after the first; a killed run's temp
    // files, one old and one fresh; and files that are not caches.
    const old = (i: number) => `${i.toString(16).padStart(32, '0')}-v20.0.0.bin`;
    for (let i = 0; i < 140; i += 1) {
      writeFileSync(join(folder, old(i)), 'x', { mode: 0o600 });
      utimesSync(join(folder, old(i)), new Date(1_600_000_000_000 + i * 60_000), new Date(1_600_000_000_000 + i * 60_000));
    }
    const [staleTemp, freshTemp] = [`${old(500)}.123.tmp`, `${old(501)}.124.tmp`];
    for (const name of [staleTemp, freshTemp, 'notes.txt', 'kernels.bin']) writeFileSync(join(folder, name), 'x', { mode: 0o600 });
    utimesSync(join(folder, staleTemp), new Date(1_600_000_000_000), new Date(1_600_000_000_000));
    // A run that writes nothing prunes nothing.
    expect(spawn(bin, [], { XDG_CACHE_HOME: cache }).stdout).toBe('A\n');
    expect(readdirSync(folder)).toHaveLength(2 + 140 + 4);
    // A new build of the chunk: its cache is written, and the folder pruned.
    bundle("module.exports = 'B\\n';\n", 'who');
    expect(spawn(bin, [], { XDG_CACHE_HOME: cache }).stdout).toBe('B\n');
    const left = new Set(readdirSync(folder));
    const kept = Array.from({ length: 140 }, (_, i) => i).filter((i) => left.has(old(i)));
    // 128 others kept, the newest: the previous build's chunk cache (made older than all) is gone.
    expect(kept).toEqual(Array.from({ length: 128 }, (_, i) => 12 + i));
    // Of the first run's two caches only the entry's is left: in use, however old.
    expect(own.filter((name) => left.has(name))).toHaveLength(1);
    expect(left.has(freshTemp) && !left.has(staleTemp)).toBe(true);
    expect(left.has('notes.txt') && left.has('kernels.bin')).toBe(true);
    // The entry's, the new chunk's, 128 others, the fresh temp file and the two that are not caches.
    expect(left.size).toBe(1 + 1 + 128 + 1 + 2);
    // And the next run still runs the new build.
    expect(spawn(bin, [], { XDG_CACHE_HOME: cache }).stdout).toBe('B\n');
  });

  it('keeps its cache in a per-user folder of mode 0700, and ignores one others can write', () => {
    const { bin, bundle } = launcher('cache-folder');
    const cache = join(temp, 'cache-folder');
    bundle(saying('A'));
    expect(spawn(bin, [], { XDG_CACHE_HOME: cache }).stdout).toBe('A\n');
    const folder = join(cache, 'patchwise');
    const files = readdirSync(folder);
    expect(files).toHaveLength(1);
    // A's cache, relabelled by someone else as B's (the header names the bundle's hash): planted
    // in a folder anyone could write, it must not run.
    const [file] = files as [string];
    const planted = readFileSync(join(folder, file));
    const newline = planted.indexOf(0x0a);
    bundle(saying('B'));
    const first = spawn(bin, [], { XDG_CACHE_HOME: cache });
    expect(first.stdout).toBe('B\n');
    const ownFiles = readdirSync(folder).filter((f) => f !== file);
    expect(ownFiles).toHaveLength(1);
    const bHeader = readFileSync(join(folder, ownFiles[0] as string)).subarray(0, newline + 1);
    const forged = Buffer.concat([bHeader, planted.subarray(newline + 1)]);
    writeFileSync(join(folder, ownFiles[0] as string), forged);
    // In our own 0700 folder the forgery would be trusted (only we can write there); opened to others, it is not.
    chmodSync(folder, 0o777);
    expect(spawn(bin, [], { XDG_CACHE_HOME: cache }).stdout).toBe('B\n');
    // ...and nothing is written into a folder others can write.
    expect(readFileSync(join(folder, ownFiles[0] as string)).equals(forged)).toBe(true);
  });
});
