/**
 * `patchwise inspect MODULE.ko`: what a real livepatch module patches and what it says about
 * itself (modinfo, `patchwise_*` metadata, signature), read from the file without loading it.
 */
import { Command, Option } from 'commander';
import { modinfoRecord, type KlpObject, type SignatureVerification } from '@patchwise/kmod';
import type { Mismatch } from '@patchwise/manifest';
import { ExitCode } from '../exit-codes.js';
import { crossCheckSidecar, loadKernelModule, verifyModuleWith, type LoadedModule } from '../kernel-module.js';
import type { Output } from '../output.js';

export interface InspectOptions {
  readonly format?: 'text' | 'json';
  /** An X.509 certificate the signature must verify with. */
  readonly cert?: string;
  /** A sidecar manifest that must describe the module. */
  readonly manifest?: string;
}

const STAGES = [
  ['prePatch', 'pre_patch'],
  ['postPatch', 'post_patch'],
  ['preUnpatch', 'pre_unpatch'],
  ['postUnpatch', 'post_unpatch'],
] as const;

function callbackNames(o: KlpObject): string[] {
  return STAGES.filter(([key]) => o.callbacks[key] !== null).map(([, name]) => name);
}

/** The `--format json` object. */
export function inspectRecord(loaded: LoadedModule, verification?: SignatureVerification, sidecar?: { file: string; mismatches: Mismatch[] }) {
  const m = loaded.module;
  return {
    file: loaded.file,
    name: m.name,
    vermagic: m.vermagic,
    release: m.release,
    livepatch: m.livepatch,
    // From the module's data, or (klp-build keeps it in code) from its `patchwise_replace`.
    replace: loaded.manifest.replace ?? false,
    objects: (m.patch?.objects ?? []).map((o) => ({
      name: o.name,
      functions: o.functions.map((f) => ({ name: f.name, sympos: f.sympos, replacement: f.replacement })),
      callbacks: callbackNames(o),
    })),
    states: m.patch?.states ?? [],
    modinfo: modinfoRecord(m.modinfo),
    manifest: loaded.manifest,
    versions: m.versions,
    klpRelocations: m.klpRelocations,
    klpSymbols: m.klpSymbols,
    layout: m.patch ? { from: m.patch.source, location: m.patch.location, ...m.patch.layout } : null,
    signature: m.signature === null ? null : { ...m.signature, ...(verification ? { verified: verification.valid, reason: verification.reason } : {}) },
    ...(sidecar ? { sidecar: { file: sidecar.file, matches: sidecar.mismatches.length === 0, mismatches: sidecar.mismatches } } : {}),
  };
}

