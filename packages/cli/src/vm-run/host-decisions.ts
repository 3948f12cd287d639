/**
 * The decisions of a gated step on a real kernel, made on the host: the kernel's state (as
 * `@patchwise/sysfs` read it) restored with the scenario's manifests and the policies applied, as
 * `patchwise gate` decides (`decisionCopy`). Only what the policies found counts: the kernel's own
 * refusals (a dry run's `kernel` findings) are for the real kernel to make.
 */
import type { Decision } from '@patchwise/core';
import { patchDefinition, type PatchManifest } from '@patchwise/manifest';
import type { PolicyEntry } from '@patchwise/policy';
import type { SystemSnapshot } from '@patchwise/sysfs';
import { decisionCopy } from '../commands/real-decisions.js';

export type HostOperation = 'enable' | 'disable' | 'load-module';

function policyPart(d: Decision): Decision {
  const findings = d.findings.filter((f) => f.policy !== 'kernel');
  return { ...d, findings, allowed: d.audit || !findings.some((f) => f.severity === 'error') };
}

/**
 * The decisions (those a policy took part in or found something for, as the simulator's scenario
 * keeps them) of `op` on the machine `snapshot` shows, at `now` (ms since the epoch).
 */
export async function hostDecisions(
  snapshot: SystemSnapshot,
  op: { readonly kind: HostOperation; readonly name: string; readonly functions?: readonly string[] },
  manifests: ReadonlyMap<string, PatchManifest>,
  policies: { readonly entries: readonly PolicyEntry[]; readonly audit: boolean },
  now: number,
): Promise<Decision[]> {
  const manifest = manifests.get(op.name);
  const seen: Decision[] = [];
  const copy = await decisionCopy(snapshot, manifests, policies, new Date(now), op.kind === 'enable' && manifest ? [manifest] : [], (d) => seen.push(d));
  let decisions: readonly Decision[];
  if (op.kind === 'enable' && manifest) {
    decisions = await copy.sim.livepatch.check({ operation: 'enable', name: op.name, patch: patchDefinition(manifest), loaded: snapshot.modules.some((m) => m.name === op.name) });
  } else if (op.kind === 'disable') {
    decisions = await copy.sim.livepatch.check({ operation: 'disable', name: op.name });
  } else {
    // A target module's load: loaded into the copy, whose gates decide as the simulator's do.
    const before = seen.length;
    copy.sim.addModule({ name: op.name, symbols: (op.functions ?? []).map((f) => ({ name: f })) });
    await copy.sim.insmod(op.name);
    decisions = seen.slice(before);
  }
  return decisions.map(policyPart).filter((d) => d.policies.length > 0 || d.findings.length > 0);
}
