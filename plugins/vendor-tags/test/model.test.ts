/**
 * Model-based test: random options, random patches (vendors and tags in both Unicode spellings,
 * shared functions, replace sets, atomic replace) and random enable/disable/reverse/advance
 * sequences; every decision of the policy is compared with the reference below, the README's rules
 * written plainly (no index, no cache). `pnpm test` runs 500 sequences, `FUZZ_RUNS=N pnpm fuzz` N.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PatchInfo } from '@patchwise/core';
import type { PatchManifest } from '@patchwise/manifest';
import { checkAgainstReference, findingKey, type ModelGate, type ModelRunStats, type ModelState } from '@patchwise/testing';
import { modelParameters, modelRuns, modelSteps } from '@patchwise/testing/model';
import vendorTags from '@patchwise/plugin-vendor-tags';

const runs = modelRuns();
const FUNCTIONS = ['f0', 'f1', 'f2', 'f3', 'f4'];
// `é` composed and decomposed: one name in NFC.
const VENDORS = [undefined, 'acme', 'globex', 'caf\u00e9', 'cafe\u0301'];
const TAGS = ['base', 'hotfix', 'kgraft', 'kpatch', 't\u00e9st', 'te\u0301st', 'replace-set:a', 'replace-set:b', 'replace-set:'];
const PREFIX = 'replace-set:';

interface Options {
  sameFunction: 'same-vendor' | 'any' | 'deny';
  replace: 'same-vendor' | 'same-set' | 'any';
  requiresTag: Record<string, string[]>;
  conflictsWithTag: Record<string, string[]>;
}

const tagRules = fc.dictionary(fc.constantFrom(...TAGS.slice(0, 6)), fc.uniqueArray(fc.constantFrom(...TAGS.slice(0, 6)), { minLength: 1, maxLength: 2 }), { maxKeys: 3 });
const options: fc.Arbitrary<Options> = fc.record({
  sameFunction: fc.constantFrom('same-vendor', 'any', 'deny'),
  replace: fc.constantFrom('same-vendor', 'same-set', 'any'),
  requiresTag: tagRules,
  conflictsWithTag: tagRules,
});

const manifest = (n: number): fc.Arbitrary<PatchManifest> =>
  fc
    .record({
      vendor: fc.constantFrom(...VENDORS),
      tags: fc.array(fc.constantFrom(...TAGS), { maxLength: 3 }),
      functions: fc.uniqueArray(fc.constantFrom(...FUNCTIONS), { minLength: 1, maxLength: 3 }),
      replace: fc.boolean(),
    })
    .map((m) => ({ name: `p${n}`, functions: m.functions, replace: m.replace, tags: m.tags, ...(m.vendor === undefined ? {} : { vendor: m.vendor }) }));

const steps = modelSteps(manifest, { maxLength: 14 });

// The reference: the README's rules, read off the patches as they are.

const nfc = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value.normalize('NFC') : null);
const vendor = (p: PatchInfo) => nfc(p.metadata.vendor);
const tags = (p: PatchInfo): string[] => [...new Set(((p.metadata.tags ?? []) as unknown[]).map(nfc).filter((t): t is string => t !== null))];
const funcs = (p: PatchInfo) => new Set(p.objects.flatMap((o) => o.funcs.map((f) => `${o.name ?? 'vmlinux'}:${f.name}`)));
const list = (rules: Record<string, string[]>, tag: string) => [...new Set(Object.entries(rules).filter(([t]) => nfc(t) === tag).flatMap(([, v]) => v.map((x) => nfc(x) as string)))];
const requires = (o: Options, tag: string) => list(o.requiresTag, tag);
const conflicts = (o: Options, a: string, b: string) => list(o.conflictsWithTag, a).includes(b) || list(o.conflictsWithTag, b).includes(a);
/** The replace set: its name, null for none, undefined when invalid. */
function replaceSet(p: PatchInfo): string | null | undefined {
  const sets = tags(p).filter((t) => t.startsWith(PREFIX));
  if (sets.length === 0) return null;
  return sets.length === 1 && sets[0] !== PREFIX ? (sets[0] as string).slice(PREFIX.length) : undefined;
}

