/**
 * A case's own livepatch modules (`patches:`): patch manifests, so a case can load a patch the
 * kernel must refuse at init (a missing function, a bad sympos, an incompatible state) and check
 * the kernel's exact lines. The simulator loads them as manifest modules; `replay --vm` builds them
 * with `@patchwise/modgen`.
 */
import type { YamlSource } from '@patchwise/diagnostics';
import { parseManifest, type PatchManifest } from '@patchwise/manifest';

/** kbuild turns `-` into `_` in a module's name: only names that survive the build as they are. */
const MODULE_NAME = /^[A-Za-z0-9_]+$/;
/**
 * The selftests' log filter keeps lines containing `livepatch:` or `test_klp`: a patch named
 * otherwise would lose its `% insmod`, insmod error and `% rmmod` lines from the compared log.
 */
const PREFIX = 'test_klp_';

/** Validate `patches:` (a list of manifests with distinct, buildable names that shadow no known module). */
export function parseCasePatches(raw: unknown, source: YamlSource, known: readonly string[] | undefined): PatchManifest[] {
  if (!Array.isArray(raw)) {
    throw source.error(['patches'], { code: 'PW_CASE_FORMAT', reason: '`patches` must be a list of patch manifests', hint: 'e.g. `patches: [{name: pw_fix, functions: [cmdline_proc_show]}]`' });
  }
  const seen = new Set<string>();
  return raw.map((value, i) => {
    const at = ['patches', i];
    const manifest = parseManifest(value, { file: source.file, path: at, locate: (path, options) => source.locate(path, options) });
    const refuse = (reason: string, hint: string): never => {
      throw source.error([...at, 'name'], { code: 'PW_CASE_FORMAT', reason: `patch ${i + 1}: ${reason}`, hint });
    };
    if (!MODULE_NAME.test(manifest.name)) {
      refuse(`name \`${manifest.name}\` is not a module name kbuild keeps as it is`, 'use letters, digits and `_` (kbuild turns `-` into `_`)');
    }
    if (!manifest.name.startsWith(PREFIX)) {
      refuse(`name \`${manifest.name}\` does not start with \`${PREFIX}\``, `the selftests' log filter keeps only lines containing \`livepatch:\` or \`test_klp\`: name it e.g. \`${PREFIX}pw_${manifest.name}\``);
    }
    if (known?.includes(manifest.name)) {
      refuse(`name \`${manifest.name}\` is a selftest module's`, 'give the case\'s patch a name of its own, e.g. `test_klp_pw_...`');
    }
    if (seen.has(manifest.name)) refuse(`name \`${manifest.name}\` is used twice`, 'give each patch its own name');
    seen.add(manifest.name);
    return manifest;
  });
}
