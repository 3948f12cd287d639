/**
 * A real livepatch `.ko` read for a command: the module (@patchwise/kmod) and the manifest it
 * carries (@patchwise/manifest), or one Diagnostic naming the file and the reason. Shared by
 * `inspect` and the verbs that decide about real modules.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { Diagnostic } from '@patchwise/diagnostics';
import { isKmodError, LIMITS, readCertificate, readKernelModule, verifySignature, type KernelModule, type KmodErrorCode, type SignatureVerification } from '@patchwise/kmod';
import { crossCheckManifests, loadManifestFile, manifestFromModule, type Mismatch, type PatchManifest } from '@patchwise/manifest';
import { displayPath } from './paths.js';

export interface LoadedModule {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly module: KernelModule;
  /** The manifest the module carries: its klp_patch plus its `patchwise_*` modinfo. */
  readonly manifest: PatchManifest;
}

const HINTS: Readonly<Record<KmodErrorCode, string>> = {
  NOT_ELF: 'give a kernel module (`.ko`) file',
  WRONG_ARCH: 'patchwise reads x86_64 modules; build the module for x86_64',
  NOT_MODULE: 'give a kernel module built by kbuild (`make -C /lib/modules/$(uname -r)/build M=$PWD modules`)',
  NOT_LIVEPATCH: 'a livepatch module declares `MODULE_INFO(livepatch, "Y")`; this one is a plain module',
  TRUNCATED: 'the file is cut short or corrupt: copy or build it again',
  MALFORMED: 'the file is corrupt or was not built by kbuild: build it again',
  TOO_LARGE: 'the file is far larger than any real module: check that it is the right file',
  BAD_CERTIFICATE: 'give an X.509 certificate, PEM or DER (e.g. the signing_key.x509 of a kernel build)',
};

function kmodDiagnostic(err: unknown, file: string): unknown {
  if (!isKmodError(err)) return err;
  return new Diagnostic({ code: `PW_KMOD_${err.code}`, file, reason: err.message, hint: HINTS[err.code] });
}

/** Read a whole regular file of at most `max` bytes (a FIFO or a device is refused, not read forever). */
export function readBoundedFile(path: string, max: number, what: string): Uint8Array {
  const display = displayPath(path);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Diagnostic({ code: 'PW_NO_SUCH_FILE', file: display, reason: `cannot read the ${what}: ${code === 'ENOENT' ? 'no such file' : (code ?? 'error')}`, hint: 'check the path' });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Diagnostic({ code: 'PW_NOT_A_FILE', file: display, reason: `the ${what} is not a regular file`, hint: 'give the path of a file' });
    if (stat.size > max) throw new Diagnostic({ code: 'PW_TOO_LARGE', file: display, reason: `the ${what} is ${stat.size} bytes, more than ${max}`, hint: 'check that it is the right file' });
    const bytes = new Uint8Array(stat.size);
    let at = 0;
    while (at < bytes.length) {
      const n = readSync(fd, bytes, at, bytes.length - at, at);
      if (n === 0) break;
      at += n;
    }
    return bytes.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

/** Read a livepatch module file; bad input (not ELF, not a module, not a livepatch...) is a Diagnostic. */
export function loadKernelModule(path: string): LoadedModule {
  const file = displayPath(path);
  const bytes = readBoundedFile(path, LIMITS.fileBytes, 'module');
  try {
    const module = readKernelModule(bytes);
    const patch = module.patch;
    const manifest = manifestFromModule(
      { name: module.name, modinfo: module.modinfo, replace: patch ? patch.replace : false, objects: patch?.objects ?? [], states: patch?.states ?? [] },
      file,
    );
    return { file, bytes, module, manifest };
  } catch (err) {
    throw kmodDiagnostic(err, file);
  }
}

/** Verify a module's signature against a certificate file; an unreadable certificate is bad input. */
export function verifyModuleWith(loaded: LoadedModule, certPath: string): SignatureVerification {
  const cert = displayPath(certPath);
  try {
    return verifySignature(loaded.bytes, readCertificate(readBoundedFile(certPath, 1024 * 1024, 'certificate')));
  } catch (err) {
    throw kmodDiagnostic(err, cert);
  }
}

/** Compare a sidecar manifest with what the module really is: mismatches mean refusal. */
export function crossCheckSidecar(loaded: LoadedModule, sidecarPath: string): { file: string; manifest: PatchManifest; mismatches: Mismatch[] } {
  const file = displayPath(sidecarPath);
  const manifest = loadManifestFile(sidecarPath, file);
  return { file, manifest, mismatches: crossCheckManifests(loaded.manifest, manifest) };
}
