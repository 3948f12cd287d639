/**
 * gateOverheadRatio: one `prePatch` decision through the hooks with the three policies loaded
 * (`livepatch.check`, the public dry run of the gate), against the same three rules as one plain
 * function on the same snapshots, in interleaved batches of the same run.
 */
import { patchInfo, type Decision, type PatchDefinition } from '@patchwise/core';
import { patchDefinition, type PatchManifest } from '@patchwise/manifest';
import { definePolicy, type PolicyEntry } from '@patchwise/policy';
import { installedManifests, machineWith, newPatchManifest, threePolicies, VENDOR_TAGS_OPTIONS } from './fixtures.js';
import { PlainRules } from './plain-rules.js';
import { interleaved, pairedRatio, round } from './stats.js';

export interface GateOverheadResult {
  readonly ratio: number;
  readonly pairedRatio: number;
  readonly hooksNs: number;
  readonly plainNs: number;
  /** The plain rules on a snapshot built beforehand (without the snapshot the plain side builds). */
  readonly plainRulesOnlyNs: number;
  /** Parts of the hooks side, measured alone in the same interleaving. */
  readonly snapshotNs: number;
  readonly checkWithoutPoliciesNs: number;
  /** `check` with one policy alone (same machine state). */
  readonly onlyVendorTagsNs: number;
  readonly onlyScopedCallbacksNs: number;
  readonly onlySemverDepsNs: number;
  /** `check` with the plain function as the only policy: the hooks around the same rules. */
  readonly plainAsPolicyNs: number;
  readonly installedPatches: number;
  readonly installedFunctions: number;
  readonly newPatchFunctions: number;
  readonly batches: number;
  readonly opsPerBatch: number;
  /** Variants on which both sides were checked to report the same findings. */
  readonly equivalence: readonly { readonly variant: string; readonly codes: readonly string[] }[];
}

/** The policies' findings at the `prePatch` gate (the kernel's own are the core's, not a rule's). */
const policyCodes = (decisions: readonly Decision[]): string[] =>
  decisions.filter((d) => d.gate === 'prePatch').flatMap((d) => d.findings.filter((f) => f.policy !== 'kernel').map((f) => `${f.policy}:${f.code}`));

/** Variants of the new patch that each trip a different rule (and the allowed one). */
function variants(): { name: string; def: PatchDefinition; manifest: PatchManifest }[] {
  const base = newPatchManifest();
  const make = (name: string, overrides: Partial<PatchManifest>) => {
    const manifest = newPatchManifest(overrides);
    return { name, manifest, def: patchDefinition(manifest) };
  };
  const badCallbacks = patchDefinition(base);
  return [
    make('allowed', {}),
    make('other vendor on shared functions', { vendor: 'beta' }),
    make('no vendor', { vendor: undefined }),
    make('unmet requirement', { requires: { 'acme-base': '>=2.0.0' } }),
    make('declared conflict', { conflicts: { 'acme-fix-3': '*' } }),
    make('conflict declared by an installed patch', { name: 'acme-legacy', version: '1.0.0' }),
    make('conflicting tag', { tags: ['experimental'] }),
    make('required tag missing (atomic replace)', { tags: ['net'], replace: true }),
    make('kernel mismatch', { kernel: '>=6.15' }),
    make('invalid version', { version: 'two' }),
    {
      name: 'malformed scoped callbacks',
      manifest: base,
      def: { ...badCallbacks, metadata: { ...badCallbacks.metadata, callbacks: { x: { prePatch: 'nope' }, y: { blockDisable: 1 } } } },
    },
  ];
}

