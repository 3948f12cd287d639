/**
 * Vendor keys: Ed25519 key pairs, and signatures over a manifest's canonical serialization.
 *
 * The CLI's `patchwise keygen` and `patchwise sign` are thin wrappers around these, so a manifest
 * signed on a vendor's build machine verifies here byte for byte.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalManifest } from '@patchwise/manifest';

/** A vendor's key pair, both halves PEM: SPKI for the public key, PKCS#8 for the private key. */
export interface VendorKeys {
  readonly publicKey: string;
  readonly privateKey: string;
}

// A raw Ed25519 public key is the last 32 bytes of this fixed SPKI DER header plus the key.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const RAW_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A new Ed25519 key pair for a vendor. Keep `privateKey` on the signing machine only. */
export function generateVendorKeys(): VendorKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519', {
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKey, privateKey };
}

/**
 * An Ed25519 public key from a PEM (SPKI) string or the raw 32-byte key in base64. Throws a
 * `TypeError` saying what is wrong with the text, never echoing it (it might be a private key).
 */
export function parsePublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  if (/PRIVATE KEY/.test(trimmed)) {
    throw new TypeError('this is a private key: give the vendor\'s public key (a private key never belongs in a config file)');
  }
  let key: KeyObject;
  if (trimmed.startsWith('-----BEGIN')) {
    try {
      key = createPublicKey(trimmed);
    } catch {
      throw new TypeError('not a readable PEM public key (expected `-----BEGIN PUBLIC KEY-----`, SPKI)');
    }
  } else {
    const raw = BASE64.test(trimmed) ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
    if (raw.length !== RAW_KEY_BYTES) {
      throw new TypeError('expected a PEM public key (SPKI) or a raw 32-byte Ed25519 key in base64');
    }
    key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(`an \`${key.asymmetricKeyType ?? 'unknown'}\` key; vendor keys are Ed25519`);
  }
  return key;
}

function parsePrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new TypeError('signManifest: not a readable PEM private key (expected PKCS#8, as `generateVendorKeys` makes)');
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(`signManifest: an \`${key.asymmetricKeyType ?? 'unknown'}\` key; vendor keys are Ed25519`);
  }
  return key;
}

const toKey = (key: string | KeyObject): KeyObject => (typeof key === 'string' ? parsePublicKey(key) : key);

/**
 * The manifest with `signature` set: base64 Ed25519 over `canonicalManifest(manifest)`, which
 * leaves out any previous `signature`, so re-signing replaces it.
 */
export function signManifest<M extends object>(manifest: M, privateKeyPem: string): M & { signature: string } {
  const key = parsePrivateKey(privateKeyPem);
  const signature = sign(null, Buffer.from(canonicalManifest(manifest), 'utf8'), key).toString('base64');
  return { ...manifest, signature };
}

/**
 * Whether `manifest.signature` was made over this manifest with the private half of `publicKey`.
 * False for a missing or malformed signature; throws only for a key that is not an Ed25519 public key.
 */
export function verifyManifest(manifest: object, publicKey: string | KeyObject): boolean {
  const key = toKey(publicKey);
  const signature = (manifest as { signature?: unknown }).signature;
  if (typeof signature !== 'string' || !BASE64.test(signature)) return false;
  const bytes = Buffer.from(signature, 'base64');
  if (bytes.length !== SIGNATURE_BYTES) return false;
  let data: Buffer;
  try {
    data = Buffer.from(canonicalManifest(manifest), 'utf8');
  } catch {
    // A manifest holding functions has no canonical form, so no signature can cover it.
    return false;
  }
  return verify(null, data, key, bytes);
}
