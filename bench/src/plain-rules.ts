/**
 * The baseline of the gate benchmark: the `prePatch` checks of vendor-tags, scoped-callbacks and
 * semver-deps (an `enable`, at the options the benchmark loads them with) as one plain
 * hand-written function over the same `PatchInfo` snapshots. No hooks, no tap wrappers, no zod, no
 * message templates, no decision object: what an integrator would write by hand.
 *
 * Like the plugins (whose caches are keyed by snapshot and warm after the first decision), it
 * reads each installed patch once, up front; the patch being decided is read in full on every
 * call, as the plugins read every new snapshot. Function keys are built per call, as the plugins
 * build them, and looked up in an owner index kept like the core's.
 */
import { funcKey, type PatchInfo } from '@patchwise/core';
import { kernelRange, parseKernelRelease, type KernelRange } from '@patchwise/plugin-semver-deps';
import { parse as parseSemver, Range, subset, type SemVer } from 'semver';
import { Errno } from '@patchwise/core';

export interface PlainFinding {
  readonly policy: 'vendor-tags' | 'scoped-callbacks' | 'semver-deps';
  readonly code: string;
  readonly message: string;
}

export interface PlainTagRules {
  readonly requiresTag: Readonly<Record<string, readonly string[]>>;
  readonly conflictsWithTag: Readonly<Record<string, readonly string[]>>;
}

interface Deps {
  readonly name: string;
  readonly version: SemVer | undefined;
  readonly lineage: string;
  readonly requires: readonly { name: string; text: string; range: Range }[];
  readonly conflicts: readonly { name: string; text: string; range: Range }[];
  readonly provides: readonly { name: string; version: SemVer | undefined }[];
  readonly kernel: KernelRange | undefined;
  readonly problems: readonly string[];
}

interface Installed {
  readonly info: PatchInfo;
  readonly vendor: string | null;
  readonly tags: readonly string[];
  readonly deps: Deps;
}

const ranges = new Map<string, Range | null>();
function rangeOf(text: string): Range | null {
  let range = ranges.get(text);
  if (range === undefined) {
    try {
      range = new Range(text);
    } catch {
      range = null;
    }
    ranges.set(text, range);
  }
  return range;
}

