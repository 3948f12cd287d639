/**
 * Signatures: a manifest signed with its vendor's key proves the `vendor` it claims, so one vendor
 * cannot pass its patch off as another's and slip past the vendor rules.
 */
import type { KeyObject } from 'node:crypto';
import { patchInfo, type PatchInfo } from '@patchwise/core';
import { patchDefinition, PatchManifestSchema, type PatchManifest } from '@patchwise/manifest';
import type { PolicyReport } from '@patchwise/policy';
import { verifyManifest } from '../keys.js';
import type { MessageId } from '../messages.js';
import type { Settings } from '../options.js';
import { code, quoted, vendorOf, vendorText } from '../patch-facts.js';

const claimText = (vendor: string | null): string => (vendor === null ? 'claims no vendor' : `claims vendor ${code(vendor)}`);

/** The signed manifest a patch carries (`metadata.manifest`), when it carries one. */
function manifestOf(patch: PatchInfo): Record<string, unknown> | null {
  const manifest = patch.metadata.manifest;
  return typeof manifest === 'object' && manifest !== null && !Array.isArray(manifest) ? (manifest as Record<string, unknown>) : null;
}

/** The same plain data (the snapshots' frozen objects and arrays), compared key by key. */
function sameData(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && sameData((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/**
 * What differs between the patch as loaded and the patch its signed manifest makes, among all
 * that policies see of it: its name, `replace`, objects and functions, states and every metadata
 * field (the signed manifest and its signature aside). A patch built from its manifest never differs; one
 * assembled in code could carry another patch's signed manifest.
 */
function mismatchOf(patch: PatchInfo, manifest: Record<string, unknown>): string[] {
  if (!PatchManifestSchema.safeParse(manifest).success) return ['manifest'];
  const m = manifest as PatchManifest;
  const signed = patchInfo(m.name, patchDefinition(m));
  const differs: string[] = [];
  if (signed.name !== patch.name) differs.push('name');
  if (signed.replace !== patch.replace) differs.push('replace');
  if (!sameData(signed.objects, patch.objects)) differs.push('functions');
  if (!sameData(signed.states, patch.states)) differs.push('states');
  const fields = new Set([...Object.keys(signed.metadata), ...Object.keys(patch.metadata)]);
  // The signed manifest and its signature are what is being checked, not part of what is signed.
  fields.delete('manifest');
  fields.delete('signature');
  for (const field of [...fields].sort()) {
    if (!sameData(signed.metadata[field], patch.metadata[field])) differs.push(field);
  }
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
