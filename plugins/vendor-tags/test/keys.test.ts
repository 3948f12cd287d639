import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PatchManifest } from '@patchwise/manifest';
import { generateVendorKeys, signManifest, verifyManifest } from '@patchwise/plugin-vendor-tags';

const acme = generateVendorKeys();
const globex = generateVendorKeys();

const manifest: PatchManifest = {
  name: 'acme-cve-2026-1234',
  description: 'fix the cmdline leak',
  version: '1.2.0',
  vendor: 'acme',
  tags: ['security', 'replace-set:fleet'],
  replace: true,
  objects: [{ name: 'vmlinux', functions: ['cmdline_proc_show'], callbacks: { prePatch: [{ log: 'pre' }] } }],
  functions: ['xfs:xfs_fs_sync'],
  states: [{ id: 1, version: 2 }],
  requires: { 'acme-base': '^1' },
  metadata: { ticket: 'SEC-9', build: { host: 'b1', reproducible: true } },
};

/** The raw 32-byte key inside an SPKI public key, as base64 (what some key stores hand out). */
const rawBase64 = (pem: string) => createPublicKey(pem).export({ format: 'jwk' }).x as string;
const fromBase64Url = (text: string) => Buffer.from(text, 'base64url').toString('base64');

describe('generateVendorKeys', () => {
  it('makes an Ed25519 pair as PEM: SPKI public, PKCS#8 private', () => {
    expect(acme.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    expect(acme.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
    expect(createPublicKey(acme.publicKey).asymmetricKeyType).toBe('ed25519');
  });

  it('makes a new pair each time', () => {
    expect(globex.publicKey).not.toBe(acme.publicKey);
    expect(globex.privateKey).not.toBe(acme.privateKey);
  });
});

describe('signManifest / verifyManifest', () => {
  const signed = signManifest(manifest, acme.privateKey);

  it('adds a base64 Ed25519 signature (64 bytes) and leaves the input alone', () => {
    expect(Buffer.from(signed.signature, 'base64')).toHaveLength(64);
    expect(signed.signature).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect('signature' in manifest).toBe(false);
    expect({ ...signed, signature: undefined }).toEqual({ ...manifest, signature: undefined });
  });

  it('verifies with the signer\'s public key, and with no other', () => {
    expect(verifyManifest(signed, acme.publicKey)).toBe(true);
    expect(verifyManifest(signed, globex.publicKey)).toBe(false);
  });

  it('accepts the raw 32-byte public key in base64', () => {
    const raw = fromBase64Url(rawBase64(acme.publicKey));
    expect(Buffer.from(raw, 'base64')).toHaveLength(32);
    expect(verifyManifest(signed, raw)).toBe(true);
    expect(verifyManifest(signed, fromBase64Url(rawBase64(globex.publicKey)))).toBe(false);
  });

  it('does not depend on the order of keys, at any depth', () => {
    const reversed = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(reversed);
      if (typeof value !== 'object' || value === null) return value;
      return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]));
    };
    const reordered = reversed(signed) as typeof signed;
    expect(Object.keys(reordered)[0]).toBe('signature');
    expect(Object.keys(reordered.metadata?.build as object)).toEqual(['reproducible', 'host']);
    expect(verifyManifest(reordered, acme.publicKey)).toBe(true);
  });

  it('is deterministic, and signing again replaces the old signature', () => {
    expect(signManifest(manifest, acme.privateKey).signature).toBe(signed.signature);
    const resigned = signManifest(signed, globex.privateKey);
    expect(verifyManifest(resigned, globex.publicKey)).toBe(true);
    expect(verifyManifest(resigned, acme.publicKey)).toBe(false);
  });

  const changes: [string, (m: PatchManifest) => PatchManifest][] = [
    ['name', (m) => ({ ...m, name: 'acme-cve-2026-1235' })],
    ['description', (m) => ({ ...m, description: 'fix the cmdline leak.' })],
    ['version', (m) => ({ ...m, version: '1.2.1' })],
    ['vendor', (m) => ({ ...m, vendor: 'globex' })],
    ['a tag added', (m) => ({ ...m, tags: [...(m.tags ?? []), 'hotfix'] })],
    ['a tag removed', (m) => ({ ...m, tags: ['security'] })],
    ['tag order', (m) => ({ ...m, tags: [...(m.tags ?? [])].reverse() })],
    ['replace', (m) => ({ ...m, replace: false })],
    ['replace removed', ({ replace: _replace, ...m }) => m],
    ['a function added', (m) => ({ ...m, functions: ['xfs:xfs_fs_sync', 'meminfo_proc_show'] })],
    ['an object\'s function', (m) => ({ ...m, objects: [{ name: 'vmlinux', functions: ['uptime_proc_show'], callbacks: { prePatch: [{ log: 'pre' }] } }] })],
    ['a callback', (m) => ({ ...m, objects: [{ name: 'vmlinux', functions: ['cmdline_proc_show'], callbacks: { prePatch: [{ fail: 'ENODEV' }] } }] })],
    ['a state version', (m) => ({ ...m, states: [{ id: 1, version: 3 }] })],
    ['requires', (m) => ({ ...m, requires: { 'acme-base': '*' } })],
    ['nested metadata', (m) => ({ ...m, metadata: { ticket: 'SEC-9', build: { host: 'b2', reproducible: true } } })],
    ['a field added', (m) => ({ ...m, kernel: '>=6.1' })],
    ['a type', (m) => ({ ...m, metadata: { ticket: 'SEC-9', build: { host: 'b1', reproducible: 'true' } } })],
  ];
  it.each(changes)('any change after signing breaks verification: %s', (_what, change) => {
    const changed = change(signed);
    expect(changed.signature).toBe(signed.signature);
    expect(verifyManifest(changed, acme.publicKey)).toBe(false);
  });

  it('a missing or malformed signature does not verify', () => {
    expect(verifyManifest(manifest, acme.publicKey)).toBe(false);
    expect(verifyManifest({ ...signed, signature: '' }, acme.publicKey)).toBe(false);
    expect(verifyManifest({ ...signed, signature: 'not base64!' }, acme.publicKey)).toBe(false);
    expect(verifyManifest({ ...signed, signature: signed.signature.slice(4) }, acme.publicKey)).toBe(false);
    expect(verifyManifest({ ...signed, signature: 42 } as never, acme.publicKey)).toBe(false);
  });

  it('refuses keys that are not Ed25519 public keys, saying why', () => {
    expect(() => verifyManifest(signed, acme.privateKey)).toThrow(/this is a private key/);
    expect(() => verifyManifest(signed, 'hello')).toThrow(/expected a PEM public key \(SPKI\) or a raw 32-byte Ed25519 key in base64/);
    expect(() => verifyManifest(signed, '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')).toThrow(/not a readable PEM public key/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(() => verifyManifest(signed, ec.publicKey.export({ type: 'spki', format: 'pem' }) as string)).toThrow(/an `ec` key; vendor keys are Ed25519/);
    expect(() => signManifest(manifest, ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)).toThrow(/an `ec` key/);
    expect(() => signManifest(manifest, acme.publicKey)).toThrow(/signManifest: not a readable PEM private key/);
  });

  it('refuses to sign a manifest holding functions (it has no canonical form)', () => {
    const withFunction = { ...manifest, objects: [{ name: 'vmlinux', functions: ['f'], callbacks: { prePatch: () => 0 } }] };
    expect(() => signManifest(withFunction, acme.privateKey)).toThrow(/cannot be signed/);
  });
});

