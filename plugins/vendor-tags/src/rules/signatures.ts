/**
 * Signatures: a manifest signed with its vendor's key proves the `vendor` it claims, so one vendor
 * cannot pass its patch off as another's and slip past the vendor rules.
 */
import type { KeyObject } from 'node:crypto';
import { funcKey, type PatchInfo } from '@patchwise/core';
import { manifestMetadata, normalObjects, PatchManifestSchema, VMLINUX, type PatchManifest } from '@patchwise/manifest';
import type { PolicyReport } from '@patchwise/policy';
import { verifyManifest } from '../keys.js';
import type { MessageId } from '../messages.js';
import type { Settings } from '../options.js';
import { code, functionsOf, quoted, tagsOf, vendorOf, vendorText } from '../patch-facts.js';

const claimText = (vendor: string | null): string => (vendor === null ? 'claims no vendor' : `claims vendor ${code(vendor)}`);

/** The signed manifest a patch carries (`metadata.manifest`), when it carries one. */
function manifestOf(patch: PatchInfo): Record<string, unknown> | null {
  const manifest = patch.metadata.manifest;
  return typeof manifest === 'object' && manifest !== null && !Array.isArray(manifest) ? (manifest as Record<string, unknown>) : null;
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * What differs between the patch as loaded and the manifest its signature covers, among what this
 * policy relies on. A patch built from its manifest never differs; one assembled in code could
 * carry another patch's signed manifest.
 */
function mismatchOf(patch: PatchInfo, manifest: Record<string, unknown>): string[] {
  if (!PatchManifestSchema.safeParse(manifest).success) return ['manifest'];
  const m = manifest as PatchManifest;
  const signed = { metadata: manifestMetadata(m) };
  const signedFunctions = normalObjects(m).flatMap((obj) =>
    obj.functions.map((f) => funcKey({ object: obj.name === VMLINUX ? null : obj.name, name: f.name, sympos: f.sympos })),
  );
  const differs: string[] = [];
  if (m.name !== patch.name) differs.push('name');
  if ((m.replace === true) !== patch.replace) differs.push('replace');
  if (!sameList([...new Set(signedFunctions)].sort(), functionsOf(patch).sort())) differs.push('functions');
  if (vendorOf(signed) !== vendorOf(patch)) differs.push('vendor');
  if (!sameList(tagsOf(signed), tagsOf(patch))) differs.push('tags');
  return differs;
}

/** The vendors (other than `except`) whose key verifies the manifest. */
function signersOf(manifest: object, keys: ReadonlyMap<string, KeyObject>, except: string | null): string[] {
  return [...keys].filter(([vendor, key]) => vendor !== except && verifyManifest(manifest, key)).map(([vendor]) => vendor);
}

/**
 * Check the vendor claim of a patch being enabled. Returns false when the claim is not proven
 * (every rule built on it would then judge an unproven claim, so the caller stops there).
 */
export function checkSignature(patch: PatchInfo, settings: Settings, report: PolicyReport<MessageId>): boolean {
  if (settings.signatures === 'off') return true;
  const vendor = vendorOf(patch);
  const key = vendor === null ? undefined : settings.keys.get(vendor);
  const manifest = manifestOf(patch);
  // Perf: an unsigned patch under `optional` signatures (the default) passes before any message
  // data is built; this check runs on every enable.
  if (settings.signatures === 'optional' && (manifest === null || typeof manifest.signature !== 'string')) return true;
  const base = { patch: patch.name, patches: [patch.name], vendor, claimText: claimText(vendor), signatures: settings.signatures };
  const unknownVendor = () =>
    report({
      messageId: 'vendor-unknown',
      data: base,
      hint:
        vendor === null
          ? `declare \`vendor\` in the manifest of ${quoted(patch.name)} and have that vendor sign it`
          : `add the public key of vendor ${code(vendor)} to \`keys\``,
    });

  if (manifest === null || typeof manifest.signature !== 'string') {
    if (settings.signatures === 'optional') return true;
    if (vendor !== null && key === undefined) {
      unknownVendor();
    } else {
      report({
        messageId: 'signature-missing',
        data: { ...base, vendorText: vendorText(vendor) },
        hint:
          vendor === null
            ? `declare \`vendor\` in the manifest of ${quoted(patch.name)}, then sign it with that vendor's key (\`patchwise sign\`)`
            : `sign the manifest with the key of vendor ${code(vendor)} (\`patchwise sign\`)`,
      });
    }
    return false;
  }

  if (key !== undefined && verifyManifest(manifest, key)) {
    const mismatch = mismatchOf(patch, manifest);
    if (mismatch.length === 0) return true;
    report({
      messageId: 'signature-invalid',
      data: { ...base, mismatch, reason: `the signed manifest describes another patch (its ${mismatch.join(', ')} differ)` },
      hint: `load ${quoted(patch.name)} from the manifest its vendor signed`,
    });
    return false;
  }
  const signers = signersOf(manifest, settings.keys, vendor);
  if (signers.length > 0) {
    const signer = signers[0] as string;
    report({
      messageId: 'signature-wrong-vendor',
      data: { ...base, signer },
      hint:
        vendor === null
          ? `declare \`vendor: ${signer}\` in the manifest of ${quoted(patch.name)} and have it signed again`
          : `have vendor ${code(vendor)} sign ${quoted(patch.name)} with its own key, or, if the patch is ${code(signer)}'s, correct its \`vendor\` and sign it again`,
    });
  } else if (key === undefined) {
    unknownVendor();
  } else {
    report({
      messageId: 'signature-invalid',
      data: {
        ...base,
        mismatch: [],
        reason: `it was signed with a key that is not trusted: neither the key of vendor ${code(vendor as string)} in \`keys\` nor any other there verifies it (or the manifest was changed after signing)`,
      },
      hint: `if vendor ${code(vendor as string)} signs with a new key, add that public key to \`keys\`; otherwise get a copy it signed with the trusted key`,
    });
  }
  return false;
}
