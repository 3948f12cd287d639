/**
 * Vendor and tag names are compared as exact strings in Unicode NFC (issue 11): `café` written as
 * one character and as `e` plus a combining accent is one name (keyboards and file systems differ),
 * while names that merely look alike stay different, and names that are not valid Unicode are refused.
 */
import { describe, expect, it } from 'vitest';
import { validateOptions } from '@patchwise/policy';
import { PolicyTester } from '@patchwise/testing';
import type { PatchManifest } from '@patchwise/manifest';
import vendorTags, { generateVendorKeys, signManifest } from '@patchwise/plugin-vendor-tags';

PolicyTester.describe = describe;
PolicyTester.it = it;

const NFC = 'caf\u00e9';
const NFD = 'cafe\u0301';
const keys = generateVendorKeys();
const fix = (name: string, extra: Partial<PatchManifest> = {}): PatchManifest => ({ name, functions: ['cmdline_proc_show'], ...extra });

describe('names in NFC', () => {
  it('the two spellings differ as strings (the premise)', () => {
    expect(NFC).not.toBe(NFD);
    expect(NFD.normalize('NFC')).toBe(NFC);
  });

  new PolicyTester().run(vendorTags, {
    valid: [
      {
        name: 'a manifest signed by `café` (NFD) verifies with the key configured for `café` (NFC)',
        enable: signManifest(fix('p', { vendor: NFD }), keys.privateKey),
        options: { signatures: 'required', keys: { [NFC]: keys.publicKey } },
      },
      {
        name: 'two patches of vendor `café`, one spelling each, share a function (same-vendor)',
        installed: [fix('a', { vendor: NFC })],
        enable: fix('b', { vendor: NFD }),
      },
      {
        name: 'a requirement met by a tag in the other spelling',
        installed: [fix('base', { tags: [NFD] })],
        enable: fix('hot', { tags: ['hotfix'] }),
        options: { sameFunction: 'any', requiresTag: { hotfix: NFC } },
      },
    ],
    invalid: [
      {
        name: 'a tag rule applies whatever the spelling of the tag (it used to be skipped)',
        enable: fix('p', { tags: [NFD] }),
        options: { requiresTag: { [NFC]: 'base' } },
        errors: [{ code: 'required-tag-missing', data: { tag: NFC, required: 'base' } }],
      },
      {
        name: 'conflicting tags in two spellings',
        installed: [fix('a', { tags: [NFC] })],
        enable: fix('b', { tags: ['other'] }),
        options: { sameFunction: 'any', conflictsWithTag: { other: NFD } },
        errors: ['conflicting-tag'],
      },
      {
        name: 'names that only look alike stay two vendors (no compatibility folding, case kept)',
        installed: [fix('a', { vendor: 'acme' })],
        enable: fix('b', { vendor: '\uff41\uff43\uff4d\uff45' }),
        errors: ['function-vendor-mismatch'],
      },
      {
        name: 'case is kept',
        installed: [fix('a', { vendor: 'acme' })],
        enable: fix('b', { vendor: 'Acme' }),
        errors: ['function-vendor-mismatch'],
      },
    ],
  });

  it('refuses option names that are not valid Unicode, and two keys for one name', () => {
    expect(() => validateOptions(vendorTags, { keys: { 'acme\uD800': keys.publicKey } })).toThrow(/a vendor must be valid Unicode text/);
    expect(() => validateOptions(vendorTags, { requiresTag: { 'a\uDC00': 'b' } })).toThrow(/a tag must be valid Unicode text/);
    expect(() => validateOptions(vendorTags, { requiresTag: { a: 'b\uDC00' } })).toThrow(/a tag must be valid Unicode text/);
    expect(() => validateOptions(vendorTags, { keys: { [NFC]: keys.publicKey, [NFD]: keys.publicKey } })).toThrow(/are one name/);
  });
});
