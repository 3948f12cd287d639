#!/usr/bin/env node
// Bundles the `patchwise` command into one file (packages/cli/dist/patchwise.cjs), after `tsc -b`.
// Why: Node 20 loads ES modules one file at a time; the command needs ~340 of them (zod alone is
// ~95), which made it start 5× slower than `node -e 0`. One minified CommonJS file (no ES module
// loader at all) starts in well under half of that. The unbundled build (dist/main.js) stays what
// the tests and library users import.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: [join(root, 'packages/cli/dist/main.js')],
  outfile: join(root, 'packages/cli/dist/patchwise.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Loaded only for a TypeScript config, from the cli package's own dependencies.
  external: ['cosmiconfig-typescript-loader', 'typescript', 'jiti'],
  // The sources use import.meta.url to find files beside them; in CommonJS that is this file's URL.
  define: { 'import.meta.url': '__patchwiseUrl' },
  // Strict mode first: the sources are ES modules, strict by definition, and a CommonJS bundle is
  // not. Sloppy mode turns failed assignments (to a frozen object, or to a read-only property met on
  // a planted prototype) into silent no-ops the sources never expect.
  banner: { js: "'use strict';\nconst __patchwiseUrl = require('node:url').pathToFileURL(__filename).href;" },
  legalComments: 'none',
  // For --debug (see bin/patchwise.cjs): esbuild follows tsc's maps, so traces name src/*.ts lines.
  // No sources inside: the packages ship their src/.
  sourcemap: 'linked',
  sourcesContent: false,
  // Less source to compile at every start; names kept for readable --debug stack traces.
  minify: true,
  keepNames: true,
  logLevel: 'warning',
});
