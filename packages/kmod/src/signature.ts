/**
 * The signature `scripts/sign-file` appends to a module:
 *   [module][PKCS#7 SignedData, DER][struct module_signature, 12 bytes]["~Module signature appended~\n"]
 * struct module_signature { u8 algo, hash, id_type, signer_len, key_id_len; u8 pad[3]; __be32 sig_len; }
 * with id_type 2 (PKEY_ID_PKCS7) and only sig_len set. The PKCS#7 is detached: it signs every
 * byte before it. The ASN.1/CMS is parsed by asn1js + pkijs; the signature math is Node's crypto.
 */
import { createHash, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { KmodError, MalformedError, TruncatedError } from './errors.js';

export const SIGNATURE_MAGIC = '~Module signature appended~\n';
const MAGIC = new TextEncoder().encode(SIGNATURE_MAGIC);
const INFO_SIZE = 12;
const PKEY_ID_PKCS7 = 2;

export interface ModuleSignature {
  /** `PKCS#7` (the only kind the kernel has accepted since 4.x). */
  readonly type: string;
  /** The signer's name as `modinfo` shows it: the issuer's CN (or its whole DN without one). */
  readonly signer: string;
  /** The issuer DN, `CN=..., O=...`. */
  readonly issuer: string;
  /** The key id as `modinfo` shows it (sig_key): the serial number, or the subject key id, in hex pairs. */
  readonly keyId: string;
  readonly keyIdKind: 'serial' | 'subjectKeyIdentifier';
  /** sha256, sha512... */
  readonly hashAlgorithm: string;
  /** rsa, ecdsa... */
  readonly signatureAlgorithm: string;
  /** Bytes of the signed content (the module without the signature). */
  readonly signedSize: number;
  /** Bytes of the PKCS#7 blob. */
  readonly size: number;
}

export interface SplitModule {
  /** The ELF module: the file without what was appended. */
  readonly module: Uint8Array;
  /** The PKCS#7 DER, when a signature is appended. */
  readonly pkcs7: Uint8Array | null;
}

/** Split a file into the module and its appended signature (if the magic ends the file). */
export function splitSignature(file: Uint8Array): SplitModule {
  if (!endsWithMagic(file)) return { module: file, pkcs7: null };
  const infoAt = file.length - MAGIC.length - INFO_SIZE;
  if (infoAt < 0) throw new TruncatedError('the module signature trailer is cut short');
  const view = new DataView(file.buffer, file.byteOffset + infoAt, INFO_SIZE);
  const idType = view.getUint8(2);
  const sigLen = view.getUint32(8, false);
  if (idType !== PKEY_ID_PKCS7) throw new MalformedError(`module signature id_type ${idType}: only PKCS#7 (2) is used by the kernel`);
  if (sigLen === 0 || sigLen > infoAt) throw new TruncatedError(`module signature of ${sigLen} bytes does not fit before its trailer (${infoAt} bytes)`);
  return { module: file.subarray(0, infoAt - sigLen), pkcs7: file.subarray(infoAt - sigLen, infoAt) };
}

function endsWithMagic(file: Uint8Array): boolean {
  if (file.length < MAGIC.length) return false;
  const tail = file.subarray(file.length - MAGIC.length);
  return tail.every((b, i) => b === MAGIC[i]);
}

interface ParsedSignature {
  readonly info: ModuleSignature;
  readonly signer: pkijs.SignerInfo;
}

/** Parse the PKCS#7 SignedData of a module signature. */
function parse(pkcs7: Uint8Array, signedSize: number): ParsedSignature {
  let signed: pkijs.SignedData;
  try {
    const asn = asn1js.fromBER(pkcs7);
    if (asn.offset === -1) throw new Error(asn.result.error);
    const content = new pkijs.ContentInfo({ schema: asn.result });
    if (content.contentType !== pkijs.ContentInfo.SIGNED_DATA) throw new Error(`content type ${content.contentType} is not SignedData`);
    signed = new pkijs.SignedData({ schema: content.content });
  } catch (err) {
    if (err instanceof KmodError) throw err;
    throw new MalformedError(`the module signature is not a PKCS#7 SignedData: ${(err as Error).message}`);
  }
  const signer = signed.signerInfos[0];
  if (!signer || signed.signerInfos.length !== 1) throw new MalformedError(`the module signature has ${signed.signerInfos.length} signers; the kernel expects one`);
  const sid = signerId(signer);
  return {
    signer,
    info: {
      type: 'PKCS#7',
      signer: sid.signer,
      issuer: sid.issuer,
      keyId: sid.keyId,
      keyIdKind: sid.kind,
      hashAlgorithm: hashName(signer.digestAlgorithm.algorithmId),
      signatureAlgorithm: signatureName(signer.signatureAlgorithm.algorithmId),
      signedSize,
      size: pkcs7.length,
    },
  };
}

export function readSignature(file: Uint8Array): ModuleSignature | null {
  const split = splitSignature(file);
  return split.pkcs7 ? parse(split.pkcs7, split.module.length).info : null;
}

function signerId(signer: pkijs.SignerInfo): { signer: string; issuer: string; keyId: string; kind: ModuleSignature['keyIdKind'] } {
  const sid: unknown = signer.sid;
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    const issuer = dn(sid.issuer);
    const cn = sid.issuer.typesAndValues.find((t) => t.type === OID_CN);
    return { signer: cn ? rdnValue(cn) : issuer, issuer, keyId: hexPairs(sid.serialNumber.valueBlock.valueHexView), kind: 'serial' };
  }
  // [0] SubjectKeyIdentifier (sign-file -k).
  if (sid instanceof asn1js.BaseBlock) {
    const bytes = keyIdBytes(sid);
    return { signer: '', issuer: '', keyId: hexPairs(bytes), kind: 'subjectKeyIdentifier' };
  }
  throw new MalformedError('the module signature names its signer in an unknown form');
}

