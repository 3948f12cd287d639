/**
 * `patchwise keygen` and `patchwise sign`: vendor keys and signed manifests (vendor-tags).
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { lstatSync, mkdirSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { Command, Option } from 'commander';
import { decodeUtf8, Diagnostic, readRegularFile, readSourceFile } from '@patchwise/diagnostics';
import { manifestFromText } from '@patchwise/manifest';
import { generateVendorKeys, parsePublicKey, signManifest, verifyManifest } from '@patchwise/plugin-vendor-tags';
import { commandPolicies } from '../config-loading.js';
import { ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';
import { displayPath, pathValue } from '../paths.js';
import { commitTogether, refuseOverwritingInput, stageFile, writeFileAtomic } from '../safe-write.js';
import { withSignature } from '../signature-text.js';

const VENDOR = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

type Format = { format?: 'text' | 'json' };

/** How a config in the working folder names `file`: `./keys/acme.pub`, or absolute. */
const configPath = (file: string) => {
  const shown = displayPath(file);
  return isAbsolute(shown) ? shown : `./${shown}`;
};

export function keygen(out: Output, vendor: string, options: { outDir?: string; force?: boolean } & Format): ExitCode {
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
  if (options.format === 'json') {
    out.out(JSON.stringify({ type: 'keygen', vendor, privateKey: privateFile, publicKey: publicFile, publicKeyPem: keys.publicKey }));
    return ExitCode.Ok;
  }
  out.out(`wrote ${displayPath(privateFile)} (private: keep it on the signing machine)`);
  out.out(`wrote ${displayPath(publicFile)}`);
  out.out('\nTrust it in the config (the key file is relative to the config file):\n');
  out.out(`  - plugin: vendor-tags\n    options:\n      signatures: required\n      keys:\n        ${vendor}: ${configPath(publicFile)}`);
  return ExitCode.Ok;
}

/**
 * Whose a private key is: the vendor whose public key in the config's vendor-tags `keys` it is the
 * private half of, or else the name `patchwise keygen` gave its file (`acme.key`). `trusted` is
 * false when the config lists keys and this one is not among them.
 */
async function keyOwner(privateKey: string, keyFile: string, config: string | undefined): Promise<{ vendor?: string; trusted?: boolean }> {
  const byName = /^(.+)\.key$/.exec(basename(keyFile))?.[1];
  try {
    const own = createPublicKey(createPrivateKey(privateKey)).export({ type: 'spki', format: 'der' });
    const policies = await commandPolicies(config === undefined ? {} : { config });
    let listed = 0;
    for (const entry of policies.entries) {
      const keys = entry.policy.name === 'vendor-tags' ? (entry.options as { keys?: Record<string, string> } | undefined)?.keys : undefined;
      for (const [vendor, text] of Object.entries(keys ?? {})) {
        listed += 1;
        if (parsePublicKey(text).export({ type: 'spki', format: 'der' }).equals(own)) return { vendor, trusted: true };
      }
    }
    return { ...(byName ? { vendor: byName } : {}), ...(listed ? { trusted: false } : {}) };
  } catch {
    // No usable config: the file name is all there is to go by.
    return byName ? { vendor: byName } : {};
  }
}

