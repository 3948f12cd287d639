/**
 * The canonical serialization a manifest signature covers: the whole manifest but its `signature`,
 * as JSON with sorted keys and no whitespace, defined so that two different manifests never share
 * one encoding (the form is written down in plugins/vendor-tags/README.md, "The signed form").
 *
 * Not `JSON.stringify`: it writes NaN and ±Infinity as `null`, -0 as `0`, `undefined` in a list as
 * `null`, drops functions and symbols silently, calls `toJSON` (a Date becomes a string) and calls
 * getters. Every value here either has exactly one encoding or is refused with a `TypeError` naming
 * its place, and a refused manifest can be neither signed nor verified.
 */
import { formatPath } from '@patchwise/diagnostics';
import { FORBIDDEN_KEYS, isPlainRecord, isWellFormed, numberProblem } from './plain-data.js';

type Path = (string | number)[];

function refuse(path: Path, reason: string): never {
  throw new TypeError(`${reason}${path.length ? ` (at \`${formatPath(path)}\`)` : ''}`);
}

const unsignable = (what: string) => `a manifest holding ${what} cannot be signed`;

function encodeString(text: string, path: Path): string {
  if (!isWellFormed(text)) refuse(path, unsignable('a string that is not valid Unicode text (a lone surrogate)'));
  // For a well-formed string JSON's escaping is one-to-one: `"`, `\` and U+0000–U+001F escaped,
  // everything else as itself.
  return JSON.stringify(text);
}

function encode(value: unknown, path: Path, ancestors: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return encodeString(value, path);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number': {
      const problem = numberProblem(value);
      if (problem) refuse(path, `${unsignable('this number')}: ${problem}`);
      // ECMAScript's Number-to-String is the shortest text that reads back as the same double, one
      // per double; it prints -0 as `0`, so -0 is spelled out.
      return Object.is(value, -0) ? '-0' : String(value);
    }
    case 'function':
      return refuse(path, 'a manifest with functions in it cannot be signed; use declarative callback actions');
    case 'undefined':
      return refuse(path, unsignable('an undefined value in a list'));
    case 'object':
      break;
    default:
      return refuse(path, unsignable(`a ${typeof value}`));
  }
  if (value === null) return 'null';
  if (ancestors.has(value)) refuse(path, unsignable('an object that contains itself'));
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      if (Object.getPrototypeOf(value) !== Array.prototype) refuse(path, unsignable('a list of a class of its own'));
      const items: string[] = [];
      for (let i = 0; i < value.length; i += 1) {
        const desc = Object.getOwnPropertyDescriptor(value, i);
        if (!desc) refuse([...path, i], unsignable('a hole in a list'));
        if (!('value' in desc)) refuse([...path, i], unsignable('a getter'));
        items.push(encode(desc.value, [...path, i], ancestors));
      }
      if (Object.keys(value).length !== value.length) refuse(path, unsignable('a list with keys of its own'));
      return `[${items.join(',')}]`;
    }
    if (!isPlainRecord(value)) refuse(path, unsignable('an object that is not plain data (a class instance, or one with a prototype of its own)'));
    const entries: string[] = [];
    // Keys in UTF-16 code unit order (the default sort), each once: an object has no duplicate keys.
    for (const key of Object.keys(value).sort()) {
      if (FORBIDDEN_KEYS.has(key)) refuse([...path, key], unsignable(`key \`${key}\``));
      const desc = Object.getOwnPropertyDescriptor(value, key) as PropertyDescriptor;
      if (!('value' in desc)) refuse([...path, key], unsignable('a getter'));
      // An absent optional field and one set to `undefined` are the same manifest to every reader.
      if (desc.value === undefined) continue;
      entries.push(`${encodeString(key, [...path, key])}:${encode(desc.value, [...path, key], ancestors)}`);
    }
    return `{${entries.join(',')}}`;
  } finally {
    ancestors.delete(value);
  }
}

/**
 * The text a vendor signs (as UTF-8 bytes): every field of the manifest but `signature`. Throws a
 * `TypeError` naming the place of anything that has no canonical form.
 */
export function canonicalManifest(manifest: object): string {
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest) || !isPlainRecord(manifest)) {
    refuse([], 'a manifest to sign is a plain object');
  }
  const rest: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(manifest)) {
    const desc = Object.getOwnPropertyDescriptor(manifest, key) as PropertyDescriptor;
    if (!('value' in desc)) refuse([key], unsignable('a getter'));
    if (key !== 'signature') rest[key] = desc.value;
  }
  return encode(rest, [], new Set());
}
