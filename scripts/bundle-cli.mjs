#!/usr/bin/env node
// Bundles the `patchwise` command into CommonJS chunks (packages/cli/dist/patchwise.cjs, the entry,
// and packages/cli/dist/patchwise-*.cjs), after `tsc -b`.
// Why a bundle: Node 20 loads ES modules one file at a time; the command needs ~340 of them (zod
// alone is ~95), which made it start 5× slower than `node -e 0`. Minified CommonJS (no ES module
// loader at all) starts in well under half of that. The unbundled build (dist/main.js) stays what
// the tests and library users import.
// Why chunks: a first run has no code cache, so V8 parses every byte it is given. In one file that
// was every verb's code, the module signing stack (pkijs, asn1js: ~400 KB) and the report page
// (~75 KB), for a `check` that needs none of them. esbuild splits at the sources' own dynamic
// imports (each verb, module reading, the report, the state readers, each standard plugin), so a
// command parses its own chunks only. esbuild splits only ES modules; the chunks are then turned
// into CommonJS one by one, so the launcher can compile each with its code cache
// (bin/patchwise.cjs), and their dynamic imports of each other into `require` (see CHUNK_IMPORT).
import { build } from 'esbuild';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleReport } from './bundle-report.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'packages/cli/dist');
/** The files this script writes, and only those (dist/ also holds tsc's output). */
const OURS = /^patchwise(-[\w-]+)?\.cjs(\.map)?$/;
/**
 * esbuild's `import("./patchwise-x.cjs")` of another chunk. Code compiled with `vm.Script` (the
 * launcher's code cache) cannot `import()`, and the chunk is CommonJS anyway: it becomes a
 * `require` on the next tick (a rejection, not a throw, if it fails, as `import()` would). Other
 * `import()`s (a user's config or plugin through `__patchwiseImport`, cosmiconfig's own) stay.
 */
/** The source named in the maps for code esbuild generated (see below). */
const GLUE = 'esbuild-glue-between-chunks';
const CHUNK_IMPORT = /\bimport\((?="\.\/patchwise-[\w-]+\.cjs"\))/g;

// The report page's script first: the report package (which the command includes) inlines it.
await bundleReport();

const esm = mkdtempSync(join(tmpdir(), 'patchwise-bundle-'));
try {
  // 1. The command as ES module chunks (named .cjs already: that is how they import each other).
  await build({
    entryPoints: { patchwise: join(root, 'packages/cli/dist/main.js') },
    outdir: esm,
    chunkNames: 'patchwise-[name]-[hash]',
    outExtension: { '.js': '.cjs' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Loaded only for a TypeScript config, from the cli package's own dependencies.
    external: ['cosmiconfig-typescript-loader', 'typescript', 'jiti'],
    // The sources use import.meta.url to find files beside them; in CommonJS that is the chunk's
    // URL, and every chunk sits in dist/, as the one bundle did.
    define: { 'import.meta.url': '__patchwiseUrl' },
    keepNames: true,
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'warning',
  });
  const chunks = readdirSync(esm).filter((f) => f.endsWith('.cjs'));
  for (const file of chunks) {
    const text = readFileSync(join(esm, file), 'utf8');
    // Unminified here: the longer name shifts only the few tokens after it on its line.
    writeFileSync(join(esm, file), text.replace(CHUNK_IMPORT, '__patchwiseChunk('));
  }
  // 2. Each chunk as CommonJS, minified, its map following esbuild's first map (and tsc's).
  for (const file of readdirSync(dist)) if (OURS.test(file)) rmSync(join(dist, file));
  // esbuild reads a .cjs input as CommonJS; these are ES modules until this step.
  for (const file of chunks) renameSync(join(esm, file), join(esm, file.replace(/\.cjs$/, '.mjs')));
  await build({
    entryPoints: chunks.map((f) => join(esm, f.replace(/\.cjs$/, '.mjs'))),
    outdir: dist,
    outExtension: { '.js': '.cjs' },
    bundle: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Strict mode first: the sources are ES modules, strict by definition, and a CommonJS chunk is
    // not. Sloppy mode turns failed assignments (to a frozen object, or to a read-only property
    // met on a planted prototype) into silent no-ops the sources never expect.
    banner: {
      js: "'use strict';\nconst __patchwiseUrl = require('node:url').pathToFileURL(__filename).href;\nconst __patchwiseChunk = (id) => Promise.resolve().then(() => require(id));",
    },
    legalComments: 'none',
    // For --debug (see bin/patchwise.cjs): traces name src/*.ts lines. No sources inside: the
    // packages ship their src/.
    sourcemap: 'linked',
    sourcesContent: false,
    // Less source to compile at every start; names kept for readable --debug stack traces.
    // PATCHWISE_BUNDLE_MINIFY=0: readable chunks, for a --cpu-prof that names functions.
    minify: process.env.PATCHWISE_BUNDLE_MINIFY !== '0',
    keepNames: true,
    logLevel: 'warning',
  });
  for (const file of readdirSync(dist)) {
    if (!OURS.test(file)) continue;
    const text = readFileSync(join(dist, file), 'utf8');
    if (file.endsWith('.map')) {
      // What esbuild wrote itself in step 1 (its helpers, the imports between chunks) maps to the
      // temporary files of step 1: name it instead of a path that no longer exists.
      const map = JSON.parse(text);
      map.sources = map.sources.map((source) => (resolve(dist, source).startsWith(esm) ? GLUE : source));
      writeFileSync(join(dist, file), JSON.stringify(map));
    } else if (/\bimport\(\s*["'`]\.\/patchwise-/.test(text)) {
      // Nothing may still `import()` a chunk: under the code cache that import would fail at run time.
      throw new Error(`${file}: a chunk is still loaded with import()`);
    }
  }
} finally {
  rmSync(esm, { recursive: true, force: true });
}
