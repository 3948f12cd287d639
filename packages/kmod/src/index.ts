export {
  KmodError,
  MalformedError,
  NotElfError,
  NotLivepatchError,
  NotModuleError,
  TooLargeError,
  TruncatedError,
  WrongArchError,
  isKmodError,
} from './errors.js';
export { modinfoRecord, modinfoValue, modinfoValues, readKernelModule } from './module.js';
export { CertificateError, readCertificate, readSignature, splitSignature, verifySignature, SIGNATURE_MAGIC } from './signature.js';
export { LIMITS } from './limits.js';

export type { KmodErrorCode } from './errors.js';
export type { KernelModule, ReadOptions } from './module.js';
export type { ModinfoEntry, SymbolVersion } from './modinfo.js';
export type { KlpCallbacks, KlpFunction, KlpObject, KlpPatch, KlpState } from './patch.js';
export type { KlpRelaSection, KlpSymbol } from './klp-rela.js';
export type { ModuleSignature, SignatureVerification, SplitModule } from './signature.js';
export type { StrideSource } from './layout.js';
