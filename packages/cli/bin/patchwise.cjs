#!/usr/bin/env node
'use strict';
// The `patchwise` command: the bundled CLI (CommonJS chunks, see scripts/bundle-cli.mjs), run with
// a V8 code cache. Why a cache: compiling the bundle and its functions was a third of a `check`'s
// start-up (measured without it: 2.98-3.01× `node -e 0`, at the 3× target; with it: 2.28-2.32×; see the cli
// README). Node 20 has no module compile cache (22 has), and v8-compile-cache's scripts cannot
// `import()` the plugins and configs users write, so each chunk is compiled here with `vm.Script`
// as it is first required (`loadChunk`), and Node's own `import()` lent to the code (below).
//
// Code that runs is code we wrote: V8 accepts cached data whose source has the same length, so a
// cache someone else could write, or one written for another chunk, could run code that is not
// this chunk's. So the cache lives in a per-user folder (created 0700; used only when it is ours
// and no one else can write it), each file is opened without following links and used only when
// it is ours and its header names this chunk's SHA-256 and this Node; anything else is ignored
// and rewritten at exit.
const { Buffer } = require('node:buffer');
const { createHash } = require('node:crypto');
const { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { homedir } = require('node:os');
const { dirname, isAbsolute, join } = require('node:path');
const vm = require('node:vm');

const bundle = join(__dirname, '../dist/patchwise.cjs');

// --debug: stack traces through the chunks' source maps into the TypeScript sources. Node maps only
// modules it loads itself, so the chunks are required (no code cache) in that case.
const debug = process.argv.includes('--debug');
if (debug) process.setSourceMapsEnabled(true);

/** `$XDG_CACHE_HOME/patchwise` (or ~/.cache/patchwise), when it is ours alone; else no cache. */
function cacheFolder() {
  const uid = process.getuid?.();
  if (uid === undefined || process.env.PATCHWISE_CODE_CACHE === '0') return undefined;
  const base = process.env.XDG_CACHE_HOME;
  const dir = join(base && isAbsolute(base) ? base : join(homedir(), '.cache'), 'patchwise');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = lstatSync(dir);
    // Not a link, ours, and no one else may write (or read) it: what is in it, we wrote.
    return stat.isDirectory() && stat.uid === uid && (stat.mode & 0o077) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** The cached data in `file` when it is a regular file of ours written for `header`; else undefined. */
function readCache(file, header) {
  let fd;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.uid !== process.getuid() || (stat.mode & 0o022) !== 0) return undefined;
    const data = readFileSync(fd);
    return data.subarray(0, header.length).equals(header) ? data.subarray(header.length) : undefined;
  } catch {
    // first run, or not ours: compile, and write the cache at exit
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Chunks compiled so far, by file: each runs once, as Node's `require` runs a module once. */
const chunks = new Map();
const nodeRequire = createRequire(bundle);
/** What a chunk `require`s: another chunk (beside the bundle) through `loadChunk`, else Node's. */
const chunkRequire = Object.assign(function require(id) {
  return typeof id === 'string' && /^\.\/patchwise-[\w-]+\.cjs$/.test(id) ? loadChunk(join(dirname(bundle), id.slice(2))) : nodeRequire(id);
}, nodeRequire);
const cacheDir = debug ? undefined : cacheFolder();
/** Code caches to write at exit: the chunks that were compiled without one. */
const toCache = [];
/** Code caches this run read or wrote: never pruned by it. */
const inUse = new Set();

/** Compile and run one chunk of the bundle (see scripts/bundle-cli.mjs) with its code cache. */
function loadChunk(file) {
  const known = chunks.get(file);
  if (known) return known.exports;
  const source = readFileSync(file, 'utf8');
  const hash = createHash('sha256').update(source).digest('hex');
  const header = Buffer.from(`patchwise-code-cache ${hash} ${process.version} ${process.arch}\n`);
  const cacheFile = cacheDir && join(cacheDir, `${hash.slice(0, 32)}-${process.version}.bin`);
  const cachedData = cacheFile && readCache(cacheFile, header);
  if (cacheFile) inUse.add(cacheFile);
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
  });
  if (cacheFile && (!cachedData || script.cachedDataRejected)) toCache.push({ script, header, cacheFile });
  const module = { exports: {} };
  chunks.set(file, module);
  try {
    script.runInThisContext()(module.exports, chunkRequire, module, file, dirname(file));
  } catch (err) {
    // As Node's `require`: a chunk that threw is not kept half-run.
    chunks.delete(file);
    throw err;
  }
  return module.exports;
}

