/**
 * Temp projects for config tests: a folder under the OS temp dir, with a package.json at its root
 * (the project root discovery stops at), and the files a test writes into it.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Diagnostic } from '@patchwise/diagnostics';

const made: string[] = [];

/** A fresh folder (realpath, so paths compare equal to what discovery reports). */
export function tempDir(prefix = 'patchwise-config-'): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

/** A fresh project: a package.json at the root plus `files` (path → text). */
export function tempProject(files: Record<string, string> = {}, packageJson: object = { name: 'tmp-project', private: true }): string {
  const dir = tempDir();
  write(dir, { 'package.json': `${JSON.stringify(packageJson, null, 2)}\n`, ...files });
  return dir;
}

export function write(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
}

export function cleanup(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The error `promise` rejects with; fails the test when it resolves, or rejects with a non-Diagnostic. */
export async function diagnosticOf(promise: Promise<unknown>): Promise<Diagnostic> {
  let value: unknown;
  try {
    value = await promise;
  } catch (err) {
    if (err instanceof Diagnostic) return err;
    throw new Error(`expected a Diagnostic, got: ${String((err as Error)?.stack ?? err)}`);
  }
  throw new Error(`expected a Diagnostic, but it resolved to ${JSON.stringify(value, (_k, v) => (typeof v === 'function' ? '[fn]' : v))?.slice(0, 300)}`);
}

/** A hand-made policy module (what `definePolicy` would return), for plugins by path. */
export function localPolicySource(name: string, description = 'a local test policy'): string {
  return `export default {
  kind: 'patchwise-policy',
  name: ${JSON.stringify(name)},
  meta: { docs: { description: ${JSON.stringify(description)} }, messages: {} },
  apply() {},
};
`;
}
