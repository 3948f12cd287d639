/**
 * `patchwise keygen` and `patchwise sign`: vendor keys and signed manifests (vendor-tags).
 */
import { createPublicKey } from 'node:crypto';
import { lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { decodeUtf8, Diagnostic, readRegularFile, readSourceFile } from '@patchwise/diagnostics';
import { manifestFromText } from '@patchwise/manifest';
import { generateVendorKeys, signManifest, verifyManifest } from '@patchwise/plugin-vendor-tags';
import { ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';
import { displayPath, pathValue } from '../paths.js';
import { commitTogether, refuseOverwritingInput, stageFile, writeFileAtomic } from '../safe-write.js';
import { withSignature } from '../signature-text.js';

const VENDOR = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function keygen(out: Output, vendor: string, options: { outDir?: string; force?: boolean }): ExitCode {
  if (!VENDOR.test(vendor)) {
    throw new Diagnostic({ code: 'PW_USAGE', reason: `\`${vendor}\` is not a usable vendor name`, hint: 'letters, digits, `.`, `_` and `-`' });
  }
  const dir = options.outDir ?? process.cwd();
  const privateFile = join(dir, `${vendor}.key`);
  const publicFile = join(dir, `${vendor}.pub`);
  for (const file of [privateFile, publicFile]) {
    // lstat: a link (even one pointing nowhere) is there, and a key is never written through it.
    const stats = lstatSync(file, { throwIfNoEntry: false });
    if (stats?.isSymbolicLink()) {
      throw new Diagnostic({ code: 'PW_EXISTS', file: displayPath(file), reason: 'is a symbolic link; a key is never written through a link, and no key was written', hint: 'remove the link, or use `--out-dir`' });
    }
    if (stats && !options.force) {
      throw new Diagnostic({ code: 'PW_EXISTS', file: displayPath(file), reason: 'already exists; no key was written', hint: 'pass --force to replace the key pair' });
    }
  }
  const keys = generateVendorKeys();
  mkdirSync(dir, { recursive: true });
  // Both halves are written before either replaces an old one, and both replace or neither does.
  const privateKey = stageFile(privateFile, keys.privateKey, { mode: 0o600, noFollow: true });
  let publicKey;
  try {
    publicKey = stageFile(publicFile, keys.publicKey, { mode: 0o644, noFollow: true });
  } catch (err) {
    privateKey.discard();
    throw err;
  }
  commitTogether([privateKey, publicKey]);
  out.out(`wrote ${displayPath(privateFile)} (private: keep it on the signing machine)`);
  out.out(`wrote ${displayPath(publicFile)}`);
  out.out('\nTrust it in the config:\n');
  out.out(`  - plugin: vendor-tags\n    options:\n      signatures: required\n      keys:\n        ${vendor}: |\n${keys.publicKey
    .trimEnd()
    .split('\n')
    .map((l) => `          ${l}`)
    .join('\n')}`);
  return ExitCode.Ok;
}

export function sign(out: Output, manifestFile: string, options: { key: string; out?: string }): ExitCode {
  const target = options.out ?? manifestFile;
  refuseOverwritingInput(target, options.out === undefined ? 'sign' : '--out', [[options.key, 'the private key']]);
  // One read: what is signed is exactly the text written back, not a second read of the file.
  const text = readSourceFile(manifestFile, 'the manifest', 'check the path', displayPath(manifestFile));
  const manifest = manifestFromText(text, displayPath(manifestFile));
  let privateKey: string;
  try {
    privateKey = decodeUtf8(readRegularFile(options.key, 'the private key'), options.key);
  } catch (err) {
    if (err instanceof Diagnostic) throw err;
    throw new Diagnostic({ code: 'PW_NO_SUCH_FILE', file: options.key, reason: 'cannot read the private key', hint: 'make one with `patchwise keygen VENDOR`' });
  }
  let signature: string;
  try {
    signature = signManifest(manifest, privateKey).signature;
  } catch (err) {
    throw new Diagnostic({ code: 'PW_SIGN', file: options.key, reason: (err as Error).message, hint: 'use a key made by `patchwise keygen`' });
  }
  const signed = withSignature(text, signature, displayPath(manifestFile));
  // The edit must not have changed what the signature covers: read it back as `check` will.
  if (!verifyManifest(manifestFromText(signed, displayPath(target)), createPublicKey(privateKey))) {
    throw new Diagnostic({ code: 'PW_SIGN', file: displayPath(manifestFile), reason: 'the signed text does not verify; nothing was written', hint: 'report this with the manifest' });
  }
  writeFileAtomic(target, signed);
  out.out(`signed ${displayPath(manifestFile)} as vendor '${String(manifest.vendor ?? '(none)')}' → ${displayPath(target)}`);
  if (!manifest.vendor) out.err('warning: the manifest declares no `vendor`; vendor-tags cannot tie the signature to one');
  return ExitCode.Ok;
}

export function keygenCommand(runner: (fn: () => Promise<ExitCode>) => Promise<void>, out: () => Output): Command {
  return new Command('keygen')
    .summary("make a vendor's Ed25519 key pair (vendor-tags signatures)")
    .argument('<vendor>', 'the vendor name manifests declare')
    .option('--out-dir <dir>', 'where to write VENDOR.key and VENDOR.pub (default: the working folder)', pathValue)
    .option('--force', 'replace an existing key pair')
    .addHelpText('after', '\nExamples:\n  $ patchwise keygen acme\n  $ patchwise keygen acme --out-dir keys/\n\nExit codes: 0 written, 2 bad input or the files exist.')
    .action((vendor: string, options: { outDir?: string; force?: boolean }) => runner(async () => keygen(out(), vendor, options)));
}

export function signCommand(runner: (fn: () => Promise<ExitCode>) => Promise<void>, out: () => Output): Command {
  return new Command('sign')
    .summary("sign a patch manifest with its vendor's private key")
    .argument('<manifest>', 'the patch manifest (YAML or JSON)', pathValue)
    .requiredOption('-k, --key <file>', 'the private key (VENDOR.key from `patchwise keygen`)', pathValue)
    .option('-o, --out <file>', 'write the signed manifest here (default: in place)', pathValue)
    .addHelpText(
      'after',
      '\nThe signature covers the canonical manifest (sorted keys, without `signature`): any change\nafter signing breaks it.\n\nExamples:\n  $ patchwise sign patches/acme-fix.yaml --key acme.key\n\nExit codes: 0 signed, 2 bad input.',
    )
    .action((manifest: string, options: { key: string; out?: string }) => runner(async () => sign(out(), manifest, options)));
}
