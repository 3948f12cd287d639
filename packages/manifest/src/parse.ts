/**
 * Reading manifests from YAML/JSON text or objects, with errors that point at the field.
 */
import { describeIssue, Diagnostic, formatPath, issuePlace, pickIssue, readSourceFile, suggestion, YamlSource } from '@patchwise/diagnostics';
import type { z } from 'zod';
import { parseFunctionRef, VMLINUX } from './normalize.js';
import { dataProblem } from './plain-data.js';
import { ActionSchema, PatchManifestSchema, type ManifestFunction, type PatchManifest } from './schema.js';

type Path = (string | number)[];

const STAGES = ['prePatch', 'postPatch', 'preUnpatch', 'postUnpatch'];
const ACTION_OPTIONS = ActionSchema.options as readonly z.ZodObject[];
const ACTIONS = ACTION_OPTIONS.map((o) => Object.keys(o.shape)[0] ?? '');

function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>((v, key) => (typeof v === 'object' && v !== null ? (v as Record<string | number, unknown>)[key] : undefined), value);
}

/**
 * The callback list an issue is in (`objects[i].callbacks.STAGE` or `callbacks.ID.STAGE`), and the
 * step, if the issue is inside one. Every problem there is said the same way, by `actionProblem`:
 * zod reports some of them (`fail: 5`, an unknown key in `shadowAlloc`) as plain issues of the one
 * action they nearly match, not as a union failure.
 */
function callbackAt(path: Path): { stage: Path; step: number | undefined } | undefined {
  const at = path[0] === 'callbacks' ? 2 : path[0] === 'objects' && path[2] === 'callbacks' ? 3 : -1;
  const stage = path[at];
  if (at < 0 || typeof stage !== 'string' || !STAGES.includes(stage)) return undefined;
  const step = path[at + 1];
  return { stage: path.slice(0, at + 1), step: typeof step === 'number' ? step : undefined };
}

/**
 * The step of a callback (`prePatch: [...]`) that matches no action, and why: step `only` when
 * given, else the first such step.
 */
function actionProblem(value: unknown, path: Path, only?: number): { path: Path; reason: string; key: boolean } | undefined {
  const stage = path.at(-1);
  if (typeof stage !== 'string' || !STAGES.includes(stage)) return undefined;
  const steps = valueAt(value, path);
  if (!Array.isArray(steps)) return { path, reason: `\`${stage}\` takes a list of actions`, key: false };
  for (const [i, step] of steps.entries()) {
    if (only !== undefined && i !== only) continue;
    const keys = typeof step === 'object' && step !== null && !Array.isArray(step) ? Object.keys(step) : [];
    const key = keys.length === 1 ? (keys[0] as string) : undefined;
    const option = ACTION_OPTIONS.find((o) => key !== undefined && key in o.shape);
    if (!key || !option) {
      const what = key ? `unknown action \`${key}\`${suggestion(key, ACTIONS)}` : 'an action is a one-key map like `log: text`';
      return { path: [...path, i], reason: `step ${i + 1} of \`${stage}\`: ${what}`, key: false };
    }
    const checked = option.safeParse(step);
    if (checked.success) continue;
    // As for the manifest: an unknown key (a typo) first.
    const first = pickIssue(checked.error.issues) as z.core.$ZodIssue;
    const place = issuePlace(first);
    const reason =
      key === 'fail' && first.path.length <= 1
        ? '`fail` takes a negative errno or its name (e.g. `-19` or `ENODEV`)'
        : `\`${key}\`: ${describeIssue(first, option)}`;
    return { path: [...path, i, ...place.path], reason: `step ${i + 1} of \`${stage}\`: ${reason}`, key: place.key === 'unknown' };
  }
  return undefined;
}

/**
 * What the schema cannot say: a patch patches at least one object, and names each object and each
 * function once (the kernel refuses duplicates only at load time, with a bare -EEXIST).
 */