/**
 * How many code caches of other chunks (other builds, other versions, other Node releases) a
 * writing run leaves: a new build adds a file per changed chunk, so without a bound the folder
 * grows with every upgrade. The oldest go first; a version still in use rewrites its own once.
 */
const KEEP_OTHERS = 128;
const CACHE_NAME = /^[0-9a-f]{32}-v\d+\.\d+\.\d+\.bin$/;
const STALE_TEMP = /^[0-9a-f]{32}-v\d+\.\d+\.\d+\.bin\.\d+\.tmp$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Drops all but the `KEEP_OTHERS` newest other caches, and temp files a killed run left a day ago. */
function pruneCaches() {
  const others = [];
  for (const name of readdirSync(cacheDir)) {
    const file = join(cacheDir, name);
    const temp = STALE_TEMP.test(name);
    if (inUse.has(file) || !(temp || CACHE_NAME.test(name))) continue;
    const stat = lstatSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile() || stat.uid !== process.getuid()) continue;
    if (temp) {
      if (Date.now() - stat.mtimeMs > DAY_MS) unlinkSync(file);
    } else others.push({ file, time: stat.mtimeMs });
  }
  others.sort((a, b) => b.time - a.time);
  for (const { file } of others.slice(KEEP_OTHERS)) unlinkSync(file);
}

// At exit the caches also hold the functions this run compiled, not only the top level.
process.once('exit', () => {
  if (toCache.length === 0) return;
  for (const { script, header, cacheFile } of toCache) {
    const temp = `${cacheFile}.${process.pid}.tmp`;
    try {
      // O_EXCL: never through a link or over a file someone else put there.
      writeFileSync(temp, Buffer.concat([header, script.createCachedData()]), { flag: 'wx', mode: 0o600 });
      renameSync(temp, cacheFile);
    } catch {
      // a read-only or full cache folder only costs speed
      try {
        unlinkSync(temp);
      } catch {
        // nothing was written
      }
    }
  }
  try {
    pruneCaches();
  } catch {
    // a cache that cannot be pruned only costs space
  }
});

// `pnpm patchwise ARGS` (a package script named after the command, as in patchwise's own repository)
// runs in the package's folder: paths the user typed are relative to where they typed them.
if (process.env.npm_lifecycle_event === 'patchwise' && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

// Code from a cached script cannot import() by itself: lend it this module's (see config's importModule).
globalThis.__patchwiseImport = (specifier) => import(specifier);

let finished = false;
let readerGone = false;

// `patchwise run ... | head`: the reader went away; stop quietly instead of crashing on EPIPE.
// Before the command has finished that is not a success either: what was not printed was not
// decided (`set -o pipefail` must not see 0 for a check cut short before its denial).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') {
      readerGone = true;
      process.exit(finished ? (process.exitCode ?? 0) : 1);
    }
    throw err;
  });
}

// Fail closed: if the event loop drains before the command has finished (something it waited on
// can never settle), nothing was decided; that is never a success.
process.on('exit', () => {
  if (finished || readerGone) return;
  process.stderr.write('error the command ended before it finished: something it waited for never settled; nothing was decided\n');
  process.exitCode = 1;
});

(debug ? require(bundle) : loadChunk(bundle))
  .main(process.argv.slice(2))
  .then((code) => {
    finished = true;
    process.exitCode = code;
  });
