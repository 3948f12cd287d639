/** The exit codes of every `patchwise` command. */
export const ExitCode = {
  /** Everything held: cases passed, expectations held, the operation was allowed. */
  Ok: 0,
  /** A check failed: a case mismatched, an expectation failed, a decision denied. */
  Failed: 1,
  /** Bad input: a malformed file, an unknown option, op, module or plugin. Nothing ran. */
  BadInput: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
