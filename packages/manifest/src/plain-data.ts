/**
 * What a manifest may be made of: plain data. Checked before anything else reads a manifest, so that
 * what is validated, what is signed and what runs are one and the same value.
 *
 * Why each rule:
 * - `__proto__`, `constructor` and `prototype` keys: a copy made by assignment (`copy[key] = v`)
 *   turns `__proto__` into the copy's prototype, and every key the copy lacks is then read from an
 *   object the author chose (a signed manifest, say) without being part of what was signed. The
 *   other two are what prototype tricks reach next. No manifest field is named so: refused outright.
 * - Only plain objects and arrays, own enumerable data properties: zod and the core read inherited,
 *   non-enumerable and getter properties, the signature covers own enumerable keys only; a getter
 *   may answer differently when the signature is checked and when the patch runs.
 * - Strings must be well-formed Unicode (no lone surrogate, which UTF-8 cannot hold and which an
 *   encoder replaces by U+FFFD, making two strings one).
 * - Numbers must be finite, and integers within ±(2^53 − 1): a YAML or JSON reader has already
 *   rounded a larger one (9007199254740993 reads as 9007199254740992), and NaN and ±Infinity have
 *   no form in the signed encoding (JSON would write them as `null`).
 */

/** Keys that reach an object's prototype. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export interface DataProblem {
  readonly path: (string | number)[];
  readonly reason: string;
  /** The problem is the key at the end of `path`, not its value. */
  readonly key: boolean;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `text` is well-formed Unicode: what UTF-8 can hold (no lone surrogate). */
export const isWellFormed = (text: string): boolean => !LONE_SURROGATE.test(text);

/** Whether an object's prototype makes it a plain record: an object literal's, or none. */
export function isPlainRecord(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Why `value` cannot stand for itself as a number of a manifest, or `undefined`. */
export function numberProblem(value: number): string | undefined {
  if (Number.isNaN(value)) return 'NaN is not a number a manifest can hold (and has no signed form)';
  if (!Number.isFinite(value)) return `${value} is not a number a manifest can hold (and has no signed form)`;
  if (Math.abs(value) > Number.MAX_SAFE_INTEGER) {
    return `a number beyond ±(2^53 − 1) (read as ${value}): a YAML or JSON reader rounds such integers, so it may not be the one written; write it as a string`;
  }
  return undefined;
}

/**
 * The first thing in `value` that is not plain data (in document order), or `undefined`. Functions
 * are let through: TypeScript manifests may give callbacks as functions, and the schema says where.
 * An object may appear twice (a YAML alias), but not inside itself.
 */
export function dataProblem(value: unknown, path: (string | number)[] = [], ancestors = new Set<object>()): DataProblem | undefined {
  if (typeof value === 'string') {
    return isWellFormed(value) ? undefined : { path, reason: 'not valid Unicode text (a lone surrogate, which UTF-8 cannot hold)', key: false };
  }
  if (typeof value === 'number') {
    const problem = numberProblem(value);
    return problem ? { path, reason: problem, key: false } : undefined;
  }
  if (typeof value === 'bigint' || typeof value === 'symbol') return { path, reason: `a ${typeof value} is not data a manifest can hold`, key: false };
  if (typeof value !== 'object' || value === null) return undefined;
  if (ancestors.has(value)) return { path, reason: 'the object contains itself (a manifest is a tree)', key: false };
  const array = Array.isArray(value);
  if (array ? Object.getPrototypeOf(value) !== Array.prototype : !isPlainRecord(value)) {
    return { path, reason: 'not a plain object or list (a class instance, or an object with a prototype of its own)', key: false };
  }
  ancestors.add(value);
  try {
    let count = 0;
    for (const key of Reflect.ownKeys(value)) {
      if (array && key === 'length') continue;
      if (typeof key === 'symbol') return { path, reason: 'a symbol key is not data a manifest can hold', key: false };
      if (FORBIDDEN_KEYS.has(key)) {
        return {
          path: [...path, key],
          reason: `key \`${key}\` is not allowed: \`__proto__\`, \`constructor\` and \`prototype\` could reach an object's prototype`,
          key: true,
        };
      }
      if (!isWellFormed(key)) return { path: [...path, key], reason: 'the key is not valid Unicode text (a lone surrogate)', key: true };
      const at = array ? Number(key) : key;
      if (array && String(at) !== key) return { path, reason: 'a list with keys of its own is not data', key: false };
      const desc = Object.getOwnPropertyDescriptor(value, key) as PropertyDescriptor;
      if (!('value' in desc) || !desc.enumerable) {
        return { path: [...path, at], reason: 'not a plain data property (a getter, or a hidden property)', key: true };
      }
      count += 1;
      const problem = dataProblem(desc.value, [...path, at], ancestors);
      if (problem) return problem;
    }
    if (array && count !== (value as unknown[]).length) return { path, reason: 'a list with holes is not data', key: false };
    return undefined;
  } finally {
    ancestors.delete(value);
  }
}
