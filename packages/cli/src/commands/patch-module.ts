/**
 * Livepatch modules as manifests: the candidate of `gate load` and `check X.ko`, and the installed
 * patches' own modules in a patch directory (`--patch-dir`, like kpatch's per-release directory).
 * What the module patches comes from its klp_patch; vendor, version & co. from its
 * `MODULE_INFO(patchwise_<field>, ...)` entries, which the module signature covers.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { Diagnostic } from '@patchwise/diagnostics';
import { isKmodError, LIMITS, modinfoValue, modinfoValues, readKernelModule, type KernelModule } from '@patchwise/kmod';
import { parseManifest, type PatchManifest } from '@patchwise/manifest';
import { displayPath } from '../paths.js';

/** vendor-tags reads a replace set as this tag (its default `replaceSetPrefix`). */
const REPLACE_SET_TAG = 'replace-set:';

/** A module file, read whole but never more than the reader accepts; links and FIFOs refused. */
function readModuleFile(file: string): Uint8Array {
  const shown = displayPath(file);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new Diagnostic({ code: 'PW_NO_SUCH_FILE', file: shown, reason: `cannot open the module (${(err as NodeJS.ErrnoException).code ?? 'error'})`, hint: 'check the path' });
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new Diagnostic({ code: 'PW_MODULE', file: shown, reason: 'not a regular file', hint: 'pass a livepatch module (.ko)' });
    if (stats.size > LIMITS.fileBytes) throw new Diagnostic({ code: 'PW_MODULE', file: shown, reason: `${stats.size} bytes: larger than a module is read (${LIMITS.fileBytes})` });
    const bytes = Buffer.alloc(stats.size);
    let off = 0;
    while (off < bytes.length) {
      const n = readSync(fd, bytes, off, bytes.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return bytes.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

/** `a,b , c` → `[a, b, c]` (every value of a repeated key). */
const list = (module: KernelModule, key: string) =>
  modinfoValues(module.modinfo, key)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);

/** `name@range` entries → `{ name: range }` (no `@`: any version). Prototype-safe. */
function ranges(module: KernelModule, key: string): Record<string, string> | undefined {
  const entries = list(module, key);
  if (!entries.length) return undefined;
  const out = Object.create(null) as Record<string, string>;
  for (const entry of entries) {
    const at = entry.indexOf('@');
    out[at < 0 ? entry : entry.slice(0, at)] = at < 0 ? '*' : entry.slice(at + 1);
  }
  return { ...out };
}

/** The manifest a read module stands for (validated like a manifest file). */
export function manifestOfModule(module: KernelModule, file: string): PatchManifest {
  const patch = module.patch;
  const get = (key: string) => modinfoValue(module.modinfo, `patchwise_${key}`);
  const replaceSet = get('replace_set');
  const tags = [...list(module, 'patchwise_tags'), ...(replaceSet ? [`${REPLACE_SET_TAG}${replaceSet}`] : [])];
  const published = get('published');
  const raw = {
    name: module.name,
    ...(modinfoValue(module.modinfo, 'description') ? { description: modinfoValue(module.modinfo, 'description') } : {}),
    ...(get('vendor') ? { vendor: get('vendor') } : {}),
    ...(get('version') ? { version: get('version') } : {}),
    ...(get('lineage') ? { lineage: get('lineage') } : {}),
    ...(get('kernel') ? { kernel: get('kernel') } : {}),
    ...(tags.length ? { tags } : {}),
    ...(ranges(module, 'patchwise_requires') ? { requires: ranges(module, 'patchwise_requires') } : {}),
    ...(ranges(module, 'patchwise_conflicts') ? { conflicts: ranges(module, 'patchwise_conflicts') } : {}),
    ...(list(module, 'patchwise_provides').length ? { provides: list(module, 'patchwise_provides') } : {}),
    ...(published ? { metadata: { published } } : {}),
    replace: patch?.replace === true,
    objects: (patch?.objects ?? []).map((o) => ({ name: o.name, functions: o.functions.map((f) => ({ name: f.name, ...(f.sympos ? { sympos: f.sympos } : {}) })) })),
    ...(patch?.states.length ? { states: patch.states.map((s) => ({ id: s.id, version: s.version })) } : {}),
  };
  return parseManifest(raw, { file: displayPath(file), path: ['modinfo'] });
}

/** Read a livepatch module as a manifest; a file that is not one is bad input naming the reason. */
export function moduleManifest(file: string): PatchManifest {
  const bytes = readModuleFile(file);
  let module: KernelModule;
  try {
    module = readKernelModule(bytes);
  } catch (err) {
    if (!isKmodError(err)) throw err;
    throw new Diagnostic({ code: `PW_KMOD_${err.code}`, file: displayPath(file), reason: err.message, hint: 'pass a livepatch module (.ko) built for x86_64' });
  }
  return manifestOfModule(module, file);
}

/** The kernel's module names use `_` where file names may use `-`. */
const moduleKey = (name: string) => name.replaceAll('-', '_');

/**
 * The installed patches' modules in `dir`, by patch name: `NAME.ko` for each name (dashes and
 * underscores alike). A module whose own name is not the patch's is refused: it is not that patch.
 */
export function patchModules(dir: string | undefined, names: readonly string[]): Map<string, PatchManifest> {
  const found = new Map<string, PatchManifest>();
  if (dir === undefined || names.length === 0) return found;
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.ko'));
  } catch (err) {
    throw new Diagnostic({ code: 'PW_NO_SUCH_FILE', file: displayPath(dir), reason: `cannot list the patch directory (${(err as NodeJS.ErrnoException).code ?? 'error'})`, hint: 'pass the directory holding the installed patches’ .ko files' });
  }
  const wanted = new Set(names.map(moduleKey));
  for (const file of files) {
    const key = moduleKey(file.slice(0, -3));
    if (!wanted.has(key)) continue;
    const path = join(dir, file);
    const manifest = moduleManifest(path);
    if (moduleKey(manifest.name) !== key) {
      throw new Diagnostic({ code: 'PW_MODULE', file: displayPath(path), reason: `the module inside is '${manifest.name}', not '${key}'`, hint: 'name each module file after its module' });
    }
    found.set(manifest.name, manifest);
  }
  return found;
}
