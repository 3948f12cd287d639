#!/usr/bin/env node
'use strict';
// The `patchwise` command: the bundled CLI (one CommonJS file, see scripts/bundle-cli.mjs), run with
// a V8 code cache. Why a cache: compiling the bundle and its functions was a third of a `check`'s
// start-up. Node 20 has no module compile cache (22 has), and v8-compile-cache's scripts cannot
// `import()` the plugins and configs users write, so the bundle is compiled here with `vm.Script`,
// its cached data kept in the temp folder, and Node's own `import()` lent to it (below).
const { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { tmpdir, userInfo } = require('node:os');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

const bundle = join(__dirname, '../dist/patchwise.cjs');

function loadBundle() {
  const source = readFileSync(bundle, 'utf8');
  const { size, mtimeMs } = statSync(bundle);
  let uid = 'user';
  try {
    uid = String(userInfo().uid);
  } catch {
    // no user database: one shared name is fine
  }
  const cacheDir = join(tmpdir(), `patchwise-code-cache-${uid}`);
  const cacheFile = join(cacheDir, `${process.version}-${size}-${Math.trunc(mtimeMs)}.bin`);
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // first run (or the bundle changed): compile, and write the cache at exit
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
  });
  if (!cachedData || script.cachedDataRejected) {
    // At exit the cache also holds the functions this run compiled, not only the top level.
    process.once('exit', () => {
      try {
        mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
        const temp = `${cacheFile}.${process.pid}`;
        writeFileSync(temp, script.createCachedData());
        renameSync(temp, cacheFile);
      } catch {
        // a read-only or full temp folder only costs speed
      }
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return module.exports;
}

// `pnpm patchwise ARGS` (a package script named after the command, as in patchwise's own repository)
// runs in the package's folder: paths the user typed are relative to where they typed them.
if (process.env.npm_lifecycle_event === 'patchwise' && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

// --debug: stack traces through the bundle's source map into the TypeScript sources. Node maps only
// modules it loads itself, so the bundle is required (no code cache) in that case.
const debug = process.argv.includes('--debug');
if (debug) process.setSourceMapsEnabled(true);

// Code from a cached script cannot import() by itself: lend it this module's (see config's importModule).
globalThis.__patchwiseImport = (specifier) => import(specifier);

// `patchwise run ... | head`: the reader went away; stop quietly instead of crashing on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

(debug ? require(bundle) : loadBundle())
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