function textLines(out: Output, loaded: LoadedModule, verification?: SignatureVerification, sidecar?: { file: string; mismatches: Mismatch[] }): string[] {
  const m = loaded.module;
  const man = loaded.manifest;
  const dim = (t: string) => out.style('dim', t);
  const row = (label: string, value: string) => `  ${label.padEnd(11)} ${value}`;
  const lines = [`${out.style('bold', m.name)}  ${dim(`livepatch module (${loaded.file})`)}`];
  lines.push(row('kernel', `${m.release ?? 'unknown'}${m.vermagic ? dim(`  vermagic: ${m.vermagic.trim()}`) : ''}`));
  const replace = loaded.manifest.replace ? 'yes (atomic replace: a cumulative patch)' : 'no';
  lines.push(row('replace', m.patch?.replace === null ? `${replace}${dim('  (set in code; from patchwise_replace)')}` : replace));
  for (const [i, o] of (m.patch?.objects ?? []).entries()) {
    const cbs = callbackNames(o);
    lines.push(row(i === 0 ? 'objects' : '', `${o.name}${cbs.length ? dim(`  callbacks: ${cbs.join(', ')}`) : ''}`));
    for (const f of o.functions) lines.push(row('', `  ${f.name}${f.sympos ? `,${f.sympos}` : ''}${f.replacement ? dim(` → ${f.replacement}`) : ''}`));
  }
  const states = m.patch?.states ?? [];
  lines.push(row('states', states.length ? states.map((s) => `${s.id} (version ${s.version})`).join(', ') : 'none'));
  const meta = [
    man.vendor && `vendor ${man.vendor}`,
    man.version && `version ${man.version}`,
    man.tags?.length && `tags ${man.tags.join(', ')}`,
    man.provides?.length && `provides ${man.provides.join(', ')}`,
    man.requires && `requires ${Object.entries(man.requires).map(([k, v]) => `${k}@${v}`).join(', ')}`,
    man.conflicts && `conflicts ${Object.entries(man.conflicts).map(([k, v]) => `${k}@${v}`).join(', ')}`,
  ].filter((x): x is string => typeof x === 'string');
  lines.push(row('metadata', meta.length ? meta.join('; ') : dim('none (no patchwise_* modinfo)')));
  const sig = m.signature;
  if (!sig) lines.push(row('signature', verification ? out.style('red', 'none: not signed') : 'none'));
  else {
    lines.push(row('signature', `${sig.type} ${sig.hashAlgorithm}/${sig.signatureAlgorithm}, signer ${sig.signer || '(by key id)'}, key ${sig.keyId}`));
    if (verification) lines.push(row('', verification.valid ? out.style('green', `verified: ${verification.reason}`) : out.style('red', `NOT verified: ${verification.reason}`)));
  }
  if (sidecar) {
    if (sidecar.mismatches.length === 0) lines.push(row('sidecar', out.style('green', `${sidecar.file} matches the module`)));
    else for (const [i, x] of sidecar.mismatches.entries()) lines.push(row(i === 0 ? 'sidecar' : '', out.style('red', `${x.field}: ${x.reason}`)));
  }
  return lines;
}

export function inspect(out: Output, path: string, options: InspectOptions): ExitCode {
  const loaded = loadKernelModule(path);
  // An unsigned module checked against a certificate fails like a bad signature: refused, exit 1.
  const verification = options.cert ? verifyModuleWith(loaded, options.cert) : undefined;
  const sidecar = options.manifest ? crossCheckSidecar(loaded, options.manifest) : undefined;
  if (options.format === 'json') out.out(JSON.stringify(inspectRecord(loaded, verification, sidecar)));
  else for (const line of textLines(out, loaded, verification, sidecar)) out.out(line);
  const refused = (verification !== undefined && !verification.valid) || (sidecar !== undefined && sidecar.mismatches.length > 0);
  return refused ? ExitCode.Failed : ExitCode.Ok;
}

export function inspectCommand(runner: (fn: () => Promise<ExitCode>) => Promise<void>, out: () => Output): Command {
  return new Command('inspect')
    .summary('read a real livepatch module (.ko): what it patches, its metadata, its signature')
    .description(
      'Read a livepatch kernel module (x86_64 ELF) without loading it: the functions and objects its klp_patch replaces, `replace`, its states and callbacks, its .modinfo (with the `patchwise_*` metadata that makes it carry its own manifest) and its appended signature.',
    )
    .argument('<module>', 'the livepatch module (.ko)')
    .addOption(new Option('--format <format>', 'text, or json: one object').choices(['text', 'json']).default('text'))
    .option('--cert <file>', 'verify the signature with this X.509 certificate (PEM or DER); exit 1 unless it verifies')
    .option('--manifest <file>', 'a sidecar manifest: exit 1 unless it says what the module really patches')
    .addHelpText(
      'after',
      `
Examples:
  $ patchwise inspect acme_cmdline.ko
  $ patchwise inspect acme_cmdline.ko --format json
  $ patchwise inspect acme_cmdline.ko --cert signing_key.pem --manifest acme_cmdline.yaml

Exit codes: 0 read (and verified/matching when asked), 1 signature not verified or sidecar mismatch, 2 bad input (not ELF, not a module, not a livepatch, another architecture, a corrupt file).`,
    )
    .action((path: string, options: InspectOptions) => runner(async () => inspect(out(), path, options)));
}
