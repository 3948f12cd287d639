/**
 * Every write of a user's file goes through here: the new content is written to a temporary file
 * in the same folder (so the rename cannot cross file systems), flushed, and renamed over the
 * target. A reader sees the old file or the new one, never half of one; on any failure the old
 * file is untouched and the temporary file removed.
 *
 * Why not write-file-atomic (the well-kept npm package): it renames as soon as one file is
 * written, and a key pair must replace both halves only once both are written (`commitTogether`);
 * and it writes through symbolic links (realpath), which a key must never do (`noFollow`).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, fsyncSync, linkSync, lstatSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Diagnostic, specialFileKind } from '@patchwise/diagnostics';
import { displayPath } from './paths.js';

export interface WriteOptions {
  /** The new file's mode (default: the existing file's, or 0666 less the umask for a new one). */
  readonly mode?: number;
  /** Refuse a symbolic link at the path instead of writing where it points (keys). */
  readonly noFollow?: boolean;
}

/** A file written beside its target, not yet in place. */
export interface Staged {
  /** Where it will be renamed to. */
  readonly file: string;
  /** Rename it into place. */
  commit(): void;
  /** Remove it (the target stays as it was). */
  discard(): void;
}

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code ?? 'error';

function writeError(file: string, err: unknown, existed: boolean): Diagnostic {
  if (err instanceof Diagnostic) return err;
  return new Diagnostic({
    code: 'PW_WRITE',
    file: displayPath(file),
    reason: `cannot write the file (${errno(err)}); ${existed ? 'it is unchanged' : 'nothing was written'}`,
    hint: 'check the path, its permissions and the free space',
  });
}

/** The path to write: the target of a link (unless `noFollow`), never a special file or a folder. */
function target(file: string, noFollow: boolean): { path: string; mode?: number } {
  const link = lstatSync(file, { throwIfNoEntry: false });
  if (link?.isSymbolicLink() && noFollow) {
    throw new Diagnostic({
      code: 'PW_WRITE',
      file: displayPath(file),
      reason: 'is a symbolic link; a key is never written through a link, and nothing was written',
      hint: 'remove the link, or write the keys to another folder (`--out-dir`)',
    });
  }
  let path = file;
  if (link?.isSymbolicLink()) {
    try {
      path = realpathSync(file);
    } catch (err) {
      throw writeError(file, err, false);
    }
  }
  const stats = link?.isSymbolicLink() ? statSync(path) : link;
  if (!stats) return { path };
  const kind = specialFileKind(stats) ?? (stats.isDirectory() ? 'a folder' : undefined);
  if (kind) {
    throw new Diagnostic({ code: 'PW_SPECIAL_FILE', file: displayPath(file), reason: `is ${kind}, not a regular file; nothing was written`, hint: 'give the path of a regular file' });
  }
  return { path, mode: stats.mode & 0o7777 };
}

/** Write `data` to a new temporary file beside `file`; `commit()` puts it in place. */
export function stageFile(file: string, data: string | Uint8Array, options: WriteOptions = {}): Staged {
  const { path, mode: existing } = target(file, options.noFollow ?? false);
  const mode = options.mode ?? existing;
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  const discard = () => rmQuietly(temp);
  let fd: number | undefined;
  try {
    // O_EXCL: a fresh file of ours, never an existing file or a link someone put there.
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode ?? 0o666);
    if (mode !== undefined) fchmodSync(fd, mode);
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    discard();
    throw writeError(file, err, existing !== undefined);
  }
  closeSync(fd);
  return {
    file: path,
    commit: () => {
      try {
        renameSync(temp, path);
      } catch (err) {
        discard();
        throw writeError(file, err, existing !== undefined);
      }
      syncFolder(dirname(path));
    },
    discard,
  };
}

/** Replace `file` with `data` atomically (see the top of this file). */
export function writeFileAtomic(file: string, data: string | Uint8Array, options: WriteOptions = {}): void {
  stageFile(file, data, options).commit();
}

/**
 * Put several staged files in place only once all are written, and all or none: each old file is
 * kept (a hard link) until every rename has succeeded, and put back if one fails.
 */
export function commitTogether(staged: readonly Staged[]): void {
  const backups = staged.map(({ file }) => {
    const backup = join(dirname(file), `.${basename(file)}.${process.pid}-${randomBytes(6).toString('hex')}.old`);
    try {
      linkSync(file, backup);
      return backup;
    } catch {
      return undefined; // no old file
    }
  });
  const done: number[] = [];
  try {
    for (const [i, s] of staged.entries()) {
      s.commit();
      done.push(i);
    }
  } catch (err) {
    for (const s of staged.slice(done.length)) s.discard();
    for (const i of done) {
      const { file } = staged[i] as Staged;
      const backup = backups[i];
      try {
        if (backup) renameSync(backup, file);
        else unlinkSync(file);
      } catch {
        // best effort: the error below names the file
      }
    }
    throw err;
  } finally {
    for (const backup of backups) if (backup) rmQuietly(backup);
  }
}

function rmQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** The rename is durable once the folder is flushed (best effort: not every platform allows it). */
function syncFolder(dir: string): void {
  try {
    const fd = openSync(dir, constants.O_RDONLY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // e.g. Windows cannot open a folder
  }
}

/**
 * Refuse, before anything runs, to write `output` when it is one of `inputs` (the same file: device
 * and inode, links followed) or a special file.
 */
export function refuseOverwritingInput(output: string, option: string, inputs: readonly (readonly [file: string | undefined, what: string])[]): void {
  const out = statSync(output, { throwIfNoEntry: false });
  if (!out) return;
  const kind = specialFileKind(out);
  if (kind) throw new Diagnostic({ code: 'PW_SPECIAL_FILE', file: displayPath(output), reason: `\`${option}\`: is ${kind}, not a regular file; nothing was written`, hint: 'give the path of a regular file' });
  for (const [file, what] of inputs) {
    const input = file === undefined ? undefined : statSync(file, { throwIfNoEntry: false });
    if (input && input.dev === out.dev && input.ino === out.ino) {
      throw new Diagnostic({
        code: 'PW_USAGE',
        reason: `\`${option} ${output}\` is ${what}; writing it would destroy it, and nothing was written`,
        hint: `give \`${option}\` another file`,
      });
    }
  }
}
