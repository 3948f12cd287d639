import { describe, expect, it } from 'vitest';
import { CertificateError, readCertificate, verifySignature } from '@patchwise/kmod';
import { fixture, fixtureCert, SERIES } from './support.js';

describe.each(SERIES)('signatures of the %s modules (scripts/sign-file, throwaway key)', (series) => {
  const other = SERIES.find((s) => s !== series) as string;

  it('verify with the certificate they were signed with (PEM and DER)', () => {
    const bytes = fixture(series, 'signed', 'acme_cmdline');
    for (const ext of ['pem', 'der'] as const) {
      const result = verifySignature(bytes, readCertificate(fixtureCert(series, ext)));
      expect(result.valid, result.reason).toBe(true);
    }
  });

  it('do not verify with another key (each build makes its own)', () => {
    const result = verifySignature(fixture(series, 'signed', 'acme_cmdline'), readCertificate(fixtureCert(other)));
    expect(result.valid).toBe(false);
    expect(result.reason).toContain('not by the certificate given');
  });

  it('do not verify once one byte of the module changed', () => {
    const bytes = Uint8Array.from(fixture(series, 'signed', 'acme_cmdline'));
    // A byte inside .modinfo's vendor: the metadata is signed with the module.
    const at = Buffer.from(bytes).indexOf('patchwise_vendor=acme');
    bytes[at + 'patchwise_vendor='.length] = 'b'.charCodeAt(0);
    const result = verifySignature(bytes, readCertificate(fixtureCert(series)));
    expect(result.valid).toBe(false);
    expect(result.reason).toContain('does not verify');
  });

  it('an unsigned module does not verify', () => {
    const result = verifySignature(fixture(series, 'nodebug', 'acme_cmdline'), readCertificate(fixtureCert(series)));
    expect(result).toEqual({ valid: false, reason: 'the module is not signed' });
  });
});

describe('certificates', () => {
  it('a file that is not a certificate is a CertificateError', () => {
    expect(() => readCertificate(new TextEncoder().encode('hello'))).toThrow(CertificateError);
    expect(() => readCertificate(new TextEncoder().encode('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'))).toThrow(/BEGIN CERTIFICATE/);
  });
});
