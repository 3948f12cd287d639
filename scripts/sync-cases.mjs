#!/usr/bin/env node
// Copies the shared conformance cases into the repo (tests never read ../shared at run time).
// Usage: pnpm sync-cases [SOURCE_DIR]   (default: ../shared/kselftest/cases)
// Only packages/kselftest/cases/ is written. Our own cases live in cases-patchwise/ and are never
// touched; a shared case with the id of one of ours is refused before anything is copied.
import { copyFileSync, readdirSync, mkdirSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = resolve(process.argv[2] ?? join(root, '..', 'shared', 'kselftest', 'cases'));
const target = join(root, 'packages', 'kselftest', 'cases');
if (!existsSync(source)) {
  console.error(`sync-cases: ${source} does not exist; pass the folder holding the case files.`);
  process.exit(2);
}
const caseId = (file) => /^id:\s*(\S+)\s*$/m.exec(readFileSync(file, 'utf8'))?.[1];
const own = join(root, 'packages', 'kselftest', 'cases-patchwise');
const ownIds = new Map(
  (existsSync(own) ? readdirSync(own) : []).filter((f) => f.endsWith('.yaml')).map((f) => [caseId(join(own, f)), f]),
);
const clashes = readdirSync(source)
  .filter((f) => f.endsWith('.yaml'))
  .filter((f) => ownIds.has(caseId(join(source, f))))
  .map((f) => `${f} (id ${caseId(join(source, f))}, also cases-patchwise/${ownIds.get(caseId(join(source, f)))})`);
if (clashes.length) {
  console.error(`sync-cases: shared cases reuse the id of one of our own cases: ${clashes.join(', ')}; nothing copied. Rename our case.`);
  process.exit(2);
}
mkdirSync(target, { recursive: true });
let copied = 0;
let changed = 0;
for (const name of readdirSync(source).filter((f) => f.endsWith('.yaml')).sort()) {
  const to = join(target, name);
  const before = existsSync(to) ? readFileSync(to, 'utf8') : undefined;
  copyFileSync(join(source, name), to);
  copied += 1;
  if (before !== readFileSync(to, 'utf8')) changed += 1;
}
console.log(`sync-cases: ${copied} cases from ${source}, ${changed} new or changed`);
