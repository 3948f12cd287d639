/**
 * Livepatch modules as manifests: the candidate of `gate load` and `check X.ko`, and the installed
 * patches' own modules in a patch directory (`--patch-dir`, like kpatch's per-release directory).
 * What the module patches comes from its klp_patch; vendor, version & co. from its
 * `MODULE_INFO(patchwise_<field>, ...)` entries, which the module signature covers.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { Diagnostic } from '@patchwise/diagnostics';
import { isKmodError, LIMITS, readKernelModule, type KernelModule } from '@patchwise/kmod';
import { manifestFromModule, type PatchManifest } from '@patchwise/manifest';
import { displayPath } from '../paths.js';

/** A module file, read whole but never more than the reader accepts; FIFOs and devices refused. */
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
  const patch = module.patch;
  const objects = (patch?.objects ?? []).map((o) => ({ name: o.name, functions: o.functions, callbacks: { ...o.callbacks } }));
  return manifestFromModule({ name: module.name, modinfo: module.modinfo, replace: patch?.replace ?? false, objects, states: patch?.states ?? [] }, displayPath(file));
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
