/**
 * Special files (FIFOs, devices, sockets) are never inputs: reading one can wait forever (a FIFO
 * with no writer) or never end (/dev/zero). They are refused by what `stat` says, before any read.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, statSync, type Stats } from 'node:fs';
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

/** Throws a `Diagnostic` when `file` exists and is a special file (links followed); else nothing. */
export function refuseSpecialFile(file: string, what = 'the file', display = file): void {
  const stats = statSync(file, { throwIfNoEntry: false });
  const kind = stats && specialFileKind(stats);
  if (kind) throw refusal(display, kind, what);
}

/**
 * A regular file's text. Opened with O_NONBLOCK, so that a FIFO does not block the open waiting for
 * a writer, then checked with `fstat` on the open descriptor (no window between the check and the
 * read). Throws `Diagnostic(PW_SPECIAL_FILE)` for a special file, and the system error otherwise.
 */
export function readRegularFile(file: string, what = 'the file', display = file): Buffer {
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
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}
