/**
 * Deciding about a real kernel: what it shows (a `SystemSnapshot` read by `@patchwise/sysfs`)
 * becomes the simulator's installed-state snapshot, restored with the config's policies applied,
 * and the policies decide on that copy. Shared by `patchwise gate` (the host's own kernel) and
 * `run --vm` (a guest's), so both decide exactly as `check --state` does about a saved machine.
 */
import type { Decision } from '@patchwise/core';
import type { PatchManifest } from '@patchwise/manifest';
import { applyPolicies, type PolicyEntry } from '@patchwise/policy';
import type { SavedState } from '@patchwise/scenario';
import type { SystemSnapshot } from '@patchwise/sysfs';
import { systemState } from './system-state.js';

export interface DecisionCopy {
  readonly state: SavedState;
  /** What neither the kernel nor the patches' modules say, in words. */
  readonly unknown: readonly string[];
  readonly sim: Awaited<ReturnType<typeof import('@patchwise/scenario').restoreState>>;
}

/**
 * The machine `snapshot` shows, simulated, with `policies` applied; `modules` are the installed
 * patches' manifests by name, `now` the time policies see, `extra` candidates that join as modules.
 */
export async function decisionCopy(
  snapshot: SystemSnapshot,
  modules: ReadonlyMap<string, PatchManifest>,
  policies: { readonly entries: readonly PolicyEntry[]; readonly audit: boolean },
  now: Date,
  extra: readonly PatchManifest[] = [],
  /** Sees every decision the copy makes (tapped before the policies seal the hooks). */
  onDecision?: (decision: Decision) => void,
): Promise<DecisionCopy> {
  const { state, unknown } = systemState(snapshot, modules, now);
  // Loaded lazily: the scenario package pulls in the whole simulator, which `gate status` never needs.
  const { restoreState } = await import('@patchwise/scenario');
  const sim = await restoreState(state, extra.filter((m) => !snapshot.patches.some((p) => p.name === m.name)));
  if (onDecision) sim.livepatch.hooks.decision.tap({ name: 'decision-copy', order: 'post' }, onDecision);
  applyPolicies(sim.livepatch, policies.entries, { audit: policies.audit });
  return { state, unknown, sim };
}
