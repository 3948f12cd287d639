/**
 * Command-line paths: folders expand to their files; output shows paths relative to the working folder.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { Diagnostic } from '@patchwise/diagnostics';

export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

/** What a folder of scenarios holds: `*.scenario.yaml` (beside configs and patch manifests). */
export const SCENARIO_FILE = /\.scenario\.(ya?ml|json)$/;

/** Files named, and the files matching `pattern` in folders named (sorted). */
export function expandFiles(paths: readonly string[], pattern: RegExp, what: string): string[] {
  return paths.flatMap((path) => {
    if (!existsSync(path)) {
      throw new Diagnostic({ code: 'PW_NO_SUCH_FILE', file: path, reason: 'no such file or folder', hint: 'check the path' });
    }
    if (!statSync(path).isDirectory()) return [path];
    const files = walk(path, pattern);
    if (files.length === 0) throw new Diagnostic({ code: 'PW_NO_SUCH_FILE', file: path, reason: 'the folder holds none of the files expected here', hint: what });
    return files;
  });
}

/** Files matching `pattern` in `dir` and its subfolders (not node_modules), sorted by path. */
function walk(dir: string, pattern: RegExp, depth = 0): string[] {
  if (depth > 8) return [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name.startsWith('.') ? [] : walk(path, pattern, depth + 1);
    return pattern.test(entry.name) ? [path] : [];
  });
}

/**
 * Commander's parser for every path option and argument: an empty string (`--config ''`, an unset
 * variable) is bad input, never "no config" or "an empty machine".
 */
export function pathValue(value: string): string {
  if (value === '') throw new InvalidArgumentError('an empty string is not a path');
  return value;
}

/** `pathValue` for a variadic argument (commander folds the values through it). */
export const pathValues = (value: string, previous: readonly string[] = []): string[] => [...previous, pathValue(value)];