export async function gateOverhead(options: { batches: number; batchMs: number; warmupMs: number }): Promise<GateOverheadResult> {
  const installed = installedManifests();
  const extra = newPatchManifest().functions as string[];
  const machine = await machineWith(installed, threePolicies(), extra);
  const bare = await machineWith(installed, [], extra);
  const lp = machine.livepatch;
  const installedInfos = lp.patches.map((p) => lp.patchInfo(p.name)!);
  const plain = new PlainRules(installedInfos, machine.release, VENDOR_TAGS_OPTIONS);
  // For the breakdown: each policy alone, and the plain function as the only policy (the hooks'
  // own cost around the same rules).
  const [vendorTagsEntry, scopedEntry, semverEntry] = threePolicies() as [PolicyEntry, PolicyEntry, PolicyEntry];
  // The plain policy stays idle while its machine's installed patches load (its rules are the
  // plain side's, which know the installed patches only afterwards).
  const plainInTap: { rules: PlainRules | undefined } = { rules: undefined };
  const plainPolicy = definePolicy({
    name: 'plain-rules',
    meta: { docs: { description: 'the benchmark baseline as a policy' }, messages: { finding: '{{message}}' } },
    apply(hooks) {
      hooks.prePatch((ctx, report) => {
        for (const f of plainInTap.rules?.prePatch(ctx.patch) ?? []) report({ messageId: 'finding', data: { message: f.message } });
      });
    },
  });
  const alone = {
    vendorTags: await machineWith(installed, [vendorTagsEntry], extra),
    scopedCallbacks: await machineWith(installed, [scopedEntry], extra),
    semverDeps: await machineWith(installed, [semverEntry], extra),
    plainTap: await machineWith(installed, [{ policy: plainPolicy }], extra),
  };
  plainInTap.rules = plain;

  // Both sides must agree, rule by rule, before their times mean anything.
  const equivalence: { variant: string; codes: string[] }[] = [];
  for (const v of variants()) {
    const decisions = lp.check({ operation: 'enable', name: v.manifest.name, patch: v.def }) as Decision[];
    const hooks = policyCodes(decisions);
    const mine = plain.prePatch(patchInfo(v.manifest.name, v.def)).map((f) => `${f.policy}:${f.code}`);
    if (JSON.stringify(hooks) !== JSON.stringify(mine)) {
      throw new Error(`gate benchmark: the plain rules disagree with the policies on "${v.name}":\n  hooks: ${hooks.join(' ')}\n  plain: ${mine.join(' ')}`);
    }
    equivalence.push({ variant: v.name, codes: hooks });
  }
  if (equivalence[0]?.codes.length) throw new Error('gate benchmark: the measured patch must be allowed');

  const manifest = newPatchManifest();
  const def = patchDefinition(manifest);
  const info = patchInfo(manifest.name, def);
  const request = { operation: 'enable', name: manifest.name, patch: def } as const;
  let sink = 0;
  const result = interleaved(
    {
      hooks: () => {
        sink += (lp.check(request) as Decision[]).length;
      },
      plain: () => {
        sink += plain.prePatch(patchInfo(manifest.name, def)).length + 1;
      },
      plainRulesOnly: () => {
        sink += plain.prePatch(info).length + 1;
      },
      snapshot: () => {
        sink += patchInfo(manifest.name, def).objects.length;
      },
      checkWithoutPolicies: () => {
        sink += (bare.livepatch.check(request) as Decision[]).length;
      },
      onlyVendorTags: () => {
        sink += (alone.vendorTags.livepatch.check(request) as Decision[]).length;
      },
      onlyScopedCallbacks: () => {
        sink += (alone.scopedCallbacks.livepatch.check(request) as Decision[]).length;
      },
      onlySemverDeps: () => {
        sink += (alone.semverDeps.livepatch.check(request) as Decision[]).length;
      },
      plainAsPolicy: () => {
        sink += (alone.plainTap.livepatch.check(request) as Decision[]).length;
      },
    },
    options,
  );
  if (sink === 42) console.log('');
  const m = result.medianNs as Record<
    'hooks' | 'plain' | 'plainRulesOnly' | 'snapshot' | 'checkWithoutPolicies' | 'onlyVendorTags' | 'onlyScopedCallbacks' | 'onlySemverDeps' | 'plainAsPolicy',
    number
  >;
  return {
    ratio: round(m.hooks / m.plain),
    pairedRatio: round(pairedRatio(result.samples.hooks as number[], result.samples.plain as number[])),
    hooksNs: round(m.hooks, 0),
    plainNs: round(m.plain, 0),
    plainRulesOnlyNs: round(m.plainRulesOnly, 0),
    snapshotNs: round(m.snapshot, 0),
    checkWithoutPoliciesNs: round(m.checkWithoutPolicies, 0),
    onlyVendorTagsNs: round(m.onlyVendorTags, 0),
    onlyScopedCallbacksNs: round(m.onlyScopedCallbacks, 0),
    onlySemverDepsNs: round(m.onlySemverDeps, 0),
    plainAsPolicyNs: round(m.plainAsPolicy, 0),
    installedPatches: installedInfos.length,
    installedFunctions: installedInfos.reduce((n, p) => n + p.objects.reduce((k, o) => k + o.funcs.length, 0), 0),
    newPatchFunctions: info.objects.reduce((k, o) => k + o.funcs.length, 0),
    batches: result.batches,
    opsPerBatch: result.opsPerBatch,
    equivalence,
  };
}
