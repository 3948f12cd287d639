/**
 * `--decisions FILE`: every decision appended to an audit log, one JSON record per line.
 *
 * An audit log is appended to, not rewritten: a copy-and-rename would lose the records of a
 * concurrent run (the last rename wins). What keeps earlier records safe instead: O_APPEND writes
 * only past the end, so no write of ours can touch a record already there; each batch is one
 * write, flushed; and a batch whose write was cut short (a full disk, a killed process) leaves at
 * worst one torn last line, which the next batch does not glue onto (it starts on a new line).
 * Readers skip a line that is not valid JSON. A special file (a FIFO) is refused, never waited on.
 */
import { closeSync, constants, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import type { Decision } from '@patchwise/core';
import { Diagnostic, specialFileKind } from '@patchwise/diagnostics';
import { fleetRecord, type RecordContext } from './decision-records.js';
import { displayPath, pathValue } from './paths.js';

const failure = (file: string, reason: string) =>
  new Diagnostic({ code: 'PW_WRITE', file: displayPath(file), reason, hint: 'check the path, its permissions and the free space' });

export function appendDecisions(file: string, decisions: readonly Decision[], context: RecordContext): void {
  if (decisions.length === 0) return;
  const records = decisions.map((d) => `${JSON.stringify(fleetRecord(d, context))}\n`).join('');
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO with no reader fails at once instead of blocking the open.
    fd = openSync(file, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK, 0o666);
  } catch (err) {
    throw failure(file, `cannot append the decisions (${(err as NodeJS.ErrnoException).code ?? 'error'}); nothing was written`);
  }
  try {
    const stats = fstatSync(fd);
    const kind = specialFileKind(stats) ?? (stats.isDirectory() ? 'a folder' : undefined);
    if (kind) throw failure(file, `is ${kind}, not a regular file; no decision was appended`);
    const last = Buffer.alloc(1);
    const torn = stats.size > 0 && readSync(fd, last, 0, 1, stats.size - 1) === 1 && last[0] !== 0x0a;
    const bytes = Buffer.from(torn ? `\n${records}` : records);
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } catch (err) {
    if (err instanceof Diagnostic) throw err;
    throw failure(file, `cannot append the decisions (${(err as NodeJS.ErrnoException).code ?? 'error'}); the records already in it are unchanged`);
  } finally {
    closeSync(fd);
  }
}

export const DECISIONS_OPTION = ['--decisions <file>', 'append every decision to FILE, one JSON record per line (an audit log)', pathValue] as const;
