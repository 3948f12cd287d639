/**
 * Livepatch modules as manifests: the candidate of `gate load` / `check`, and the installed
 * patches' own modules in a patch directory.
 */
import { Diagnostic } from '@patchwise/diagnostics';
import type { PatchManifest } from '@patchwise/manifest';

export function moduleManifest(file: string): PatchManifest {
  throw new Diagnostic({ code: 'PW_TODO', file, reason: 'reading modules is not wired yet' });
}

export function patchModules(_dir: string | undefined, _names: readonly string[]): Map<string, PatchManifest> {
  return new Map();
}
