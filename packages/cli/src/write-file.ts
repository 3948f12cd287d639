/**
 * Writing a user's file: to a temporary file in the same folder, then renamed over it, so the file
 * is either the old one or the new one, never half written. One function, so that the commands
 * share whichever implementation the CLI settles on.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Diagnostic } from '@patchwise/diagnostics';

export function writeFileAtomic(file: string, text: string): void {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(temp, text, { flag: 'wx' });
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw new Diagnostic({
      code: 'PW_WRITE',
      file,
      reason: `cannot write the file (${(err as NodeJS.ErrnoException).code ?? 'error'}); it was left as it was`,
      hint: 'check the path and its permissions',
    });
  }
}
