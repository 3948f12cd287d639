/**
 * Special files (FIFOs, devices, sockets) are never inputs: reading one can wait forever (a FIFO
 * with no writer) or never end (/dev/zero). They are refused by what `stat` says, before any read.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { Diagnostic } from './diagnostic.js';

/** What a file is, when it is neither a regular file nor a folder: `a FIFO (named pipe)`, ... */
export function specialFileKind(stats: Stats): string | undefined {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return undefined;
}

function refusal(file: string, kind: string, what: string): Diagnostic {
  return new Diagnostic({
    code: 'PW_SPECIAL_FILE',
    file,
    reason: `${what} is ${kind}, not a regular file; it was not read`,
    hint: 'give the path of a regular file',
  });
}

/**
 * Throws a `Diagnostic` when `file` exists and is a special file (links followed), or a regular file
 * over `maxBytes` when given: for files a library reads whole before our own checks see them.
 */
export function refuseSpecialFile(file: string, what = 'the file', display = file, maxBytes?: number): void {
  const stats = statSync(file, { throwIfNoEntry: false });
  const kind = stats && specialFileKind(stats);
  if (kind) throw refusal(display, kind, what);
  if (maxBytes !== undefined && stats?.isFile() && stats.size > maxBytes) throw tooLarge(display, stats.size, maxBytes, false);
}

/** A file over `maxBytes` is refused with what it holds (or at least holds) and the limit. */
function tooLarge(display: string, size: number, maxBytes: number, atLeast: boolean): Diagnostic {
  return new Diagnostic({
    code: 'PW_TOO_LARGE',
    file: display,
    reason: `file is ${atLeast ? 'more than ' : ''}${atLeast ? maxBytes : size} bytes; the limit is ${maxBytes}`,
    hint: 'split it into smaller files',
  });
}

/**
 * A regular file's bytes. Opened with O_NONBLOCK, so that a FIFO does not block the open waiting for
 * a writer, then checked with `fstat` on the open descriptor (no window between the check and the
 * read). Throws `Diagnostic(PW_SPECIAL_FILE)` for a special file, `Diagnostic(PW_TOO_LARGE)` for
 * one over `maxBytes`, and the system error otherwise.
 *
 * The size is checked before the read and again while reading, at most `maxBytes + 1` bytes: a
 * file can grow after `fstat`, and some (procfs, sysfs) report a size of 0. A huge input thus
 * costs one `fstat`, never its whole size in memory.
 */
export function readRegularFile(file: string, what = 'the file', display = file, maxBytes = Number.MAX_SAFE_INTEGER): Buffer {
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    // A socket cannot be opened at all (ENXIO): say what it is.
    if ((err as NodeJS.ErrnoException).code === 'ENXIO') refuseSpecialFile(file, what, display);
    throw err;
  }
  try {
    const stats = fstatSync(fd);
    const kind = specialFileKind(stats);
    if (kind) throw refusal(display, kind, what);
    if (stats.isDirectory()) throw Object.assign(new Error(`${file} is a folder`), { code: 'EISDIR' });
    if (stats.size > maxBytes) throw tooLarge(display, stats.size, maxBytes, false);
    return readAtMost(fd, display, maxBytes);
  } finally {
    closeSync(fd);
  }
}

function readAtMost(fd: number, display: string, maxBytes: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes - total + 1));
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) return Buffer.concat(chunks, total);
    chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    total += n;
    if (total > maxBytes) throw tooLarge(display, total, maxBytes, true);
  }
}