describe('a signature covers one manifest only (issue 11)', () => {
  const withMetadata = (metadata: Record<string, unknown>) => ({ ...manifest, metadata });

  it.each<[string, unknown, unknown]>([
    ['null and NaN', null, Number.NaN],
    ['null and Infinity', null, Number.POSITIVE_INFINITY],
    ['0 and -0', 0, -0],
    ['U+FFFD and a lone surrogate', '\uFFFD', '\uD800'],
    ['a string and a Date', '1970-01-01T00:00:00.000Z', new Date(0)],
    ['[null] and [undefined]', [null], [undefined]],
  ])('%s: signed as the first, the second does not verify', (_, signedValue, otherValue) => {
    const { signature } = signManifest(withMetadata({ x: signedValue }), acme.privateKey);
    expect(verifyManifest({ ...withMetadata({ x: signedValue }), signature }, acme.publicKey)).toBe(true);
    expect(verifyManifest({ ...withMetadata({ x: otherValue }), signature }, acme.publicKey)).toBe(false);
  });

  it('fields inherited from a prototype are not part of what verifies', () => {
    const signed = signManifest(manifest, acme.privateKey);
    const wearing = Object.assign(Object.create(signed) as object, { name: manifest.name, signature: signed.signature });
    expect(verifyManifest(wearing, acme.publicKey)).toBe(false);
  });
});