export async function sign(out: Output, manifestFile: string, options: { key: string; out?: string; config?: string } & Format): Promise<ExitCode> {
  const target = options.out ?? manifestFile;
  refuseOverwritingInput(target, options.out === undefined ? 'sign' : '--out', [[options.key, 'the private key']]);
  // One read: what is signed is exactly the text written back, not a second read of the file.
  const text = readSourceFile(manifestFile, 'the manifest', 'check the path', displayPath(manifestFile));
  const manifest = manifestFromText(text, displayPath(manifestFile));
  let privateKey: string;
  try {
    privateKey = decodeUtf8(readRegularFile(options.key, 'the private key', options.key, 64 * 1024), options.key);
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
  const warnings: string[] = [];
  if (!manifest.vendor) warnings.push('the manifest declares no `vendor`; vendor-tags cannot tie the signature to one');
  const owner = await keyOwner(privateKey, options.key, options.config);
  const signer = owner.vendor;
  if (owner.trusted === false) {
    warnings.push("the key is none of the config's vendor-tags `keys`: vendor-tags will not trust this signature; add its public key (VENDOR.pub) to `keys`");
  }
  if (manifest.vendor && signer !== undefined && signer !== manifest.vendor) {
    warnings.push(
      `the key is vendor \`${signer}\`'s but the manifest declares vendor \`${String(manifest.vendor)}\`: vendor-tags will refuse it (signature-wrong-vendor); sign with ${String(manifest.vendor)}'s key, or correct \`vendor\``,
    );
  }
  if (options.format === 'json') {
    out.out(JSON.stringify({ type: 'sign', manifest: manifestFile, out: target, vendor: manifest.vendor ?? null, keyVendor: signer ?? null, trusted: owner.trusted ?? null, signature, warnings }));
  } else {
    out.out(`signed ${displayPath(manifestFile)} as vendor '${String(manifest.vendor ?? '(none)')}' → ${displayPath(target)}`);
  }
  for (const w of warnings) out.err(`${out.style('yellow', 'warning')} ${w}`);
  return ExitCode.Ok;
}

export function keygenCommand(runner: (fn: () => Promise<ExitCode>) => Promise<void>, out: () => Output): Command {
  return new Command('keygen')
    .summary("make a vendor's Ed25519 key pair (vendor-tags signatures)")
    .description(
      "Write VENDOR.key (private, mode 0600: keep it on the signing machine) and VENDOR.pub (public: list it in vendor-tags' `keys`, as a file relative to the config). Manifests signed with the private key prove their `vendor` claim.",
    )
    .argument('<vendor>', 'the vendor name manifests declare')
    .option('--out-dir <dir>', 'where to write VENDOR.key and VENDOR.pub (default: the working folder)', pathValue)
    .option('--force', 'replace an existing key pair')
    .addOption(new Option('--format <format>', 'text, or json: the files written and the public key').choices(['text', 'json']).default('text'))
    .addHelpText('after', '\nExamples:\n  $ patchwise keygen acme\n  $ patchwise keygen acme --out-dir keys/\n\nExit codes: 0 written, 2 bad input or the files exist.')
    .action((vendor: string, options: { outDir?: string; force?: boolean } & Format) => runner(async () => keygen(out(), vendor, options)));
}

export function signCommand(runner: (fn: () => Promise<ExitCode>) => Promise<void>, out: () => Output): Command {
  return new Command('sign')
    .summary("sign a patch manifest with its vendor's private key")
    .description(
      "Sign a patch manifest with a vendor's private key (from `patchwise keygen`) and write the signature into its `signature` field, keeping the file's formatting and comments. vendor-tags then trusts the manifest's `vendor` claim when that vendor's public key is in its `keys`.",
    )
    .argument('<manifest>', 'the patch manifest (YAML or JSON)', pathValue)
    .requiredOption('-k, --key <file>', 'the private key (VENDOR.key from `patchwise keygen`)', pathValue)
    .option('-o, --out <file>', 'write the signed manifest here (default: in place)', pathValue)
    .option('-c, --config <file>', "the config whose vendor-tags `keys` tell the key's vendor (default: the discovered one)", pathValue)
    .addOption(new Option('--format <format>', 'text, or json: what was signed, by which vendor, and any warnings').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      '\nThe signature covers the canonical manifest (sorted keys, without `signature`): any change\nafter signing breaks it. Warns when the key is another vendor\'s than the manifest declares\n(known from the config\'s vendor-tags `keys`, or the key file\'s name).\n\nExamples:\n  $ patchwise sign patches/acme-fix.yaml --key acme.key\n\nExit codes: 0 signed, 2 bad input.',
    )
    .action((manifest: string, options: { key: string; out?: string; config?: string } & Format) => runner(() => sign(out(), manifest, options)));
}
