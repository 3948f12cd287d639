/**
 * The reader's only errors. Every byte of a module is untrusted: anything it cannot read ends in one
 * of these, never in a RangeError or a TypeError.
 */

/** Why a file could not be read as a livepatch module. */
export type KmodErrorCode =
  | 'NOT_ELF'
  | 'WRONG_ARCH'
  | 'NOT_MODULE'
  | 'NOT_LIVEPATCH'
  | 'TRUNCATED'
  | 'MALFORMED'
  | 'TOO_LARGE'
  | 'BAD_CERTIFICATE';

export class KmodError extends Error {
  override readonly name: string = 'KmodError';
  constructor(
    readonly code: KmodErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The file does not start with the ELF magic. */
export class NotElfError extends KmodError {
  override readonly name = 'NotElfError';
  constructor(message = 'not an ELF file (no \\x7fELF magic)') {
    super('NOT_ELF', message);
  }
}

/** ELF, but not 64-bit little-endian x86_64. */
export class WrongArchError extends KmodError {
  override readonly name = 'WrongArchError';
  constructor(message: string) {
    super('WRONG_ARCH', message);
  }
}

/** ELF x86_64, but not a kernel module (not relocatable, or no .modinfo / .gnu.linkonce.this_module). */
export class NotModuleError extends KmodError {
  override readonly name = 'NotModuleError';
  constructor(message: string) {
    super('NOT_MODULE', message);
  }
}

/** A kernel module without `livepatch=Y` in .modinfo (the loader refuses it as a livepatch). */
export class NotLivepatchError extends KmodError {
  override readonly name = 'NotLivepatchError';
  constructor(message: string) {
    super('NOT_LIVEPATCH', message);
  }
}

/** An offset or size points past the end of the file or of its section. */
export class TruncatedError extends KmodError {
  override readonly name = 'TruncatedError';
  constructor(message: string) {
    super('TRUNCATED', message);
  }
}

/** Structurally wrong: a bad index, a string without its NUL, a loop, an impossible layout. */
export class MalformedError extends KmodError {
  override readonly name = 'MalformedError';
  constructor(message: string) {
    super('MALFORMED', message);
  }
}

/** More sections, symbols, relocations or entries than any real module has (a cap, not a bug). */
export class TooLargeError extends KmodError {
  override readonly name = 'TooLargeError';
  constructor(message: string) {
    super('TOO_LARGE', message);
  }
}

export function isKmodError(err: unknown): err is KmodError {
  return err instanceof KmodError;
}
