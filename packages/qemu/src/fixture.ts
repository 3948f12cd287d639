import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QemuError } from './errors.js';
import { checkGuestPath } from './initramfs.js';

/** A captured tree made whole in a temporary folder; `cleanup()` removes it. */
export interface MaterializedFixture {
  /** Pass as `--system ROOT`. */
  readonly root: string;
  readonly capture: FixtureCapture;
  cleanup(): Promise<void>;
}

/** `CAPTURE.json` of a fixture: where and how it was captured, and what a git checkout cannot hold. */
export interface FixtureCapture {
  readonly kernel: { readonly series: string; readonly release: string };
  readonly scenario: string;
  readonly about: string;
  readonly steps: readonly string[];
  readonly modes: Readonly<Record<string, string>>;
  readonly unreadable: Readonly<Record<string, string>>;
  readonly emptyDirs: readonly string[];
}

/**
 * Copies a fixture of fixtures/sysfs/<series>/<scenario>/ to a temporary folder and recreates the
 * empty folders git cannot keep (each function's `NAME,POS` folder is empty in sysfs). Symlinks stay
 * symlinks; CAPTURE.json is left out of the root.
 */
export async function materializeFixture(dir: string): Promise<MaterializedFixture> {
  let capture: FixtureCapture;
  try {
    capture = JSON.parse(await readFile(join(dir, 'CAPTURE.json'), 'utf8')) as FixtureCapture;
  } catch (err) {
    throw new QemuError('BAD_INPUT', `${join(dir, 'CAPTURE.json')} cannot be read: ${(err as Error).message}`);
  }
  const root = await mkdtemp(join(tmpdir(), `patchwise-fixture-${capture.scenario}-`));
  try {
    await cp(dir, root, { recursive: true, verbatimSymlinks: true, filter: (src) => src !== join(dir, 'CAPTURE.json') });
    for (const d of capture.emptyDirs ?? []) await mkdir(join(root, checkGuestPath(d)), { recursive: true });
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  return { root, capture, cleanup: () => rm(root, { recursive: true, force: true }) };
}
