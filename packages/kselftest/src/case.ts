/**
 * The conformance case format (`cases/*.yaml`): parsing and validation, with errors that name the
 * file, the line and the op.
 */
import { Diagnostic, formatPath, suggestion, YamlSource } from '@patchwise/diagnostics';
import type { PatchManifest } from '@patchwise/manifest';
import { OPS, OpValueError, type OpSpec } from './ops.js';
import { parseCasePatches } from './case-patches.js';

/** One op of a case, parsed and checked. */
export interface CaseOp {
  readonly name: string;
  readonly spec: OpSpec<unknown>;
  readonly args: unknown;
  /** 0-based position in `ops`. */
  readonly index: number;
  readonly line?: number;
}

export interface SelftestCase {
  readonly file: string;
  readonly id: string;
  readonly title: string;
  readonly comment?: string;
  readonly source?: string;
  readonly notes?: string;
  readonly ops: readonly CaseOp[];
  /** The expected filtered kernel log, one entry per line. */
  readonly expect: readonly string[];
  /** Livepatch modules the case defines itself (patch manifests), loadable by name like the selftest modules. */
  readonly patches?: readonly PatchManifest[];
}

const TOP_KEYS = ['id', 'title', 'comment', 'source', 'patches', 'ops', 'expect', 'notes'] as const;

export interface ParseOptions {
  /** Module names `insmod` knows; ops naming others are refused. */
  readonly modules?: readonly string[];
  /** The ops allowed (default: the selftest harness's). */
  readonly ops?: readonly OpSpec<unknown>[];
}

/** Parse and validate a case file's text. Throws a `Diagnostic` naming the file and the place. */
export function parseCase(text: string, file: string, options: ParseOptions = {}): SelftestCase {
  const source = YamlSource.parse(text, file);
  const doc = source.toJS();
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw source.error([], {
      code: 'PW_CASE_FORMAT',
      reason: 'a case file must be a mapping with `id`, `title`, `ops` and `expect`',
    });
  }
  const raw = doc as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!(TOP_KEYS as readonly string[]).includes(key)) {
      throw source.error([key], {
        code: 'PW_CASE_FORMAT',
        reason: `unknown key \`${key}\`${suggestion(key, TOP_KEYS)}`,
        hint: `a case has ${TOP_KEYS.map((k) => `\`${k}\``).join(', ')}`,
        key: true,
      });
    }
  }
  const text_ = (key: (typeof TOP_KEYS)[number], required: boolean): string | undefined => {
    const value = raw[key];
    if (value === undefined || value === null) {
      if (required) throw source.error([], { code: 'PW_CASE_FORMAT', reason: `missing \`${key}\`` });
      return undefined;
    }
    if (typeof value !== 'string') {
      throw source.error([key], { code: 'PW_CASE_FORMAT', reason: `\`${key}\` must be a string` });
    }
    return value;
  };
  const id = text_('id', true) as string;
  const title = text_('title', true) as string;
  const expectText = text_('expect', true) as string;
  if (!Array.isArray(raw.ops)) {
    throw source.error(['ops'], { code: 'PW_CASE_FORMAT', reason: '`ops` must be a list of one-key maps' });
  }
  const patches = raw.patches === undefined ? undefined : parseCasePatches(raw.patches, source, options.modules);
  const modules = options.modules && patches ? [...options.modules, ...patches.map((p) => p.name)] : options.modules;
  const ops = parseOps(raw.ops, source, ['ops'], { ...options, ...(modules ? { modules } : {}) });
  const lines = expectText.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return {
    file,
    id,
    title,
    ops,
    expect: lines,
    ...(patches ? { patches } : {}),
    ...optional('comment', text_('comment', false)),
    ...optional('source', text_('source', false)),
    ...optional('notes', text_('notes', false)),
  };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

/**
 * Parse a list of one-key op maps at `at` in `source` (a case's `ops`, a scenario's `steps`).
 * Throws a `Diagnostic` naming the file, the line and the op.
 */
export function parseOps(
  list: readonly unknown[],
  source: YamlSource,
  at: readonly (string | number)[],
  options: ParseOptions = {},
): CaseOp[] {
  const table = options.ops ?? OPS;
  const names = table.map((op) => op.name);
  const known = options.modules;
  const file = source.file;
  const label = at[at.length - 1] === 'steps' ? 'step' : 'op';
  return list.map((entry, index): CaseOp => {
    const here = [...at, index];
    const pos = source.locate(here);
    const where = { file, ...pos, path: formatPath(here) };
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || Object.keys(entry).length !== 1) {
      throw new Diagnostic({
        ...where,
        code: 'PW_CASE_FORMAT',
        reason: `${label} ${index + 1} must be a one-key map like \`load_lp: NAME\``,
      });
    }
    const [name, value] = Object.entries(entry)[0] as [string, unknown];
    const spec = table.find((op) => op.name === name);
    if (!spec) {
      throw new Diagnostic({
        ...where,
        code: 'PW_CASE_UNKNOWN_OP',
        reason: `${label} ${index + 1}: unknown ${label} \`${name}\`${suggestion(name, names)}`,
        hint: `the ${label}s are ${names.join(', ')}; see \`--help\``,
      });
    }
    let args: unknown;
    try {
      args = spec.parse(value);
    } catch (err) {
      if (!(err instanceof OpValueError)) throw err;
      throw new Diagnostic({
        ...where,
        ...source.locate([...here, name]),
        code: 'PW_CASE_OP_VALUE',
        reason: `${label} ${index + 1} \`${name}\`: ${err.message}`,
        hint: `\`${name}\` takes ${spec.value}`,
      });
    }
    for (const module of known ? (spec.modules?.(args) ?? []) : []) {
      if (!known?.includes(module)) {
        throw new Diagnostic({
          ...where,
          code: 'PW_CASE_UNKNOWN_MODULE',
          // In a scenario, `load` names patches as well as modules.
          reason: `${label} ${index + 1} \`${name}\` names unknown ${label === 'step' ? 'patch or module' : 'module'} \`${module}\`${suggestion(module, known ?? [])}`,
          hint: label === 'step' ? 'declare it under `patches` or `modules` (the selftest modules are listed by `--help`)' : 'the modules are listed by `--help`',
        });
      }
    }
    return { name, spec, args, index, ...(pos ? { line: pos.line } : {}) };
  });
}
