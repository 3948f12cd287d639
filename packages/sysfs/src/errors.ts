/**
 * What can go wrong reading a system tree. A tree that cannot be read is bad input: the gate that
 * needed it refuses (fails closed) rather than guessing.
 */
import { Diagnostic } from '@patchwise/diagnostics';

export type SysfsErrorCode =
  | 'PW_SYSFS_LINK'
  | 'PW_SYSFS_NOT_FILE'
  | 'PW_SYSFS_NOT_DIR'
  | 'PW_SYSFS_TOO_BIG'
  | 'PW_SYSFS_TOO_MANY'
  | 'PW_SYSFS_BAD_NAME'
  | 'PW_SYSFS_BAD_VALUE'
  | 'PW_SYSFS_MISSING'
  | 'PW_SYSFS_READ';

/** One unreadable or implausible place of a system tree, named by its path. */
export class SysfsError extends Diagnostic {
  declare readonly code: SysfsErrorCode;

  constructor(code: SysfsErrorCode, file: string, reason: string, hint?: string) {
    super({ code, file, reason, ...(hint === undefined ? {} : { hint }) });
    this.name = 'SysfsError';
  }
}
