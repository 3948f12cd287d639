/**
 * The conformance cases shipped with this package: the kernel selftests (`cases/`, kept in sync
 * with the shared copy by `pnpm sync-cases`) and our own transcriptions of the rest (`cases-extra/`).
 */
import { readdirSync } from 'node:fs';
import { readSourceFile } from '@patchwise/diagnostics';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selftestModules } from '@patchwise/sim';
import { parseCase, type SelftestCase } from './case.js';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export const CASES_DIR = join(packageRoot, 'cases');
export const EXTRA_CASES_DIR = join(packageRoot, 'cases-extra');

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
