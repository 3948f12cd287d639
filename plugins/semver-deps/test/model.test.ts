/**
 * Model-based test: random options, random patches (versions, lineages, capabilities, requirements,
 * conflicts, kernel ranges, atomic replace; some fields invalid) and random enable/disable/reverse/
 * advance sequences; every decision of the policy is compared with the reference below, the
 * README's rules written plainly with `semver` (no index, no cache). `pnpm test` runs 500
 * sequences, `FUZZ_RUNS=N pnpm fuzz` N.
 */
import fc from 'fast-check';
import { satisfies, subset, valid } from 'semver';
import { describe, expect, it } from 'vitest';
import type { PatchInfo } from '@patchwise/core';
import type { PatchManifest } from '@patchwise/manifest';
import { checkAgainstReference, findingKey, type ModelGate, type ModelRunStats, type ModelState } from '@patchwise/testing';
import { modelParameters, modelRuns, modelSteps } from '@patchwise/testing/model';
import semverDeps from '@patchwise/plugin-semver-deps';

const runs = modelRuns();
const FUNCTIONS = ['f0', 'f1', 'f2'];
const NAMES = ['a', 'b', 'cap', 'p0', 'p1', 'p2'];
const RANGES = ['*', '>=1.1.0', '^2.0.0', '<1.1.0', ''];
/** Kernel ranges, and whether the simulator's release (6.14.0-patchwise) is in them; `null`: invalid. */
const KERNELS: Record<string, boolean | null> = { '>=6.1': true, '<6.0': false, '6.14.x': true, '>=6.8.x': null };

interface Options {
  requireVersion: boolean;
  allowDowngrade: boolean;
  checkKernel: boolean;
}
const options: fc.Arbitrary<Options> = fc.record({ requireVersion: fc.boolean(), allowDowngrade: fc.boolean(), checkKernel: fc.boolean() });

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
const rules = fc.dictionary(fc.constantFrom(...NAMES), fc.constantFrom(...RANGES), { maxKeys: 2 });
const manifest = (n: number): fc.Arbitrary<PatchManifest> =>
  fc
    .record({
      version: maybe(fc.constantFrom('1.0.0', '1.2.0', '2.0.0', '1.3.0-rc.1', 'two')),
      lineage: maybe(fc.constantFrom('a', 'b', ' ')),
      provides: maybe(fc.uniqueArray(fc.constantFrom('cap', 'cap@1.5.0', 'a@2.0.0', 'b@bad'), { maxLength: 2 })),
      requires: maybe(rules),
      conflicts: maybe(rules),
      kernel: maybe(fc.constantFrom(...Object.keys(KERNELS))),
      functions: fc.uniqueArray(fc.constantFrom(...FUNCTIONS), { minLength: 1, maxLength: 2 }),
      replace: fc.boolean(),
    })
    .map((m) => {
      const out: Record<string, unknown> = { name: `p${n}`, functions: m.functions, replace: m.replace };
      for (const key of ['version', 'lineage', 'provides', 'requires', 'conflicts', 'kernel'] as const) if (m[key] !== undefined) out[key] = m[key];
      return out as unknown as PatchManifest;
    });

const steps = modelSteps(manifest, { maxLength: 14 });

// The reference: the README's rules, read off the patches as they are.

const versionOf = (p: PatchInfo): string | undefined => (typeof p.metadata.version === 'string' ? (valid(p.metadata.version) ?? undefined) : undefined);
const lineageOf = (p: PatchInfo): string => (typeof p.metadata.lineage === 'string' && p.metadata.lineage.trim() !== '' ? p.metadata.lineage : p.name);
const entries = (value: unknown): [string, string][] => Object.entries((value ?? {}) as Record<string, string>);
/** The valid capabilities: `[name, version or undefined]`. */
function capabilities(p: PatchInfo): [string, string | undefined][] {
  return ((p.metadata.provides ?? []) as string[]).flatMap((text): [string, string | undefined][] => {
    const at = text.lastIndexOf('@');
    if (at <= 0) return [[text, undefined]];
    const version = valid(text.slice(at + 1));
    return version ? [[text.slice(0, at), version]] : [];
  });
}
/** Every way `p` answers to `name`, as the version it answers with. */
function matches(name: string, p: PatchInfo): (string | undefined)[] {
  const found: (string | undefined)[] = [];
  if (p.name === name || lineageOf(p) === name) found.push(versionOf(p));
  for (const [cap, version] of capabilities(p)) if (cap === name) found.push(version ?? versionOf(p));
  return found;
}
const meets = (v: string | undefined, range: string) => (v ? satisfies(v, range) : subset('*', range));
const hits = (v: string | undefined, range: string) => (v ? satisfies(v, range) : true);
const names = (ps: readonly PatchInfo[]) => ps.map((p) => p.name);