function reference(o: Options): (gate: ModelGate, state: ModelState) => string[] {
  return ({ gate, operation, patch }, { installed }) => {
    const found: string[] = [];
    const others = installed.filter((q) => q.name !== patch.name);
    const hasTag = (ps: readonly PatchInfo[], tag: string) => ps.some((q) => tags(q).includes(tag));
    if (gate === 'prePatch' && operation === 'enable') {
      if (o.replace === 'same-set' && replaceSet(patch) === undefined) return [findingKey('replace-set-invalid', [patch.name])];
      if (!patch.replace) {
        for (const q of others) {
          if (![...funcs(patch)].some((f) => funcs(q).has(f))) continue;
          if (o.sameFunction === 'deny') found.push(findingKey('function-already-patched', [patch.name, q.name]));
          if (o.sameFunction === 'same-vendor' && vendor(patch) === null) found.push(findingKey('function-vendor-missing', [patch.name, q.name]));
          else if (o.sameFunction === 'same-vendor' && vendor(q) !== vendor(patch)) found.push(findingKey('function-vendor-mismatch', [patch.name, q.name]));
          if (o.replace === 'same-set' && replaceSet(q) !== replaceSet(patch)) found.push(findingKey('function-set-mismatch', [patch.name, q.name]));
        }
        for (const q of others) for (const a of tags(patch)) for (const b of tags(q)) if (conflicts(o, a, b)) found.push(findingKey('conflicting-tag', [patch.name, q.name]));
      }
      for (const tag of tags(patch)) {
        for (const required of requires(o, tag)) {
          if (!tags(patch).includes(required) && (patch.replace || !hasTag(others, required))) found.push(findingKey('required-tag-missing', [patch.name]));
        }
      }
    }
    if (gate === 'replace' && operation === 'enable' && o.replace !== 'any' && others.length > 0) {
      if (o.replace === 'same-vendor') {
        const foreign = others.filter((q) => vendor(patch) === null || vendor(q) !== vendor(patch));
        if (foreign.length > 0) found.push(findingKey(vendor(patch) === null ? 'replace-vendor-missing' : 'replace-vendor-mismatch', [patch.name, ...foreign.map((q) => q.name)]));
      } else if (replaceSet(patch) !== undefined) {
        const foreign = others.filter((q) => replaceSet(patch) === null || replaceSet(q) !== replaceSet(patch));
        if (foreign.length > 0) found.push(findingKey(replaceSet(patch) === null ? 'replace-set-missing' : 'replace-set-mismatch', [patch.name, ...foreign.map((q) => q.name)]));
      }
    }
    if (gate === 'preUnpatch' && operation === 'disable') {
      for (const required of tags(patch)) {
        if (hasTag(others, required)) continue;
        const dependents = others.filter((q) => tags(q).some((t) => requires(o, t).includes(required)));
        if (dependents.length > 0) found.push(findingKey('required-tag-removed', [patch.name, ...dependents.map((q) => q.name)]));
      }
    }
    return found;
  };
}

describe('vendor-tags against a plain reference of its rules', () => {
  it(`decides as the reference over ${runs} random sequences`, { timeout: 60_000 + runs * 100 }, async () => {
    const stats: ModelRunStats = { steps: 0, decisions: 0, refusals: 0 };
    await fc.assert(
      fc.asyncProperty(options, steps, (o, s) =>
        checkAgainstReference({ policy: vendorTags, options: o }, s, reference(o), { kernelFunctions: FUNCTIONS, stats }),
      ),
      modelParameters(runs),
    );
    // A smoke alarm for a generator that stopped reaching the rules.
    expect(stats.decisions).toBeGreaterThan(runs * 2);
    expect(stats.refusals).toBeGreaterThan(runs / 2);
  });
});
