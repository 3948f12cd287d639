/**
 * A sidecar manifest next to a real module: it may describe the module only if it says what the
 * module really does. Whatever both state must agree; the functions, objects, `replace` and states
 * the sidecar claims must be exactly those the module's klp_patch holds. Any difference is a
 * mismatch, and a caller refuses the module (the signature covers the module, not the sidecar).
 */
import { normalObjects } from './normalize.js';
import type { PatchManifest } from './schema.js';

export interface Mismatch {
  /** The manifest key that differs: `name`, `functions`, `vendor`... */
  readonly field: string;
  readonly reason: string;
}

const METADATA = ['vendor', 'version', 'lineage', 'kernel'] as const;

function functionKeys(manifest: PatchManifest): string[] {
  return normalObjects(manifest)
    .flatMap((o) => o.functions.map((f) => `${o.name}:${f.name}${f.sympos ? `,${f.sympos}` : ''}`))
    .sort();
}

const stateKeys = (m: PatchManifest) => (m.states ?? []).map((s) => `${s.id}@${s.version}`).sort();
const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const listText = (l: readonly string[]) => (l.length ? l.map((x) => `\`${x}\``).join(', ') : 'none');
const recordText = (r: Readonly<Record<string, string>> | undefined) =>
  Object.entries(r ?? {})
    .map(([k, v]) => `${k}@${v}`)
    .sort();

/**
 * Compare `sidecar` with `module` (the manifest the module itself gives, from manifestFromModule).
 * Patch content (name, replace, functions, states) must be equal; metadata only where both give it.
 */
export function crossCheckManifests(module: PatchManifest, sidecar: PatchManifest): Mismatch[] {
  const out: Mismatch[] = [];
  if (module.name !== sidecar.name) out.push({ field: 'name', reason: `the sidecar names \`${sidecar.name}\`, the module is \`${module.name}\`` });
  if ((module.replace ?? false) !== (sidecar.replace ?? false)) {
    out.push({ field: 'replace', reason: `the sidecar says replace: ${sidecar.replace ?? false}, the module's klp_patch says ${module.replace ?? false}` });
  }
  const mf = functionKeys(module);
  const sf = functionKeys(sidecar);
  if (!same(mf, sf)) {
    const missing = mf.filter((f) => !sf.includes(f));
    const extra = sf.filter((f) => !mf.includes(f));
    const parts = [missing.length ? `the module also patches ${listText(missing)}` : '', extra.length ? `the module does not patch ${listText(extra)}` : ''].filter(Boolean);
    out.push({ field: 'functions', reason: `the sidecar's functions differ from the module's: ${parts.join('; ')}` });
  }
  const ms = stateKeys(module);
  const ss = stateKeys(sidecar);
  if (!same(ms, ss)) out.push({ field: 'states', reason: `the sidecar's states (${listText(ss)}) differ from the module's (${listText(ms)})` });
  for (const key of METADATA) {
    const a = module[key];
    const b = sidecar[key];
    if (a !== undefined && b !== undefined && a !== b) out.push({ field: key, reason: `the sidecar says ${key} \`${b}\`, the module says \`${a}\`` });
  }
  const lists: [string, string[] | undefined, string[] | undefined][] = [
    ['tags', module.tags && [...new Set(module.tags)].sort(), sidecar.tags && [...new Set(sidecar.tags)].sort()],
    ['provides', module.provides && [...module.provides].sort(), sidecar.provides && [...sidecar.provides].sort()],
    ['requires', module.requires && recordText(module.requires), sidecar.requires && recordText(sidecar.requires)],
    ['conflicts', module.conflicts && recordText(module.conflicts), sidecar.conflicts && recordText(sidecar.conflicts)],
  ];
  for (const [key, a, b] of lists) {
    if (a !== undefined && b !== undefined && !same(a, b)) out.push({ field: key, reason: `the sidecar says ${key} ${listText(b)}, the module says ${listText(a)}` });
  }
  return out;
}
