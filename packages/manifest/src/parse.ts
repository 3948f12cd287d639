/**
 * Reading manifests from YAML/JSON text or objects, with errors that point at the field.
 */
import { Diagnostic, formatPath, readSourceFile, suggestion, YamlSource } from '@patchwise/diagnostics';
import type { z } from 'zod';
import { MANIFEST_KEYS, PatchManifestSchema, type PatchManifest } from './schema.js';

function issueText(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const where = issue.path.length === 0 ? suggestion(key, MANIFEST_KEYS) : '';
    return `unknown key \`${key}\`${where}`;
  }
  return issue.message.replace(/^Invalid input: /, '');
}

/**
 * Validate a manifest given as an object. `locate` turns a path into a line/column when the
 * manifest came from a file.
 */
export function parseManifest(
  value: unknown,
  where: {
    file?: string;
    path?: (string | number)[];
    locate?: (path: (string | number)[], options?: { key?: boolean }) => { line: number; column: number } | undefined;
  } = {},
): PatchManifest {
  const result = PatchManifestSchema.safeParse(value);
  if (result.success) return value as PatchManifest;
  const issues = result.error.issues;
  // An unknown key (a typo) explains more than the errors it causes: report it first, at the key.
  const issue = (issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]) as z.core.$ZodIssue;
  const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const path = [...(where.path ?? []), ...(issue.path as (string | number)[]), ...(unknownKey === undefined ? [] : [unknownKey])];
  throw new Diagnostic({
    code: 'PW_MANIFEST',
    ...(where.file ? { file: where.file } : {}),
    ...(path.length ? { path: formatPath(path) } : {}),
    ...where.locate?.(path, { key: unknownKey !== undefined }),
    reason: `invalid patch manifest: ${issueText(issue)}`,
    hint: 'see the manifest format in packages/manifest/README.md',
  });
}

/** Read and validate a manifest file (YAML or JSON). */
export function loadManifestFile(file: string, display = file): PatchManifest {
  const source = YamlSource.parse(readSourceFile(file, 'the manifest', 'check the path', display), display);
  return parseManifest(source.toJS(), { file: display, locate: (path, options) => source.locate(path, options) });
}