function keyIdBytes(block: asn1js.BaseBlock): Uint8Array {
  const value = (block as unknown as { valueBlock: { valueHexView?: Uint8Array; value?: asn1js.BaseBlock[] } }).valueBlock;
  const inner = value.value?.[0] as unknown as { valueBlock?: { valueHexView?: Uint8Array } } | undefined;
  return inner?.valueBlock?.valueHexView ?? value.valueHexView ?? new Uint8Array(0);
}

const OID_CN = '2.5.4.3';
const RDN_NAMES: Readonly<Record<string, string>> = { '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU', '1.2.840.113549.1.9.1': 'emailAddress' };

function rdnValue(t: pkijs.AttributeTypeAndValue): string {
  const v = (t.value as unknown as { valueBlock?: { value?: unknown } }).valueBlock?.value;
  return typeof v === 'string' ? v : '';
}

function dn(names: pkijs.RelativeDistinguishedNames): string {
  return names.typesAndValues.map((t) => `${RDN_NAMES[t.type] ?? t.type}=${rdnValue(t)}`).join(', ');
}

function hexPairs(bytes: Uint8Array): string {
  // DER integers carry a leading 00 when the high bit is set; modinfo prints the number without it.
  const trimmed = bytes.length > 1 && bytes[0] === 0 ? bytes.subarray(1) : bytes;
  return Array.from(trimmed, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(':');
}

const HASHES: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '2.16.840.1.101.3.4.2.8': 'sha3-256',
  '2.16.840.1.101.3.4.2.9': 'sha3-384',
  '2.16.840.1.101.3.4.2.10': 'sha3-512',
};
function hashName(oid: string): string {
  return HASHES[oid] ?? oid;
}

const SIGNATURES: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.1': 'rsa',
  '1.2.840.113549.1.1.5': 'rsa',
  '1.2.840.113549.1.1.11': 'rsa',
  '1.2.840.113549.1.1.12': 'rsa',
  '1.2.840.113549.1.1.13': 'rsa',
  '1.2.840.10045.2.1': 'ecdsa',
  '1.2.840.10045.4.3.2': 'ecdsa',
  '1.2.840.10045.4.3.3': 'ecdsa',
  '1.2.840.10045.4.3.4': 'ecdsa',
};
function signatureName(oid: string): string {
  return SIGNATURES[oid] ?? oid;
}

