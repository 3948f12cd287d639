/**
 * `patchwise keygen` and `patchwise sign`: vendor keys and signed manifests (vendor-tags).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { parseDocument } from 'yaml';
import { Diagnostic } from '@patchwise/diagnostics';
import { loadManifestFile } from '@patchwise/manifest';
import { generateVendorKeys, signManifest } from '@patchwise/plugin-vendor-tags';
import { ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';
import { displayPath } from '../paths.js';

const VENDOR = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function keygen(out: Output, vendor: string, options: { outDir?: string; force?: boolean }): ExitCode {
  if (!VENDOR.test(vendor)) {
    throw new Diagnostic({ code: 'PW_USAGE', reason: `\`${vendor}\` is not a usable vendor name`, hint: 'letters, digits, `.`, `_` and `-`' });
  }
  const dir = options.outDir ?? process.cwd();
  const privateFile = join(dir, `${vendor}.key`);
  const publicFile = join(dir, `${vendor}.pub`);
  for (const file of [privateFile, publicFile]) {
    if (existsSync(file) && !options.force) {
      throw new Diagnostic({ code: 'PW_EXISTS', file, reason: 'already exists; no key was written', hint: 'pass --force to replace the key pair' });
    }
  }
  const keys = generateVendorKeys();
  mkdirSync(dir, { recursive: true });
  writeFileSync(privateFile, keys.privateKey, { mode: 0o600 });
  chmodSync(privateFile, 0o600);
  writeFileSync(publicFile, keys.publicKey);
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
  const manifest = loadManifestFile(manifestFile, displayPath(manifestFile));
  let privateKey: string;
  try {
    privateKey = readFileSync(options.key, 'utf8');
  } catch {
    throw new Diagnostic({ code: 'PW_NO_SUCH_FILE', file: options.key, reason: 'cannot read the private key', hint: 'make one with `patchwise keygen VENDOR`' });
  }
  let signature: string;
  try {
    signature = signManifest(manifest, privateKey).signature;
  } catch (err) {
    throw new Diagnostic({ code: 'PW_SIGN', file: options.key, reason: (err as Error).message, hint: 'use a key made by `patchwise keygen`' });
  }
  // Keep the file's own formatting and comments: set the one field.
  const doc = parseDocument(readFileSync(manifestFile, 'utf8'));
  doc.set('signature', signature);
  const target = options.out ?? manifestFile;
  writeFileSync(
    target,
    manifestFile.endsWith('.json') ? `${JSON.stringify(doc.toJS(), null, 2)}\n` : doc.toString({ flowCollectionPadding: false }),
  );
  out.out(`signed ${displayPath(manifestFile)} as vendor '${String(manifest.vendor ?? '(none)')}' → ${displayPath(target)}`);
  if (!manifest.vendor) out.err('warning: the manifest declares no `vendor`; vendor-tags cannot tie the signature to one');
  return ExitCode.Ok;
}

export function keygenCommand(runner: (fn: () => Promise<ExitCode>) => Promise<void>, out: () => Output): Command {
  return new Command('keygen')
    .summary("make a vendor's Ed25519 key pair (vendor-tags signatures)")
    .argument('<vendor>', 'the vendor name manifests declare')
    .option('--out-dir <dir>', 'where to write VENDOR.key and VENDOR.pub (default: the working folder)')
    .option('--force', 'replace an existing key pair')
    .addHelpText('after', '\nExamples:\n  $ patchwise keygen acme\n  $ patchwise keygen acme --out-dir keys/\n\nExit codes: 0 written, 2 bad input or the files exist.')
    .action((vendor: string, options: { outDir?: string; force?: boolean }) => runner(async () => keygen(out(), vendor, options)));
}

export function signCommand(runner: (fn: () => Promise<ExitCode>) => Promise<void>, out: () => Output): Command {
  return new Command('sign')
    .summary("sign a patch manifest with its vendor's private key")
    .argument('<manifest>', 'the patch manifest (YAML or JSON)')
    .requiredOption('-k, --key <file>', 'the private key (VENDOR.key from `patchwise keygen`)')
    .option('-o, --out <file>', 'write the signed manifest here (default: in place)')
    .addHelpText(
      'after',
      '\nThe signature covers the canonical manifest (sorted keys, without `signature`): any change\nafter signing breaks it.\n\nExamples:\n  $ patchwise sign patches/acme-fix.yaml --key acme.key\n\nExit codes: 0 signed, 2 bad input.',
    )
    .action((manifest: string, options: { key: string; out?: string }) => runner(async () => sign(out(), manifest, options)));
}
