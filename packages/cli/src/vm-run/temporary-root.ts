/**
 * Both sides of `run --compare` are read by `@patchwise/sysfs`'s `readSystem`, the reader `gate`
 * uses on a real machine: what the guest or the simulator shows is first written under a temporary
 * root, read there, and removed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSystem, type SystemSnapshot } from '@patchwise/sysfs';

export async function readWrittenSystem(prefix: string, write: (root: string) => Promise<void>): Promise<SystemSnapshot> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  try {
    await write(root);
    return readSystem(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
