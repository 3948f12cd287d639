/**
 * Module parameters (`module_param`, `module_param_array`) and the kernel's `parse_args` rules.
 */
import { Errno } from '@patchwise/core';

export type ParamType = 'int' | 'bool' | 'charp' | 'intArray';
export type ParamValue = number | boolean | string | number[];

export interface ParamSpec {
  readonly type: ParamType;
  readonly default?: ParamValue;
  /** sysfs permissions of `/sys/module/M/parameters/P`; 0 (default) hides the file. */
  readonly perm?: number;
}

export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** `kstrtobool`: y/t/1/on and n/f/0/off, by first letters; `undefined` for anything else. */
export function parseBool(text: string): boolean | undefined {
  const [first = '', second = ''] = text.trim();
  if ('yYtT1'.includes(first) && first) return true;
  if ('nNfF0'.includes(first) && first) return false;
  if (first === 'o' || first === 'O') {
    if (second && 'nN'.includes(second)) return true;
    if (second && 'fF'.includes(second)) return false;
  }
  return undefined;
}

/** `kstrtoint` with base 0: decimal, 0x hex, 0 octal. */
export function parseInt32(text: string): number | undefined {
  const t = text.trim();
  const m = /^([+-]?)(0x[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(t);
  if (!m) return undefined;
  const [, sign, digits = ''] = m;
  const magnitude = digits.startsWith('0x')
    ? Number.parseInt(digits.slice(2), 16)
    : digits.length > 1 && digits.startsWith('0')
      ? Number.parseInt(digits, 8)
      : Number.parseInt(digits, 10);
  const value = sign === '-' ? -magnitude : magnitude;
  return value >= -2147483648 && value <= 2147483647 ? value : undefined;
}

export function parseValue(type: ParamType, text: string | undefined): ParamValue | undefined {
  switch (type) {
    case 'bool':
      return text === undefined ? true : parseBool(text);
    case 'int':
      return text === undefined ? undefined : parseInt32(text);
    case 'charp':
      return text ?? '';
    case 'intArray': {
      if (text === undefined) return undefined;
      const values = text.split(',').map(parseInt32);
      return values.every((v) => v !== undefined) ? (values as number[]) : undefined;
    }
  }
}

export function formatValue(type: ParamType, value: ParamValue): string {
  if (type === 'bool') return value ? 'Y' : 'N';
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

export function defaultValue(spec: ParamSpec): ParamValue {
  if (spec.default !== undefined) return spec.default;
  return { int: 0, bool: false, charp: '', intArray: [] as number[] }[spec.type];
}

export interface ParsedArgs {
  readonly values: Record<string, ParamValue>;
  readonly warnings: string[];
  readonly error?: { readonly errno: number; readonly message: string };
}

/**
 * `parse_args` for `insmod M.ko ARGS`: unknown parameters are ignored with a warning; a bad value
 * fails the load with -EINVAL.
 */
export function parseModuleArgs(module: string, specs: ParamSpecs, args: string): ParsedArgs {
  const values: Record<string, ParamValue> = {};
  for (const [name, spec] of Object.entries(specs)) values[name] = defaultValue(spec);
  const warnings: string[] = [];
  for (const word of args.split(/\s+/).filter(Boolean)) {
    const eq = word.indexOf('=');
    const name = eq < 0 ? word : word.slice(0, eq);
    const text = eq < 0 ? undefined : word.slice(eq + 1);
    const spec = specs[name.replace(/-/g, '_')];
    if (!spec) {
      warnings.push(`${module}: unknown parameter '${name}' ignored`);
      continue;
    }
    const value = parseValue(spec.type, text);
    if (value === undefined) {
      return {
        values,
        warnings,
        // kernel/params.c quotes both between a backtick and an apostrophe (unlike the module loader's
        // "unknown parameter 'x' ignored" above, which uses apostrophes alone).
        error: { errno: -Errno.EINVAL, message: `${module}: \`${text ?? ''}' invalid for parameter \`${name}'` },
      };
    }
    values[name.replace(/-/g, '_')] = value;
  }
  return { values, warnings };
}
