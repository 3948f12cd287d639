import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Decision } from '@patchwise/core';
import { manifestModule, type PatchManifest } from '@patchwise/manifest';
import { applyPolicies } from '@patchwise/policy';
import { Machine } from '@patchwise/sim';
import { PolicyTester } from '@patchwise/testing';
import vendorTags, { generateVendorKeys, signManifest } from '@patchwise/plugin-vendor-tags';

PolicyTester.describe = describe;
PolicyTester.it = it;

const acmeKeys = generateVendorKeys();
const globexKeys = generateVendorKeys();
// A vendor the machine's configuration does not know.
const initechKeys = generateVendorKeys();

const keys = { acme: acmeKeys.publicKey, globex: globexKeys.publicKey };
const required = { signatures: 'required', keys } as const;
const optional = { signatures: 'optional', keys } as const;

const fix = (name: string, extra: Partial<PatchManifest> = {}): PatchManifest => ({ name, functions: ['cmdline_proc_show'], ...extra });
const signedBy = (privateKey: string, manifest: PatchManifest): PatchManifest => signManifest(manifest, privateKey);
const acmeSigned = (name: string, extra: Partial<PatchManifest> = {}) => signedBy(acmeKeys.privateKey, fix(name, { vendor: 'acme', ...extra }));

describe('signatures', () => {
  new PolicyTester().run(vendorTags, {
    valid: [
      { name: 'required: signed by its vendor', enable: acmeSigned('acme-1'), options: required },
      { name: 'optional (the default): unsigned', enable: fix('acme-1', { vendor: 'acme' }), options: { keys } },
      { name: 'optional: signed by its vendor', enable: acmeSigned('acme-1'), options: optional },
      { name: 'optional: an unsigned patch of a vendor without a key', enable: fix('initech-1', { vendor: 'initech' }), options: optional },
      {
        name: 'the order of the manifest\'s keys does not matter',
        enable: (({ signature, functions, vendor, name }) => ({ signature, functions, vendor, name }))(acmeSigned('acme-1')) as PatchManifest,
        options: required,
      },
      {
        name: 'a raw 32-byte key in base64',
        enable: acmeSigned('acme-1'),
        options: {
          signatures: 'required',
          keys: { acme: Buffer.from(createPublicKey(acmeKeys.publicKey).export({ format: 'jwk' }).x as string, 'base64url').toString('base64') },
        },
      },
      { name: 'off: a bad signature is ignored', enable: { ...acmeSigned('acme-1'), signature: 'AAAA' }, options: { signatures: 'off', keys } },
      { name: 'off: another vendor\'s signature is ignored', enable: signedBy(globexKeys.privateKey, fix('p', { vendor: 'acme' })), options: { signatures: 'off' } },
      {
        name: '`metadata:` cannot override the vendor the signature proves',
        enable: signedBy(acmeKeys.privateKey, fix('p', { vendor: 'acme', metadata: { vendor: 'globex' } })),
        options: required,
      },
    ],
    invalid: [
      {
        name: 'required: unsigned',
        enable: fix('acme-1', { vendor: 'acme' }),
        options: required,
        errors: [
          {
            code: 'signature-missing',
            data: { patches: ['acme-1'], vendor: 'acme' },
            message: "'acme-1' (vendor `acme`) is not signed, and `signatures` is `required`",
          },
        ],
      },
      {
        name: 'required: unsigned, without a vendor',
        enable: fix('anon-1'),
        options: required,
        errors: [{ code: 'signature-missing', data: { vendor: null }, message: "'anon-1' (no vendor) is not signed, and `signatures` is `required`" }],
      },
      {
        name: 'signed with another vendor\'s key',
        enable: signedBy(globexKeys.privateKey, fix('fake-acme', { vendor: 'acme' })),
        options: optional,
        errors: [
          {
            code: 'signature-wrong-vendor',
            data: { patches: ['fake-acme'], vendor: 'acme', signer: 'globex' },
            message: "'fake-acme' claims vendor `acme`, but its manifest is signed with the key of vendor `globex`",
          },
        ],
      },
      {
        name: 'signed by a known vendor, claiming one without a key',
        enable: signedBy(globexKeys.privateKey, fix('p', { vendor: 'initech' })),
        options: optional,
        errors: [{ code: 'signature-wrong-vendor', data: { vendor: 'initech', signer: 'globex' } }],
      },
      {
        name: 'a `metadata:` vendor does not make another vendor\'s signature valid',
        enable: signedBy(globexKeys.privateKey, fix('p', { vendor: 'acme', metadata: { vendor: 'globex' } })),
        options: required,
        errors: [{ code: 'signature-wrong-vendor', data: { vendor: 'acme', signer: 'globex' } }],
      },
      {
        name: 'signed by a known vendor, claiming none',
        enable: signedBy(globexKeys.privateKey, fix('p')),
        options: optional,
        errors: [{ code: 'signature-wrong-vendor', message: "'p' claims no vendor, but its manifest is signed with the key of vendor `globex`" }],
      },
      {
        name: 'tampered: a function added after signing',
        enable: { ...acmeSigned('acme-1'), functions: ['cmdline_proc_show', 'meminfo_proc_show'] },
        options: optional,
        errors: [
          {
            code: 'signature-invalid',
            data: { patches: ['acme-1'], vendor: 'acme', mismatch: [] },
            message:
              "the signature of 'acme-1' (vendor `acme`) does not cover it: it was signed with a key that is not trusted: neither the key of vendor `acme` in `keys` nor any other there verifies it (or the manifest was changed after signing)",
          },
        ],
      },
      {
        name: 'tampered: a tag added after signing',
        enable: { ...acmeSigned('acme-1', { tags: ['security'] }), tags: ['security', 'base'] },
        options: required,
        errors: ['signature-invalid'],
      },
      { name: 'a corrupt signature', enable: { ...acmeSigned('acme-1'), signature: 'AAAA' }, options: optional, errors: ['signature-invalid'] },
      {
        name: 'required: a vendor without a key',
        enable: fix('initech-1', { vendor: 'initech' }),
        options: required,
        errors: [
          {
            code: 'vendor-unknown',
            data: { patches: ['initech-1'], vendor: 'initech' },
            message: "'initech-1' claims vendor `initech`, and `keys` holds no key for it: the claim cannot be verified (`signatures` is `required`)",
          },
        ],
      },
      {
        name: 'optional: signed, but the vendor has no key',
        enable: signedBy(initechKeys.privateKey, fix('initech-1', { vendor: 'initech' })),
        options: optional,
        errors: [{ code: 'vendor-unknown', data: { vendor: 'initech' }, message: /\(`signatures` is `optional`\)$/ }],
      },
      {
        name: 'signed by an unknown key, claiming no vendor',
        enable: signedBy(initechKeys.privateKey, fix('p')),
        options: optional,
        errors: [{ code: 'vendor-unknown', data: { vendor: null }, message: /^'p' claims no vendor, and `keys` holds no key for it/ }],
      },
      {
        name: 'an unproven claim stops the other rules (no vendor finding on top)',
        installed: [fix('globex-1', { vendor: 'globex' })],
        enable: signedBy(globexKeys.privateKey, fix('fake-acme', { vendor: 'acme' })),
        options: optional,
        errors: ['signature-wrong-vendor'],
      },
      {
        name: 'an atomic-replace patch is checked before the replace rule',
        installed: [fix('acme-1', { vendor: 'acme' })],
        enable: signedBy(globexKeys.privateKey, fix('fake-acme', { vendor: 'acme', replace: true })),
        options: required,
        errors: ['signature-wrong-vendor'],
      },
    ],
  });
});