function problems(p: PatchInfo): number {
  const m = p.metadata;
  let count = 0;
  if (m.version !== undefined && versionOf(p) === undefined) count += 1;
  if (m.lineage !== undefined && lineageOf(p) === p.name) count += 1;
  count += ((m.provides ?? []) as string[]).length - capabilities(p).length;
  if (typeof m.kernel === 'string' && KERNELS[m.kernel] === null) count += 1;
  return count;
}

function reference(o: Options): (gate: ModelGate, state: ModelState) => string[] {
  return ({ gate, operation, patch: p }, { installed, transition }) => {
    const found: string[] = [];
    const leaving = transition?.target === 'unpatched' ? transition.patch : undefined;
    const enabled = installed.filter((q) => q.name !== p.name && q.name !== leaving);
    if (gate === 'prePatch' && operation === 'enable') {
      for (let i = 0; i < problems(p); i += 1) found.push(findingKey('invalid-field', [p.name]));
      if (o.requireVersion && p.metadata.version === undefined) found.push(findingKey('missing-version', [p.name]));
      if (o.checkKernel && typeof p.metadata.kernel === 'string' && KERNELS[p.metadata.kernel] === false) found.push(findingKey('kernel-mismatch', [p.name]));
      if (p.replace) return found;
      for (const [name, range] of entries(p.metadata.requires)) {
        const answering = enabled.filter((q) => matches(name, q).length > 0);
        if (!answering.some((q) => matches(name, q).some((v) => meets(v, range)))) found.push(findingKey('unmet-requirement', [p.name, ...names(answering)]));
      }
      for (const [name, range] of entries(p.metadata.conflicts)) {
        for (const q of enabled) if (matches(name, q).some((v) => hits(v, range))) found.push(findingKey('conflict', [p.name, q.name]));
      }
      for (const q of enabled) {
        for (const [name, range] of entries(q.metadata.conflicts)) if (matches(name, p).some((v) => hits(v, range))) found.push(findingKey('conflict', [p.name, q.name]));
      }
    }
    if (gate === 'replace') {
      for (const [name, range] of entries(p.metadata.requires)) {
        const answering = enabled.filter((q) => matches(name, q).length > 0);
        const satisfying = answering.filter((q) => matches(name, q).some((v) => meets(v, range)));
        if (satisfying.length === 0) found.push(findingKey('unmet-requirement', [p.name, ...names(answering)]));
        else found.push(findingKey('requires-replaced', [p.name, ...names(satisfying)]));
      }
      const to = versionOf(p);
      if (!o.allowDowngrade && to) {
        for (const old of enabled) {
          const from = versionOf(old);
          if (lineageOf(old) === lineageOf(p) && from && satisfies(to, `<${from}`, { includePrerelease: true })) found.push(findingKey('downgrade', [p.name, old.name]));
        }
      }
    }
    if (gate === 'preUnpatch') {
      for (const dependent of enabled) {
        const others = enabled.filter((q) => q !== dependent);
        for (const [name, range] of entries(dependent.metadata.requires)) {
          if (!matches(name, p).some((v) => meets(v, range))) continue;
          if (others.some((q) => matches(name, q).some((v) => meets(v, range)))) continue;
          found.push(findingKey('required-by', [p.name, dependent.name]));
        }
      }
    }
    return found;
  };
}

describe('semver-deps against a plain reference of its rules', () => {
  it(`decides as the reference over ${runs} random sequences`, { timeout: 60_000 + runs * 100 }, async () => {
    const stats: ModelRunStats = { steps: 0, decisions: 0, refusals: 0 };
    await fc.assert(
      fc.asyncProperty(options, steps, (o, s) =>
        checkAgainstReference({ policy: semverDeps, options: o }, s, reference(o), { kernelFunctions: FUNCTIONS, stats }),
      ),
      modelParameters(runs),
    );
    expect(stats.decisions).toBeGreaterThan(runs * 2);
    expect(stats.refusals).toBeGreaterThan(runs / 2);
  });
});
