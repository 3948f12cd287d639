/**
 * Livepatch modules as manifests: the candidate of `gate load` and `check X.ko`, and the installed
 * patches' own modules in a patch directory (`--patch-dir`, like kpatch's per-release directory).
 * What the module patches comes from its klp_patch; vendor, version & co. from its
 * `MODULE_INFO(patchwise_<field>, ...)` entries, which the module signature covers.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Diagnostic } from '@patchwise/diagnostics';
import type { PatchManifest } from '@patchwise/manifest';
import { loadKernelModule } from '../kernel-module.js';
import { displayPath } from '../paths.js';

/** Read a livepatch module as a manifest; a file that is not one is bad input naming the reason. */
export function moduleManifest(file: string): PatchManifest {
  return loadKernelModule(file).manifest;
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
