/**
 * The baseline of the gate benchmark: the `prePatch` checks of vendor-tags, scoped-callbacks and
 * semver-deps (an `enable`, at the options the benchmark loads them with) as one plain
 * hand-written function over the same `PatchInfo` snapshots. No hooks, no tap wrappers, no message
 * templates, no decision object: what an integrator would write by hand.
 *
 * It gets every optimisation the plugins get, and does the same work they do:
 * - installed patches are read once (vendor, tags, versions and ranges parsed), as the core's index
 *   keeps the plugins' readings (`ctx.index.derived`);
 * - the same indexes: owners of each function, patches by tag and by the names they answer to;
 * - the patch being decided is read in full on every call (its snapshot, semver ranges, kernel
 *   range, the running kernel's release, its scoped callbacks validated with the same schema), as
 *   the plugins read every new snapshot;
 * - names compared in Unicode NFC, as the plugins compare them.
 */
import { funcKey, nameKey, type PatchInfo } from '@patchwise/core';
import { ScopedCallbacksSchema } from '@patchwise/manifest';
import { kernelRange, parseKernelRelease, type KernelRange } from '@patchwise/plugin-semver-deps';
import { parse as parseSemver, Range, subset, type SemVer } from 'semver';

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

function rangeOf(text: string): Range | null {
  try {
    return new Range(text);
  } catch {
    return null;
  }
}

const ANY = new Range('*');
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPlain = (v: unknown): v is Record<string, unknown> => {
  if (!isRecord(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

const vendorOf = (meta: PatchInfo['metadata']): string | null => nameKey(meta.vendor);

function tagsOf(meta: PatchInfo['metadata']): string[] {
  const tags = meta.tags;
  if (!Array.isArray(tags)) return [];
  const out: string[] = [];
  for (const t of tags as unknown[]) {
    const tag = nameKey(t);
    if (tag !== null && !out.includes(tag)) out.push(tag);
  }
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

/** Scoped callbacks: each ID's callbacks must be what the manifest schema accepts. */
function callbackProblems(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  if (!isPlain(raw)) return ['`callbacks` must map IDs to their callbacks'];
  const problems: string[] = [];
  for (const [id, spec] of Object.entries(raw)) {
    if (id.length === 0) problems.push('an ID must not be empty');
    else if (!ScopedCallbacksSchema.safeParse(spec).success) problems.push(`'${id}'`);
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
  readonly #byTag = new Map<string, Installed[]>();
  readonly #byName = new Map<string, Installed[]>();
  readonly #requiresTag: ReadonlyMap<string, readonly string[]>;
  readonly #conflicts = new Map<string, Set<string>>();

  constructor(
    installed: readonly PatchInfo[],
    readonly kernelRelease: string,
    tagRules: PlainTagRules,
  ) {
    this.#installed = installed.map((info) => ({ info, vendor: vendorOf(info.metadata), tags: tagsOf(info.metadata), deps: readDeps(info) }));
    const add = (index: Map<string, Installed[]>, key: string, p: Installed) => {
      const list = index.get(key);
      if (!list) index.set(key, [p]);
      else if (!list.includes(p)) list.push(p);
    };
    for (const p of this.#installed) {
      this.#byInfo.set(p.info, p);
      for (const tag of p.tags) add(this.#byTag, tag, p);
      for (const name of [p.info.name, p.deps.lineage, ...p.deps.provides.map((c) => c.name)]) add(this.#byName, name, p);
    }
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
          const met = tags.includes(required) || (!patch.replace && (this.#byTag.get(required) ?? []).some((p) => p.info.name !== patch.name));
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
    const counts = (p: Installed) => p.info.name !== patch.name && p.info.name !== leaving;
    const answering = (name: string) => (this.#byName.get(name) ?? []).filter(counts).map((p) => p.deps);
    const others = this.#installed.filter(counts).map((p) => p.deps);
    for (const rule of deps.requires) {
      const met = answering(rule.name).some((o) => answers(rule.name, o, (v) => (v ? rule.range.test(v) : subset(ANY, rule.range))));
      if (!met) findings.push({ policy: 'semver-deps', code: 'unmet-requirement', message: `patch ${patch.name} requires ${rule.name} ${rule.text}` });
    }
    for (const rule of deps.conflicts) {
      for (const other of answering(rule.name)) {
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
