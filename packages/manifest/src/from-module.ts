/**
 * A real livepatch module's own manifest: what it patches (read from its klp_patch by
 * @patchwise/kmod) plus the policy metadata it carries as `MODULE_INFO(patchwise_<field>, "...")`
 * in .modinfo, which the module signature covers. The input is structural (this package does not
 * depend on the module reader), so any reader of the same facts can use it.
 */
import { Diagnostic, suggestion } from '@patchwise/diagnostics';
import { parseManifest } from './parse.js';
import type { ManifestObject, PatchManifest } from './schema.js';

/** What a module reader knows of a livepatch module. */
export interface ModuleFacts {
  readonly name: string;
  readonly modinfo: readonly { readonly key: string; readonly value: string }[];
  /** Atomic replace as the module's data says; null when the module sets it in code (klp-build). */
  readonly replace: boolean | null;
  readonly objects: readonly {
    readonly name: string;
    readonly functions: readonly { readonly name: string; readonly sympos: number; readonly replacement?: string | null }[];
    /** The callbacks' functions (null or absent: no such callback). */
    readonly callbacks?: { readonly prePatch?: string | null; readonly postPatch?: string | null; readonly preUnpatch?: string | null; readonly postUnpatch?: string | null };
  }[];
  readonly states: readonly { readonly id: number; readonly version: number }[];
}

/** The `.modinfo` prefix of patchwise's fields. */
export const MODINFO_PREFIX = 'patchwise_';

/** The fields, as `MODULE_INFO(patchwise_<field>, "...")`; lists are comma-separated. */
export const MODINFO_FIELDS = ['vendor', 'version', 'tags', 'requires', 'conflicts', 'provides', 'replace_set', 'published', 'lineage', 'kernel', 'replace'] as const;

/** The tag a `patchwise_replace_set` becomes (vendor-tags' default `replaceSetPrefix`). */
export const REPLACE_SET_TAG = 'replace-set:';

const list = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/** `name@range` (or a bare `name`: any version) → `{ name: range }`. */
function ranges(text: string, field: string, file: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const item of list(text)) {
    const at = item.indexOf('@');
    const name = (at < 0 ? item : item.slice(0, at)).trim();
    const range = at < 0 ? '*' : item.slice(at + 1).trim();
    if (!name || !range) throw modinfoError(file, field, `\`${item}\` is not \`name@range\``, 'write e.g. `acme_base@>=1.0.0`, items separated by commas');
    if (Object.hasOwn(out, name)) throw modinfoError(file, field, `\`${name}\` is listed twice`, 'list each name once');
    out[name] = range;
  }
  return { ...out };
}

function modinfoError(file: string, field: string, reason: string, hint: string): Diagnostic {
  return new Diagnostic({ code: 'PW_MODINFO', file, path: `modinfo.${MODINFO_PREFIX}${field}`, reason: `invalid \`${MODINFO_PREFIX}${field}\`: ${reason}`, hint });
}

/**
 * The manifest a module describes: its name, `replace`, objects and functions (with sympos and the
 * replacement's symbol), states, and the `patchwise_*` metadata. Native callbacks cannot be actions:
 * which exist is kept in `metadata.callbacks` (`{ object: [stage...] }`). Throws a Diagnostic
 * (`PW_MODINFO`) for an unknown `patchwise_*` field, one given twice, or a malformed list.
 */
