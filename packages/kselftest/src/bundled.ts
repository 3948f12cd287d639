/**
 * The conformance cases shipped with this package: the kernel selftests (`cases/`, kept in sync
 * with the shared copy by `pnpm sync-cases`), our own transcriptions of the rest (`cases-extra/`), and
 * cases of our own checked against real kernels (`cases-patchwise/`).
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readSourceFile } from '@patchwise/diagnostics';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selftestModules } from '@patchwise/sim';
import { parseCase, type SelftestCase } from './case.js';

/**
 * This package's folder: next to this file when run from the package, found by name when bundled
 * into another one (the `patchwise` command), whose dependencies include this package.
 */
function findPackageRoot(): string {
  const here = join(dirname(fileURLToPath(import.meta.url)), '..');
  if (existsSync(join(here, 'cases'))) return here;
  return dirname(createRequire(import.meta.url).resolve('@patchwise/kselftest/package.json'));
}

const packageRoot = findPackageRoot();

export const CASES_DIR = join(packageRoot, 'cases');
export const EXTRA_CASES_DIR = join(packageRoot, 'cases-extra');
/** Our own cases, written from real-kernel runs (`patches:` of their own); never touched by `pnpm sync-cases`. */
export const OWN_CASES_DIR = join(packageRoot, 'cases-patchwise');

/** The names of the selftest modules the cases may use. */
export const SELFTEST_MODULE_NAMES: readonly string[] = selftestModules.map((m) => m.name);

export function caseFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
}

/** Read and parse a case file (throws a `Diagnostic` for a malformed one). */
export function loadCase(file: string, display = file): SelftestCase {
  const text = readSourceFile(file, 'the case file', 'check the path', display);
  return { ...parseCase(text, display, { modules: SELFTEST_MODULE_NAMES }), file: display };
}
