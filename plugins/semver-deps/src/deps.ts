/**
 * What this policy reads of a patch: `version`, `lineage`, `requires`, `conflicts`, `provides` and
 * `kernel` from `PatchInfo.metadata`, parsed once per patch snapshot. A value that does not parse is
 * kept as a problem (the `invalid-field` finding of the patch being enabled) and otherwise left out:
 * an installed patch's bad field was either reported when it was enabled or predates the policy, and
 * there is nothing this policy can compare it with.
 */
import type { PatchInfo } from '@patchwise/policy';
import type { Range, SemVer } from 'semver';
import { kernelRange, KernelRangeError, type KernelRange } from './kernel-range.js';
import { parseVersion, semverRange } from './versions.js';

/** `{ name: range }` of `requires` or `conflicts`. */
export interface DependencyRule {
  readonly name: string;
  /** The range as written. */
  readonly text: string;
  readonly range: Range;
}

/** An entry of `provides`. */
export interface Capability {
  readonly name: string;
  /** From `name@version`; `undefined` for a bare `name` (it has the providing patch's version). */
  readonly version: SemVer | undefined;
}

export type Expected = 'semver version' | 'semver range' | 'capability' | 'kernel release range' | 'lineage' | 'map of ranges' | 'list of capabilities';

/** A field that does not parse. */
export interface FieldProblem {
  /** `version`, `requires.foo`, `provides[1]`, `kernel`, ... */
  readonly field: string;
  /** The value as written (JSON for what is not a string). */
  readonly value: string;
  readonly expected: Expected;
  /** What is wrong, or what was expected. */
  readonly reason: string;
}

export interface PatchDeps {
  readonly name: string;
  readonly replace: boolean;
  readonly version: SemVer | undefined;
  readonly lineage: string;
  readonly requires: readonly DependencyRule[];
  readonly conflicts: readonly DependencyRule[];
  readonly provides: readonly Capability[];
  /** The `kernel` range, when given and valid. */
  readonly kernel: KernelRange | undefined;
  readonly problems: readonly FieldProblem[];
}

const REASONS: Record<Expected, string> = {
  'semver version': 'expected `MAJOR.MINOR.PATCH`, e.g. `1.2.0`',
  'semver range': 'expected e.g. `>=1.2.0 <2` or `^1.2`',
  capability: 'expected `name` or `name@version` with a semver version',
  'kernel release range': 'expected e.g. `>=6.1 <6.15` or `6.8.x`',
  lineage: 'expected a non-empty string',
  'map of ranges': 'expected `{ name: range }`',
  'list of capabilities': 'expected a list of `name` or `name@version`',
};

const show = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)));

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What the policy reads of a patch, with one setting of `includePrerelease`. The gates ask the
 * core's index for installed patches (`ctx.index.derived`), which keeps each reading while the
 * patch stays installed.
 */
export function readDeps(patch: PatchInfo, includePrerelease: boolean): PatchDeps {
  const meta = patch.metadata;
  const problems: FieldProblem[] = [];
  const problem = (field: string, value: unknown, expected: Expected, reason = REASONS[expected]) =>
    problems.push({ field, value: show(value), expected, reason });

  let version: SemVer | undefined;
  if (meta.version !== undefined) {
    version = typeof meta.version === 'string' ? parseVersion(meta.version) : undefined;
    if (!version) problem('version', meta.version, 'semver version');
  }

  let lineage = patch.name;
  if (meta.lineage !== undefined) {
    if (typeof meta.lineage === 'string' && meta.lineage.trim() !== '') lineage = meta.lineage;
    else problem('lineage', meta.lineage, 'lineage');
  }

  const rules = (field: 'requires' | 'conflicts'): DependencyRule[] => {
    const value = meta[field];
    if (value === undefined) return [];
    if (!isRecord(value)) {
      problem(field, value, 'map of ranges');
      return [];
    }
    const out: DependencyRule[] = [];
    for (const [name, text] of Object.entries(value)) {
      const range = typeof text === 'string' ? semverRange(text, includePrerelease) : undefined;
      if (typeof text !== 'string' || range === undefined || range instanceof Error) {
        problem(`${field}.${name}`, text, 'semver range', range instanceof Error ? range.message : undefined);
      } else out.push({ name, text, range });
    }
    return out;
  };

  const requires = rules('requires');
  const conflicts = rules('conflicts');

  const provides: Capability[] = [];
  if (meta.provides !== undefined) {
    if (!Array.isArray(meta.provides)) problem('provides', meta.provides, 'list of capabilities');
    else {
      (meta.provides as readonly unknown[]).forEach((entry, i) => {
        const capability = typeof entry === 'string' ? parseCapability(entry) : undefined;
        if (capability) provides.push(capability);
        else problem(`provides[${i}]`, entry, 'capability');
      });
    }
  }

  let kernel: KernelRange | undefined;
  if (meta.kernel !== undefined) {
    if (typeof meta.kernel !== 'string') problem('kernel', meta.kernel, 'kernel release range');
    else {
      try {
        kernel = kernelRange(meta.kernel);
      } catch (err) {
        if (!(err instanceof KernelRangeError)) throw err;
        problem('kernel', meta.kernel, 'kernel release range', err.reason);
      }
    }
  }

  return {
    name: patch.name,
    replace: patch.replace,
    version,
    lineage,
    requires,
    conflicts,
    provides,
    kernel,
    problems,
  };
}

/**
 * `name` or `name@version`. The last `@` after the first character splits, so a scoped capability
 * (`@acme/tracing@1.2.0`) keeps its scope. `undefined` when the name is empty or the version invalid.
 */
export function parseCapability(text: string): Capability | undefined {
  const at = text.lastIndexOf('@');
  if (at <= 0) return text.trim() === '' ? undefined : { name: text, version: undefined };
  const name = text.slice(0, at);
  const version = parseVersion(text.slice(at + 1));
  return version && name.trim() !== '' ? { name, version } : undefined;
}