export interface SignatureVerification {
  /** True only when the signature verifies with the certificate's key over the module's bytes. */
  readonly valid: boolean;
  /** Why not (or `signed by CN, key KEYID`). */
  readonly reason: string;
}

/** A certificate given by the user was unreadable: bad input, not a refusal of the module. */
export class CertificateError extends KmodError {
  override readonly name = 'CertificateError';
  constructor(message: string) {
    super('BAD_CERTIFICATE', message);
  }
}

/** Parse an X.509 certificate, PEM or DER. */
export function readCertificate(bytes: Uint8Array): pkijs.Certificate {
  const text = new TextDecoder().decode(bytes.subarray(0, 64));
  let der = bytes;
  if (text.includes('-----BEGIN')) {
    const pem = new TextDecoder().decode(bytes);
    const m = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
    if (!m) throw new CertificateError('no `-----BEGIN CERTIFICATE-----` block in the PEM file');
    der = Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64');
  }
  try {
    const asn = asn1js.fromBER(der);
    if (asn.offset === -1) throw new Error(asn.result.error);
    return new pkijs.Certificate({ schema: asn.result });
  } catch (err) {
    throw new CertificateError(`not an X.509 certificate: ${(err as Error).message}`);
  }
}

/**
 * Does the module's appended signature verify with `certificate`'s public key? The signer must be
 * the certificate (issuer and serial, or subject key id), the algorithm one Node verifies, and the
 * signature correct over every byte before it. Dates and chains are not checked: the kernel does
 * not check them either; trust is in which certificate is given.
 */
export function verifySignature(file: Uint8Array, certificate: pkijs.Certificate): SignatureVerification {
  const split = splitSignature(file);
  if (!split.pkcs7) return { valid: false, reason: 'the module is not signed' };
  const { info, signer } = parse(split.pkcs7, split.module.length);
  const who = `${info.signer || info.keyId}`;
  if (!signedBy(signer, certificate)) {
    return { valid: false, reason: `signed by ${who} (key ${info.keyId}), not by the certificate given (${dn(certificate.subject)})` };
  }
  const hash = info.hashAlgorithm;
  if (!Object.values(HASHES).includes(hash)) return { valid: false, reason: `hash algorithm ${hash} is not supported` };
  let data: Uint8Array = split.module;
  if (signer.signedAttrs) {
    // With signed attributes the signature covers their DER (as a SET) and they carry the digest.
    const digest = signer.signedAttrs.attributes.find((a) => a.type === '1.2.840.113549.1.9.4');
    const value = digest?.values[0] as asn1js.OctetString | undefined;
    const expected = createHash(hash).update(split.module).digest();
    if (!value || !Buffer.from(value.valueBlock.valueHexView).equals(expected)) return { valid: false, reason: 'the message digest does not match the module' };
    const encoded = new Uint8Array(signer.signedAttrs.encodedValue);
    data = Uint8Array.from(encoded);
    data[0] = 0x31;
  }
  const spki = Buffer.from(certificate.subjectPublicKeyInfo.toSchema().toBER(false));
  try {
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    const ok = cryptoVerify(hash, data, key, Buffer.from(signer.signature.valueBlock.valueHexView));
    return ok ? { valid: true, reason: `signed by ${who} (key ${info.keyId}), ${hash}` } : { valid: false, reason: `the signature does not verify with the key of ${dn(certificate.subject)}: the module was changed or signed by another key` };
  } catch (err) {
    return { valid: false, reason: `cannot verify: ${(err as Error).message}` };
  }
}

function signedBy(signer: pkijs.SignerInfo, cert: pkijs.Certificate): boolean {
  const sid: unknown = signer.sid;
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    return sid.issuer.isEqual(cert.issuer) && sid.serialNumber.isEqual(cert.serialNumber);
  }
  if (sid instanceof asn1js.BaseBlock) {
    const skid = cert.extensions?.find((e) => e.extnID === '2.5.29.14');
    const parsed = skid?.parsedValue as asn1js.OctetString | undefined;
    return parsed !== undefined && Buffer.from(parsed.valueBlock.valueHexView).equals(Buffer.from(keyIdBytes(sid)));
  }
  return false;
}
