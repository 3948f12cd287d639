import { mkdir, mkdtemp, readdir, rm, symlink, writeFile, copyFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { QemuError } from './errors.js';
import { run } from './exec.js';

/** One file of an initramfs: content given inline or copied from a host file. */
export interface PayloadFile {
  /** Absolute path in the guest. */
  readonly path: string;
  readonly data?: string | Uint8Array;
  /** A host file to copy instead of `data`. */
  readonly source?: string;
  readonly mode?: number;
}

export type ArchiveEntry = PayloadFile | { readonly path: string; readonly symlink: string } | { readonly path: string; readonly dir: true };

/** A guest path must be absolute and plain: it becomes a path in a staging folder and a line of a cpio list. */
export function checkGuestPath(path: string): string {
  if (typeof path !== 'string' || !path.startsWith('/') || path === '/') {
    throw new QemuError('BAD_INPUT', `payload path ${JSON.stringify(path)} must be an absolute file path in the guest`);
  }
  const parts = path.split('/').slice(1);
  if (parts.some((p) => p === '' || p === '.' || p === '..') || /[\n\r\0]/.test(path)) {
    throw new QemuError('BAD_INPUT', `payload path ${JSON.stringify(path)} must not contain empty, '.' or '..' parts or control characters`);
  }
  return path;
}

async function listTree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const paths = entries.map((e) => posix.join(relative(root, e.parentPath), e.name));
  // Parents before children (cpio needs the folder before its files), in a stable order.
  return paths.sort();
}

/**
 * Builds a gzip-compressed `newc` cpio archive, owned by root, without being root: the entries are
 * staged in a temporary folder and packed by `cpio -R 0:0`. The kernel accepts several such archives
 * concatenated, so a cached base image and a small per-run payload are simply joined.
 */
export async function buildArchive(entries: readonly ArchiveEntry[]): Promise<Buffer> {
  const stage = await mkdtemp(join(tmpdir(), 'patchwise-initramfs-'));
  try {
    for (const entry of entries) {
      const rel = checkGuestPath(entry.path).slice(1);
      const target = join(stage, rel);
      if ('dir' in entry) {
        await mkdir(target, { recursive: true });
        continue;
      }
      await mkdir(dirname(target), { recursive: true });
      if ('symlink' in entry) {
        await symlink(entry.symlink, target);
      } else {
        if (entry.source !== undefined) await copyFile(entry.source, target);
        else if (entry.data !== undefined) await writeFile(target, entry.data);
        else throw new QemuError('BAD_INPUT', `payload file ${entry.path} has neither \`data\` nor \`source\``);
        await chmod(target, entry.mode ?? 0o644);
      }
    }
    const list = await listTree(stage);
    const cpio = await run('cpio', ['--quiet', '-o', '-H', 'newc', '-R', '0:0'], { cwd: stage, input: Buffer.from(list.join('\n') + '\n') });
    return gzipSync(cpio);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