function structureProblem(m: PatchManifest): { path: (string | number)[]; reason: string; hint: string } | undefined {
  const functions = m.functions ?? [];
  const objects = m.objects ?? [];
  if (functions.length === 0 && objects.length === 0) {
    return {
      path: [],
      reason: `patch '${m.name}' has no objects: it lists no \`functions\` and no \`objects\``,
      hint: 'list the functions it replaces (`functions: [cmdline_proc_show]`), or its objects (`objects: [{name: vmlinux}]`)',
    };
  }
  const seenObjects = new Map<string, number>();
  for (const [i, obj] of objects.entries()) {
    if (seenObjects.has(obj.name)) {
      return { path: ['objects', i, 'name'], reason: `object \`${obj.name}\` is listed twice`, hint: 'list each object once, with all its functions' };
    }
    seenObjects.set(obj.name, i);
  }
  const seen = new Set<string>();
  const check = (f: ManifestFunction, object: string, path: (string | number)[]) => {
    const ref = typeof f === 'string' ? parseFunctionRef(f) : { object: f.object ?? object, name: f.name, sympos: f.sympos ?? 0 };
    const owner = typeof f === 'string' && !f.includes(':') ? object : ref.object;
    const key = `${owner}:${ref.name},${ref.sympos || 1}`;
    if (seen.has(key)) return { path, reason: `function \`${ref.name}\` of \`${owner}\` is listed twice`, hint: 'list each function once' };
    seen.add(key);
    return undefined;
  };
  for (const [i, obj] of objects.entries()) {
    for (const [j, f] of (obj.functions ?? []).entries()) {
      const dup = check(f, obj.name, ['objects', i, 'functions', j]);
      if (dup) return dup;
    }
  }
  for (const [i, f] of functions.entries()) {
    const dup = check(f, VMLINUX, ['functions', i]);
    if (dup) return dup;
  }
  return undefined;
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
  // First: whatever reads the manifest next (zod, the signature check, the core's copies) must see
  // the same plain data.
  const bad = dataProblem(value);
  if (bad) {
    const path = [...(where.path ?? []), ...bad.path];
    throw new Diagnostic({
      code: 'PW_MANIFEST',
      ...(where.file ? { file: where.file } : {}),
      ...(path.length ? { path: formatPath(path) } : {}),
      ...where.locate?.(path, { key: bad.key }),
      reason: `invalid patch manifest: ${bad.reason}`,
      hint: 'a manifest is plain data; see the manifest format in packages/manifest/README.md',
    });
  }
  const result = PatchManifestSchema.safeParse(value);
  if (result.success) {
    const problem = structureProblem(value as PatchManifest);
    if (!problem) return value as PatchManifest;
    const path = [...(where.path ?? []), ...problem.path];
    throw new Diagnostic({
      code: 'PW_MANIFEST',
      ...(where.file ? { file: where.file } : {}),
      ...(path.length ? { path: formatPath(path) } : {}),
      ...where.locate?.(path),
      reason: `invalid patch manifest: ${problem.reason}`,
      hint: problem.hint,
    });
  }
  // An unknown key (a typo) explains more than the errors it causes: report it first, at the key.
  const issue = pickIssue(result.error.issues) as z.core.$ZodIssue;
  const place = issuePlace(issue);
  // A problem inside a callback is said as the step and the action at fault ("Invalid input" for a
  // callback says nothing).
  const callback = callbackAt(place.path);
  const detail = callback ? actionProblem(value, callback.stage, callback.step) : undefined;
  const path = [...(where.path ?? []), ...(detail?.path ?? place.path)];
  throw new Diagnostic({
    code: 'PW_MANIFEST',
    ...(where.file ? { file: where.file } : {}),
    ...(path.length ? { path: formatPath(path) } : {}),
    ...where.locate?.(path, { key: detail ? detail.key : place.key === 'unknown' }),
    reason: `invalid patch manifest: ${detail?.reason ?? describeIssue(issue, PatchManifestSchema)}`,
    hint: detail ? `the actions are ${ACTIONS.map((a) => `\`${a}\``).join(', ')}; see "The manifest format" in the @patchwise/manifest README` : 'see "The manifest format" in the @patchwise/manifest README',
  });
}

/** Read and validate a manifest file (YAML or JSON). */
export function loadManifestFile(file: string, display = file): PatchManifest {
  return manifestFromText(readSourceFile(file, 'the manifest', 'check the path', display), display);
}

/** Parse and validate a manifest's text (YAML or JSON) read from `display`. */
export function manifestFromText(text: string, display: string): PatchManifest {
  const source = YamlSource.parse(text, display);
  const value = source.toJS();
  if (value === null || value === undefined) {
    throw new Diagnostic({
      code: 'PW_MANIFEST',
      file: display,
      reason: 'the file is empty: a manifest needs at least `name` and `functions` (or `objects`)',
      hint: 'see "The manifest format" in the @patchwise/manifest README',
    });
  }
  return parseManifest(value, { file: display, locate: (path, options) => source.locate(path, options) });
}
