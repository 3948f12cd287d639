/**
 * One error a user can act on: what is wrong, where (file, line, column, path inside the document),
 * and how to fix it.
 */
import { readRegularFile } from './special-file.js';
import { YAML_LIMITS } from './limits.js';

/** A place in a source file. Lines and columns are 1-based. */
export interface SourcePlace {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  /** Where inside the document, e.g. `ops[3].load_lp.name` or `plugins[0].options.replace`. */
  readonly path?: string;
}

export interface DiagnosticInit extends SourcePlace {
  /** Stable code, e.g. `PW_CASE_UNKNOWN_OP`. */
  readonly code: string;
  /** What is wrong. Names options and values in backticks. */
  readonly reason: string;
  /** How to fix it. */
  readonly hint?: string;
  readonly cause?: unknown;
}

/** `file:line:column` (what exists of it), for the head of a message. */
export function formatPlace(place: SourcePlace): string {
  let where = place.file ?? '';
  if (place.line !== undefined) where += `${where ? ':' : ''}${place.line}${place.column !== undefined ? `:${place.column}` : ''}`;
  return where;
}

/** An error with a code, a place and a hint; `message` is the formatted one-liner (plus hint). */
export class Diagnostic extends Error implements SourcePlace {
  readonly code: string;
  readonly reason: string;
  readonly hint: string | undefined;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly path: string | undefined;

  constructor(init: DiagnosticInit) {
    super(Diagnostic.format(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'Diagnostic';
    this.code = init.code;
    this.reason = init.reason;
    this.hint = init.hint;
    this.file = init.file;
    this.line = init.line;
    this.column = init.column;
    this.path = init.path;
  }

  static format(init: DiagnosticInit): string {
    const where = formatPlace(init);
    const at = init.path ? ` (at \`${init.path}\`)` : '';
    const head = `${where ? `${where}: ` : ''}${init.reason}${at}`;
    return init.hint ? `${head}\n  hint: ${init.hint}` : head;
  }

  /** The same diagnostic at another place (e.g. once the file is known). */
  at(place: SourcePlace): Diagnostic {
    return new Diagnostic({ ...this.#init(), ...place });
  }

  toJSON(): DiagnosticInit & { message: string } {
    return { ...this.#init(), message: this.message };
  }

  #init(): DiagnosticInit {
    return {
      code: this.code,
      reason: this.reason,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.file === undefined ? {} : { file: this.file }),
      ...(this.line === undefined ? {} : { line: this.line }),
      ...(this.column === undefined ? {} : { column: this.column }),
      ...(this.path === undefined ? {} : { path: this.path }),
    };
  }
}

export function isDiagnostic(value: unknown): value is Diagnostic {
  return value instanceof Diagnostic;
}

/**
 * A file's text, or a `Diagnostic` (`PW_NO_SUCH_FILE`) naming it and why it cannot be read.
 * `what` says what the file is ("the manifest"), `hint` how to get one.
 */
export function readSourceFile(file: string, what: string, hint = 'check the path', display = file): string {
  let bytes: Buffer;
  try {
    bytes = readRegularFile(file, what, display, YAML_LIMITS.maxSize);
  } catch (err) {
    if (err instanceof Diagnostic) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new Diagnostic({
      code: 'PW_NO_SUCH_FILE',
      file: display,
      reason: `cannot read ${what}${code === 'ENOENT' ? ': no such file' : code === 'EISDIR' ? ': it is a folder' : ` (${code ?? 'error'})`}`,
      hint,
    });
  }
  return decodeUtf8(bytes, display);
}

// `fatal`: bytes that are not UTF-8 are an error, never U+FFFD (two different files would read as
// one text, and a signature over it would cover both). `ignoreBOM`: a byte order mark stays in
// the text, as it always has.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The text of a file's bytes, or a `Diagnostic` (`PW_ENCODING`) naming the file, the line and the
 * byte offset of the first byte that is not UTF-8.
 */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    const offset = invalidUtf8Offset(bytes);
    let line = 1;
    for (let i = 0; i < offset; i += 1) if (bytes[i] === 0x0a) line += 1;
    const byte = (bytes[offset] ?? 0).toString(16).toUpperCase().padStart(2, '0');
    throw new Diagnostic({
      code: 'PW_ENCODING',
      file,
      line,
      reason: `not a text file: not valid UTF-8 (byte 0x${byte} at byte offset ${offset})`,
      hint: 'save the file as UTF-8 text',
    });
  }
}

/**
 * Where the first invalid sequence starts. The lossy decoding matches the bytes one to one up to
 * it, so its first U+FFFD that is not a real U+FFFD (EF BF BD) in the bytes is the place.
 */
function invalidUtf8Offset(bytes: Uint8Array): number {
  const lossy = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let from = 0;
  for (let at = lossy.indexOf('\uFFFD'); at >= 0; at = lossy.indexOf('\uFFFD', at + 1)) {
    from = Buffer.byteLength(lossy.slice(0, at));
    if (!(bytes[from] === 0xef && bytes[from + 1] === 0xbf && bytes[from + 2] === 0xbd)) return from;
  }
  return from;
}