describe('a patch carrying a signed manifest that is not its own', () => {
  // Only a patch assembled in code can do this: one built from a manifest carries that manifest.
  async function enableWithCarriedManifest(actual: PatchManifest, carried: PatchManifest) {
    const machine = new Machine({ modules: [], kernelFunctions: ['cmdline_proc_show', 'meminfo_proc_show'] });
    const image = manifestModule(actual);
    machine.addModule({
      ...image,
      // The manifest's own module, with the carried manifest swapped in as the patch is enabled.
      init: (m) => image.init?.({ ...m, enablePatch: (def) => m.enablePatch({ ...def, metadata: { ...def.metadata, manifest: carried } }) }),
    });
    applyPolicies(machine.livepatch, [{ policy: vendorTags, options: required }], { seal: false });
    const decisions: Decision[] = [];
    machine.livepatch.hooks.decision.tap('test', (d) => decisions.push(d));
    const result = await machine.insmod(actual.name);
    return { result, findings: decisions.flatMap((d) => d.findings) };
  }

  it('is refused as an invalid signature, naming what differs', async () => {
    const signed = acmeSigned('acme-1');
    const { result, findings } = await enableWithCarriedManifest(fix('acme-1', { vendor: 'acme', functions: ['meminfo_proc_show'] }), signed);
    expect(result).toBe(-1);
    expect(findings.map((f) => [f.code, f.data.mismatch])).toEqual([['signature-invalid', ['functions']]]);
    expect(findings[0]?.message).toBe(
      "the signature of 'acme-1' (vendor `acme`) does not cover it: the signed manifest describes another patch (its functions differ)",
    );
  });

  it('names every difference the policy relies on', async () => {
    const signed = acmeSigned('acme-1', { tags: ['base'] });
    const actual = fix('acme-2', { vendor: 'acme', tags: ['base', 'hotfix'], replace: true });
    const { findings } = await enableWithCarriedManifest(actual, signed);
    expect(findings.map((f) => f.data.mismatch)).toEqual([['name', 'replace', 'tags']]);
  });

  it.each<[string, Partial<PatchManifest>, string[]]>([
    ['version', { version: '2.0.0' }, ['version']],
    ['states', { states: [{ id: 1, version: 2 }] }, ['states']],
    ['requirements', { requires: { other: '^1' } }, ['requires']],
    ['metadata', { metadata: { ticket: 'forged' } }, ['ticket']],
    ['the position of a function', { functions: ['cmdline_proc_show,2'] }, ['functions']],
  ])('names a difference in %s too (it used to compare only name, replace, functions, vendor and tags)', async (_, change, mismatch) => {
    const signed = acmeSigned('acme-1', { version: '1.0.0', states: [{ id: 1, version: 1 }] });
    const { manifest: _m, signature: _s, ...fields } = signed as PatchManifest & { manifest?: unknown };
    const { result, findings } = await enableWithCarriedManifest({ ...fields, ...change } as PatchManifest, signed);
    expect(result).toBe(-1);
    expect(findings.map((f) => [f.code, f.data.mismatch])).toEqual([['signature-invalid', mismatch]]);
  });

  it('is allowed when it is its own manifest', async () => {
    const signed = acmeSigned('acme-1');
    const { result, findings } = await enableWithCarriedManifest(signed, signed);
    expect(result).toBe(0);
    expect(findings).toEqual([]);
  });
});
