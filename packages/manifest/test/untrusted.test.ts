/**
 * Manifests are untrusted data (issue 11): what is validated, what is signed and what runs must be
 * one value. Each mechanism that could make them differ is refused where the manifest is read, and
 * has no canonical (signed) form.
 */
import { describe, expect, it } from 'vitest';
import { isDiagnostic, type Diagnostic } from '@patchwise/diagnostics';
import { canonicalManifest, parseManifest } from '@patchwise/manifest';

const base = { name: 'p', functions: ['cmdline_proc_show'] };

function refusal(value: unknown): Diagnostic {
  try {
    parseManifest(value, { file: 'm.yaml' });
  } catch (err) {
    if (isDiagnostic(err)) return err;
    throw err;
  }
  throw new Error('the manifest was accepted');
}

/** `{"__proto__": ...}` as JSON and YAML give it: an own key (an object literal sets the prototype instead). */
const withOwnKey = (target: Record<string, unknown>, key: string, value: unknown) => {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
};

describe('parseManifest refuses what is not plain data, naming the place', () => {
  it.each([
    ['__proto__', { ...base, metadata: JSON.parse('{"__proto__": {"vendor": "acme"}}') as unknown }, 'metadata.__proto__'],
    ['constructor', { ...base, metadata: { owner: 'a', constructor: { prototype: { vendor: 'acme' } } } }, 'metadata.constructor'],
    ['prototype', { ...base, callbacks: { prototype: { postPatch: [{ log: 'x' }] } } }, 'callbacks.prototype'],
  ])('a `%s` key, anywhere', (key, manifest, path) => {
    const err = refusal(manifest);
    expect(err.path).toBe(path);
    expect(err.reason).toContain(`key \`${key}\` is not allowed`);
  });

  it('a `__proto__` key at the top of the manifest', () => {
    expect(refusal(withOwnKey({ ...base }, '__proto__', { vendor: 'acme' })).path).toBe('__proto__');
  });

  it('an object whose prototype is another manifest (its fields would be read, not signed)', () => {
    const planted = Object.create({ vendor: 'acme', functions: ['cmdline_proc_show'] }) as Record<string, unknown>;
    planted.name = 'p';
    expect(refusal(planted).reason).toContain('not a plain object');
    expect(refusal({ ...base, metadata: { team: Object.create({ x: 1 }) as unknown } }).path).toBe('metadata.team');
  });

  it('a class instance (a Date), a getter, a hidden property', () => {
    expect(refusal({ ...base, metadata: { when: new Date(0) } }).path).toBe('metadata.when');
    let reads = 0;
    const getter = Object.defineProperty({ ...base }, 'vendor', { get: () => (reads++ === 0 ? 'acme' : 'evil'), enumerable: true });
    expect(refusal(getter).path).toBe('vendor');
    expect(refusal(Object.defineProperty({ ...base }, 'vendor', { value: 'acme', enumerable: false })).path).toBe('vendor');
  });

  it('a string or key that is not valid Unicode (a lone surrogate)', () => {
    expect(refusal({ ...base, vendor: 'acme\uD800' }).path).toBe('vendor');
    expect(refusal({ ...base, metadata: { ['k\uDC00']: 1 } }).reason).toContain('not valid Unicode');
  });

  it('NaN, ±Infinity, and integers a reader has rounded', () => {
    expect(refusal({ ...base, metadata: { x: Number.NaN } }).reason).toContain('NaN');
    expect(refusal({ ...base, metadata: { x: Number.POSITIVE_INFINITY } }).path).toBe('metadata.x');
    expect(refusal({ ...base, metadata: { x: Number.NEGATIVE_INFINITY } }).path).toBe('metadata.x');
    expect(refusal({ ...base, states: [{ id: 2 ** 53, version: 1 }] }).path).toBe('states[0].id');
    expect(parseManifest({ ...base, states: [{ id: 2 ** 53 - 1, version: 1 }] }).states?.[0]?.id).toBe(2 ** 53 - 1);
  });

  it('an object inside itself, a list with holes; an object met twice (a YAML alias) is fine', () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(refusal({ ...base, metadata: loop }).path).toBe('metadata.self');
    // eslint-disable-next-line no-sparse-arrays -- the hole is the point
    expect(refusal({ ...base, metadata: { list: [1, , 3] } }).reason).toContain('holes');
    const shared = { a: 1 };
    expect(parseManifest({ ...base, metadata: { x: shared, y: shared } }).name).toBe('p');
  });
});

describe('canonicalManifest: one encoding per manifest', () => {
  const enc = (metadata: unknown) => canonicalManifest({ name: 'p', metadata });

  it('NaN, ±Infinity and null never share one (NaN and ±Infinity have none)', () => {
    expect(enc({ x: null })).toBe('{"metadata":{"x":null},"name":"p"}');
    for (const x of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => enc({ x })).toThrow(/cannot be signed/);
      expect(() => enc({ list: [x] })).toThrow(/at `metadata\.list\[0\]`/);
    }
  });

  it('-0 and 0 differ; an undefined in a list is not null', () => {
    expect(enc({ x: -0 })).not.toBe(enc({ x: 0 }));
    expect(() => enc({ list: [undefined] })).toThrow(/undefined/);
    expect(enc({ list: [null] })).toBe('{"metadata":{"list":[null]},"name":"p"}');
  });

  it('integers past 2^53 are refused, not rounded', () => {
    expect(() => enc({ n: 2 ** 53 })).toThrow(/beyond/);
    expect(enc({ n: 2 ** 53 - 1 })).toBe('{"metadata":{"n":9007199254740991},"name":"p"}');
  });

  it('a lone surrogate is refused, not replaced by U+FFFD', () => {
    expect(() => enc({ s: '\uD800' })).toThrow(/not valid Unicode/);
    expect(() => enc({ ['\uDC00']: 1 })).toThrow(/not valid Unicode/);
    expect(enc({ s: '\uFFFD' })).toBe('{"metadata":{"s":"\uFFFD"},"name":"p"}');
  });

  it('what JSON would turn into something else is refused: a Date, a Map, a bigint, a getter, a planted prototype', () => {
    expect(() => enc({ d: new Date(0) })).toThrow(/not plain data/);
    expect(() => enc({ m: new Map() })).toThrow(/not plain data/);
    expect(() => enc({ b: 1n })).toThrow(/bigint/);
    expect(() => enc(Object.defineProperty({}, 'g', { get: () => 1, enumerable: true }))).toThrow(/getter/);
    expect(() => canonicalManifest(Object.create({ vendor: 'acme' }) as object)).toThrow(/plain object/);
    expect(() => enc(JSON.parse('{"__proto__": {"vendor": "acme"}}'))).toThrow(/`__proto__`/);
  });

  it('is JSON with sorted keys for ordinary manifests (signatures made before still verify)', () => {
    const m = { vendor: 'acme', name: 'p', tags: ['b', 'a'], metadata: { z: 1.5, a: 'x"y\n' }, signature: 'AAAA' };
    const { signature: _signature, ...rest } = m;
    const sorted = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(sorted) : typeof v === 'object' && v !== null ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;
    expect(canonicalManifest(m)).toBe(JSON.stringify(sorted(rest)));
  });
});
