/**
 * Text and names on their way into C: every string becomes a string literal that decodes to the
 * same UTF-8 bytes, every name is checked to be what C and kbuild accept, whatever the manifest
 * reader already checked.
 */
import { UnsupportedOnKernel } from './errors.js';

const PLAIN = /[ !#$&'()*+,\-./0-9:;<=>@A-Z[\]^_`a-z{|}~%]/;

/**
 * A C string literal holding exactly the UTF-8 bytes of `text`: printable ASCII as is (`"`, `\`
 * and `?` escaped, the last against trigraphs), everything else as a three-digit octal escape, so a
 * following digit can never join it. `%` stays as it is: generated code never uses input as a
 * format string.
 */
export function cString(text: string): string {
  let out = '"';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (ch === '"' || ch === '\\' || ch === '?') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (byte < 0x80 && PLAIN.test(ch)) out += ch;
    else out += `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return `${out}"`;
}

/** The number of bytes `text` takes in C (without a terminating NUL). */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

const C_KEYWORDS = new Set(
  (
    'auto break case char const continue default do double else enum extern float for goto if inline int long register ' +
    'restrict return short signed sizeof static struct switch typedef union unsigned void volatile while asm typeof ' +
    '_Alignas _Alignof _Atomic _Bool _Complex _Generic _Imaginary _Noreturn _Static_assert _Thread_local'
  ).split(' '),
);

/** Names the generated code keeps for itself. */
export const RESERVED_PREFIX = 'pw__';

/** Symbols every module defines (module_init and module_exit alias them; kbuild adds the last). */
const MODULE_SYMBOLS = new Set(['init_module', 'cleanup_module', '__this_module']);

/**
 * A function name that must become a C function of that exact name (the kernel finds the original
 * by it): a C identifier, no keyword, not one of ours, at most 127 bytes (KSYM_NAME_LEN on 6.1).
 */
export function checkFunctionName(name: unknown, what: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,126}$/.test(name)) {
    throw new UnsupportedOnKernel(what, `${JSON.stringify(name)} is not a C identifier (letters, digits and \`_\`, not starting with a digit, at most 127)`);
  }
  if (C_KEYWORDS.has(name)) throw new UnsupportedOnKernel(what, `\`${name}\` is a C keyword`);
  if (MODULE_SYMBOLS.has(name)) throw new UnsupportedOnKernel(what, `\`${name}\` is a symbol every kernel module defines`);
  if (name.startsWith(RESERVED_PREFIX)) throw new UnsupportedOnKernel(what, `\`${name}\` starts with \`${RESERVED_PREFIX}\`, which the generated code keeps for itself`);
  return name;
}

/**
 * A module name kbuild and the loader accept: letters, digits, `_` and `-` (not first), at most 55
 * bytes (MODULE_NAME_LEN - 1).
 */
export function checkModuleName(name: unknown, what: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_-]{0,54}$/.test(name)) {
    throw new UnsupportedOnKernel(what, `${JSON.stringify(name)} is not a module name (letters, digits, \`_\` and \`-\`, not starting with \`-\`, at most 55)`);
  }
  return name;
}

/** The name the kernel gives a module built from `name.ko`: kbuild turns `-` into `_`. */
export function kernelModuleName(name: string): string {
  return name.replace(/-/g, '_');
}