const ANY = new Range('*');
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPlain = (v: unknown): v is Record<string, unknown> => {
  if (!isRecord(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

const vendorOf = (meta: PatchInfo['metadata']): string | null =>
  typeof meta.vendor === 'string' && meta.vendor.length > 0 ? meta.vendor : null;

function tagsOf(meta: PatchInfo['metadata']): string[] {
  const tags = meta.tags;
  if (!Array.isArray(tags)) return [];
  const out: string[] = [];
  for (const t of tags) if (typeof t === 'string' && t.length > 0 && !out.includes(t)) out.push(t);
  return out;
}

function capability(text: string): { name: string; version: SemVer | undefined } | undefined {
  const at = text.lastIndexOf('@');
  if (at <= 0) return text.trim() === '' ? undefined : { name: text, version: undefined };
  const version = parseSemver(text.slice(at + 1)) ?? undefined;
  const name = text.slice(0, at);
  return version && name.trim() !== '' ? { name, version } : undefined;
}

function readDeps(patch: PatchInfo): Deps {
  const meta = patch.metadata;
  const problems: string[] = [];
  let version: SemVer | undefined;
  if (meta.version !== undefined) {
    version = typeof meta.version === 'string' ? (parseSemver(meta.version) ?? undefined) : undefined;
    if (!version) problems.push('version');
  }
  let lineage = patch.name;
  if (meta.lineage !== undefined) {
    if (typeof meta.lineage === 'string' && meta.lineage.trim() !== '') lineage = meta.lineage;
    else problems.push('lineage');
  }
  const rules = (field: 'requires' | 'conflicts') => {
    const value = meta[field];
    const out: { name: string; text: string; range: Range }[] = [];
    if (value === undefined) return out;
    if (!isRecord(value)) {
      problems.push(field);
      return out;
    }
    for (const name in value) {
      const text = value[name];
      const range = typeof text === 'string' ? rangeOf(text) : null;
      if (range && typeof text === 'string') out.push({ name, text, range });
      else problems.push(`${field}.${name}`);
    }
    return out;
  };
  const requires = rules('requires');
  const conflicts = rules('conflicts');
  const provides: { name: string; version: SemVer | undefined }[] = [];
  if (meta.provides !== undefined) {
    if (!Array.isArray(meta.provides)) problems.push('provides');
    else
      for (const entry of meta.provides as unknown[]) {
        const c = typeof entry === 'string' ? capability(entry) : undefined;
        if (c) provides.push(c);
        else problems.push('provides[]');
      }
  }
  let kernel: KernelRange | undefined;
  if (meta.kernel !== undefined) {
    if (typeof meta.kernel !== 'string') problems.push('kernel');
    else {
      try {
        kernel = kernelRange(meta.kernel);
      } catch {
        problems.push('kernel');
      }
    }
  }
  return { name: patch.name, version, lineage, requires, conflicts, provides, kernel, problems };
}

/** The version under which `p` answers to `name` (by name, lineage, or a capability), per match. */
function answers(name: string, p: Deps, each: (version: SemVer | undefined) => boolean): boolean {
  if ((p.name === name || p.lineage === name) && each(p.version)) return true;
  for (const c of p.provides) if (c.name === name && each(c.version ?? p.version)) return true;
  return false;
}

// Scoped callbacks: the shape `ScopedCallbacksSchema` accepts, checked by hand.
const STAGES = new Set(['prePatch', 'postPatch', 'preUnpatch', 'postUnpatch']);
const ERRNO_NAMES = new Set(Object.keys(Errno));
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const shadowObj = (v: unknown) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
const only = (o: Record<string, unknown>, keys: readonly string[], optional: readonly string[] = []) => {
  for (const k of Object.keys(o)) if (!keys.includes(k) && !optional.includes(k)) return false;
  return keys.every((k) => k in o);
};
function validAction(a: unknown): boolean {
  if (!isPlain(a)) return false;
  const keys = Object.keys(a);
  if (keys.length !== 1) return false;
  const v = a[keys[0] as string];
  switch (keys[0]) {
    case 'log':
      return typeof v === 'string';
    case 'fail':
      return (isInt(v) && v < 0) || (typeof v === 'string' && ERRNO_NAMES.has(v));
    case 'shadowAlloc':
      return isPlain(v) && only(v, ['obj', 'id'], ['value']) && shadowObj(v.obj) && isInt(v.id);
    case 'shadowFree':
      return isPlain(v) && only(v, ['obj', 'id']) && shadowObj(v.obj) && isInt(v.id);
    case 'shadowFreeAll':
      return isPlain(v) && only(v, ['id']) && isInt(v.id);
    default:
      return false;
  }
}
function callbackProblems(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  if (!isPlain(raw)) return ['`callbacks` must map IDs to their callbacks'];
  const problems: string[] = [];
  for (const id in raw) {
    const spec = raw[id];
    if (id.length === 0) problems.push('an ID must not be empty');
    else if (!isPlain(spec)) problems.push(`'${id}': not an object`);
    else
      for (const key in spec) {
        const v = spec[key];
        if (key === 'blockDisable') {
          if (v !== undefined && typeof v !== 'boolean') problems.push(`'${id}': blockDisable`);
        } else if (!STAGES.has(key)) problems.push(`'${id}': unknown key ${key}`);
        else if (v !== undefined && typeof v !== 'function' && !(Array.isArray(v) && v.every(validAction))) problems.push(`'${id}': ${key}`);
      }
  }
  return problems;
}

/**
 * The three policies' `prePatch` rules for an `enable` against the installed patches (oldest
 * first), with the owner index of their functions and the running kernel's release.
 */
export class PlainRules {
  readonly #installed: readonly Installed[];
  readonly #owners = new Map<string, PatchInfo[]>();
  readonly #byInfo = new Map<PatchInfo, Installed>();
  readonly #requiresTag: ReadonlyMap<string, readonly string[]>;
  readonly #conflicts = new Map<string, Set<string>>();

  constructor(
    installed: readonly PatchInfo[],
    readonly kernelRelease: string,
    tagRules: PlainTagRules,
  ) {
    this.#installed = installed.map((info) => ({ info, vendor: vendorOf(info.metadata), tags: tagsOf(info.metadata), deps: readDeps(info) }));
    for (const p of this.#installed) this.#byInfo.set(p.info, p);
    for (const p of installed) {
      for (const obj of p.objects) {
        for (const f of obj.funcs) {
          const key = funcKey(f);
          const stack = this.#owners.get(key);
          if (stack) stack.unshift(p);
          else this.#owners.set(key, [p]);
        }
      }
    }
    this.#requiresTag = new Map(Object.entries(tagRules.requiresTag));
    for (const [a, bs] of Object.entries(tagRules.conflictsWithTag)) {
      for (const b of bs) {
        (this.#conflicts.get(a) ?? this.#conflicts.set(a, new Set()).get(a)!).add(b);
        (this.#conflicts.get(b) ?? this.#conflicts.set(b, new Set()).get(b)!).add(a);
      }
    }
  }

  /** Every finding, in the order the three policies report them; empty means allowed. */
  prePatch(patch: PatchInfo, leaving: string | null = null): PlainFinding[] {
    const findings: PlainFinding[] = [];
    const meta = patch.metadata;

    // vendor-tags (signatures `optional`: an unsigned manifest proves nothing and is not refused).
    const signed = isRecord(meta.manifest) && typeof (meta.manifest as Record<string, unknown>).signature === 'string';
    if (signed) throw new Error('the plain baseline does not verify signatures; the fixtures are unsigned');
    const vendor = vendorOf(meta);
    const tags = tagsOf(meta);
    if (!patch.replace) {
      // sameFunction: same-vendor
      const seen = new Set<string>();
      const sharers = new Map<string, { other: Installed; functions: string[] }>();
      for (const obj of patch.objects) {
        for (const f of obj.funcs) {
          const key = funcKey(f);
          if (seen.has(key)) continue;
          seen.add(key);
          for (const other of this.#owners.get(key) ?? []) {
            if (other.name === patch.name) continue;
            const entry = sharers.get(other.name);
            if (entry) entry.functions.push(key);
            else sharers.set(other.name, { other: this.#byInfo.get(other) as Installed, functions: [key] });
          }
        }
      }
      for (const { other, functions } of sharers.values()) {
        if (vendor === null) {
          findings.push({ policy: 'vendor-tags', code: 'function-vendor-missing', message: `'${patch.name}' declares no vendor and patches ${functions.join(', ')}, already patched by '${other.info.name}'` });
        } else if (other.vendor !== vendor) {
          findings.push({ policy: 'vendor-tags', code: 'function-vendor-mismatch', message: `'${patch.name}' (vendor ${vendor}) patches ${functions.join(', ')}, already patched by '${other.info.name}'` });
        }
      }
      // conflictsWithTag
      if (this.#conflicts.size > 0) {
        for (const other of this.#installed) {
          if (other.info.name === patch.name) continue;
          for (const tag of tags) {
            const conflicting = this.#conflicts.get(tag);
            if (!conflicting) continue;
            for (const otherTag of other.tags) {
              if (conflicting.has(otherTag)) findings.push({ policy: 'vendor-tags', code: 'conflicting-tag', message: `'${patch.name}' is tagged ${tag}, which conflicts with ${otherTag} carried by '${other.info.name}'` });
            }
          }
        }
      }
    }
    // requiresTag: met by the patches enabled after the operation.
    if (this.#requiresTag.size > 0) {
      for (const tag of tags) {
        for (const required of this.#requiresTag.get(tag) ?? []) {
          const met = tags.includes(required) || (!patch.replace && this.#installed.some((p) => p.info.name !== patch.name && p.tags.includes(required)));
          if (!met) findings.push({ policy: 'vendor-tags', code: 'required-tag-missing', message: `'${patch.name}' is tagged ${tag}, which requires an enabled patch tagged ${required}` });
        }
      }
    }

    // scoped-callbacks: the declared callbacks must be runnable.
    const problems = callbackProblems(meta.callbacks);
    if (problems.length) findings.push({ policy: 'scoped-callbacks', code: 'invalid-callbacks', message: `patch '${patch.name}' declares scoped callbacks that cannot run: ${problems.join(', ')}` });

    // semver-deps: fields, kernel, then (unless an atomic replace) requirements and conflicts.
    const deps = readDeps(patch);
    for (const field of deps.problems) findings.push({ policy: 'semver-deps', code: 'invalid-field', message: `patch ${patch.name}: ${field} is not valid` });
    if (deps.kernel) {
      const release = parseKernelRelease(this.kernelRelease);
      if (!release) findings.push({ policy: 'semver-deps', code: 'unknown-kernel-release', message: `patch ${patch.name}: unknown kernel release ${this.kernelRelease}` });
      else if (!deps.kernel.test(release)) findings.push({ policy: 'semver-deps', code: 'kernel-mismatch', message: `patch ${patch.name} is built for kernels ${deps.kernel.raw}, not ${this.kernelRelease}` });
    }
    if (patch.replace) return findings;
    const others: Deps[] = [];
    for (const p of this.#installed) if (p.info !== patch && p.info.name !== patch.name && p.info.name !== leaving) others.push(p.deps);
    for (const rule of deps.requires) {
      const met = others.some((o) => answers(rule.name, o, (v) => (v ? rule.range.test(v) : subset(ANY, rule.range))));
      if (!met) findings.push({ policy: 'semver-deps', code: 'unmet-requirement', message: `patch ${patch.name} requires ${rule.name} ${rule.text}` });
    }
    for (const rule of deps.conflicts) {
      for (const other of others) {
        if (answers(rule.name, other, (v) => (v ? rule.range.test(v) : true))) findings.push({ policy: 'semver-deps', code: 'conflict', message: `patches ${patch.name} and ${other.name} conflict` });
      }
    }
    for (const other of others) {
      for (const rule of other.conflicts) {
        if (answers(rule.name, deps, (v) => (v ? rule.range.test(v) : true))) findings.push({ policy: 'semver-deps', code: 'conflict', message: `patches ${patch.name} and ${other.name} conflict` });
      }
    }
    return findings;
  }
}