export function manifestFromModule(facts: ModuleFacts, file = facts.name): PatchManifest {
  const fields = new Map<string, string>();
  for (const { key, value } of facts.modinfo) {
    if (!key.startsWith(MODINFO_PREFIX)) continue;
    const field = key.slice(MODINFO_PREFIX.length);
    if (!(MODINFO_FIELDS as readonly string[]).includes(field)) {
      throw modinfoError(file, field, `unknown field${suggestion(field, MODINFO_FIELDS)}`, `patchwise reads ${MODINFO_FIELDS.map((f) => `\`${MODINFO_PREFIX}${f}\``).join(', ')}`);
    }
    if (fields.has(field)) throw modinfoError(file, field, 'given twice', 'give each field once');
    fields.set(field, value);
  }
  const get = (field: (typeof MODINFO_FIELDS)[number]) => fields.get(field);
  const tags = list(get('tags') ?? '');
  const replaceSet = get('replace_set');
  if (replaceSet !== undefined) {
    if (list(replaceSet).length !== 1) throw modinfoError(file, 'replace_set', 'names one set', 'e.g. `MODULE_INFO(patchwise_replace_set, "acme")`');
    tags.push(`${REPLACE_SET_TAG}${replaceSet.trim()}`);
  }
  const replace = replaceOf(facts.replace, get('replace'), file);
  const callbacks: Record<string, string[]> = {};
  const objects: ManifestObject[] = facts.objects.map((o) => {
    const stages = Object.entries(o.callbacks ?? {})
      .filter(([, fn]) => fn !== null && fn !== undefined)
      .map(([stage]) => stage);
    if (stages.length) callbacks[o.name] = stages;
    return {
      name: o.name,
      functions: o.functions.map((f) => ({ name: f.name, ...(f.sympos ? { sympos: f.sympos } : {}), ...(f.replacement ? { new: f.replacement } : {}) })),
    };
  });
  const description = facts.modinfo.find((e) => e.key === 'description')?.value;
  const published = get('published');
  const manifest: PatchManifest = {
    name: facts.name,
    ...(description ? { description } : {}),
    ...(get('version') !== undefined ? { version: get('version') } : {}),
    ...(get('lineage') !== undefined ? { lineage: get('lineage') } : {}),
    ...(get('vendor') !== undefined ? { vendor: get('vendor') } : {}),
    ...(tags.length ? { tags } : {}),
    replace,
    objects,
    ...(facts.states.length ? { states: facts.states.map((s) => ({ id: s.id, version: s.version })) } : {}),
    ...(get('requires') !== undefined ? { requires: ranges(get('requires') ?? '', 'requires', file) } : {}),
    ...(get('conflicts') !== undefined ? { conflicts: ranges(get('conflicts') ?? '', 'conflicts', file) } : {}),
    ...(get('provides') !== undefined ? { provides: list(get('provides') ?? '') } : {}),
    ...(get('kernel') !== undefined ? { kernel: get('kernel') } : {}),
    ...(published !== undefined || Object.keys(callbacks).length
      ? { metadata: { ...(published !== undefined ? { published } : {}), ...(Object.keys(callbacks).length ? { callbacks } : {}) } }
      : {}),
  };
  // The same validation as a manifest file: what a module says must be a valid manifest.
  return parseManifest(manifest, { file, path: [] });
}

/**
 * `replace` from the module's data, or from `patchwise_replace` when the data does not hold it
 * (klp-build sets it in code). Both given and different: the module contradicts itself, refused.
 * Neither: nobody can say whether it is a cumulative patch, refused (fail closed).
 */
function replaceOf(fromData: boolean | null, declared: string | undefined, file: string): boolean {
  if (declared !== undefined && declared !== 'true' && declared !== 'false') {
    throw modinfoError(file, 'replace', `\`${declared}\` is not \`true\` or \`false\``, 'write `MODULE_INFO(patchwise_replace, "true")` or `"false"`');
  }
  const said = declared === undefined ? undefined : declared === 'true';
  if (fromData === null) {
    if (said === undefined) {
      throw modinfoError(file, 'replace', "missing: the module sets `replace` in code (klp-build's tables), so its data cannot tell whether it is a cumulative patch", 'declare it: `MODULE_INFO(patchwise_replace, "true")` or `"false"`');
    }
    return said;
  }
  if (said !== undefined && said !== fromData) {
    throw modinfoError(file, 'replace', `says ${said} but the module's klp_patch has replace = ${fromData}`, 'make `patchwise_replace` agree with `.replace` in the klp_patch');
  }
  return fromData;
}
