/**
 * Model-based checking of a policy: a sequence of operations runs on a simulated machine with the
 * policy loaded, and every decision the policy takes part in is compared with what a reference
 * implementation of its rules says, given the machine's state just before the operation.
 *
 * The reference is written for the test, as plainly as the rules read (no index, no cache): when a
 * policy's shortcut, cache or the core's index goes wrong, some decision differs and the run says
 * which step, gate and findings.
 */
import { PatchState, patchInfo, type GateName, type Operation, type PatchInfo, type TransitionInfo } from '@patchwise/core';
import { manifestModule, patchDefinition, type PatchManifest } from '@patchwise/manifest';
import { applyPolicies, type Decision, type PolicyEntry } from '@patchwise/policy';
import { Machine } from '@patchwise/sim';

/** One operation of a sequence. `target` picks an installed patch (modulo their number). */
export type ModelStep =
  | { readonly kind: 'enable'; readonly manifest: PatchManifest }
  | { readonly kind: 'disable'; readonly target: number }
  | { readonly kind: 'reenable'; readonly target: number }
  | { readonly kind: 'advance'; readonly ms: number };

/** What the reference is told: the machine just before the operation. */
export interface ModelState {
  /** The installed patches, oldest first (`klp_patches`). */
  readonly installed: readonly PatchInfo[];
  readonly transition: TransitionInfo | null;
  readonly kernelRelease: string;
}

/** The gate being decided, on which patch. */
export interface ModelGate {
  readonly gate: GateName;
  readonly operation: Operation;
  readonly patch: PatchInfo;
}

/**
 * The findings the rules call for, each as `code` followed by `data.patches` (`conflict a b`),
 * in any order: the order of findings is presentation, the set is the decision.
 */
export type Reference = (gate: ModelGate, state: ModelState) => readonly string[];

export interface ModelRunStats {
  steps: number;
  decisions: number;
  refusals: number;
}

/** `code patches...` of a finding, the form `Reference` returns. */
export const findingKey = (code: string, patches: readonly string[]): string => [code, ...patches].join(' ');

const sorted = (keys: readonly string[]): string[] => [...keys].sort();

/**
 * Run `steps` on a fresh machine with `policy` loaded and check every decision against
 * `reference`. Throws (for the property test to shrink) at the first decision that differs.
 */
export async function checkAgainstReference(
  policy: PolicyEntry,
  steps: readonly ModelStep[],
  reference: Reference,
  options: { readonly kernelFunctions: readonly string[]; readonly stats?: ModelRunStats },
): Promise<void> {
  const machine = new Machine();
  machine.addKernelFunctions(options.kernelFunctions);
  applyPolicies(machine.livepatch, [policy], { seal: false });
  const name = policy.policy.name;
  let decisions: Decision[] = [];
  machine.livepatch.hooks.decision.tap('model-check', (d) => decisions.push(d));
  const lp = machine.livepatch;
  const stats = options.stats;
  for (const [at, step] of steps.entries()) {
    if (stats) stats.steps += 1;
    if (step.kind === 'advance') {
      machine.advance(step.ms);
      continue;
    }
    const state: ModelState = {
      installed: lp.patches.map((p) => lp.patchInfo(p.name) as PatchInfo),
      transition: lp.transitionPatch ? { patch: lp.transitionPatch.name, target: lp.targetState === PatchState.Patched ? 'patched' : 'unpatched' } : null,
      kernelRelease: machine.release,
    };
    let patch: PatchInfo | undefined;
    decisions = [];
    if (step.kind === 'enable') {
      patch = patchInfo(step.manifest.name, patchDefinition(step.manifest));
      machine.addModule(manifestModule(step.manifest));
      await machine.insmod(step.manifest.name);
    } else {
      if (state.installed.length === 0) continue;
      patch = state.installed[step.target % state.installed.length] as PatchInfo;
      await machine.write(`/sys/kernel/livepatch/${patch.name}/enabled`, step.kind === 'disable' ? '0' : '1');
    }
    for (const decision of decisions) {
      if (stats) {
        stats.decisions += 1;
        if (!decision.allowed) stats.refusals += 1;
      }
      const actual = decision.findings.filter((f) => f.policy === name).map((f) => findingKey(f.code, f.data.patches ?? []));
      const expected = reference({ gate: decision.gate, operation: decision.operation, patch }, state);
      if (JSON.stringify(sorted(actual)) !== JSON.stringify(sorted(expected))) {
        throw new Error(
          `step ${at} (${step.kind} '${patch.name}'), gate ${decision.gate} (${decision.operation}), installed [${state.installed.map((p) => p.name).join(', ')}]` +
            `${state.transition ? `, transition ${state.transition.patch} → ${state.transition.target}` : ''}:\n` +
            `  policy:    ${JSON.stringify(sorted(actual))}\n  reference: ${JSON.stringify(sorted(expected))}`,
        );
      }
    }
  }
}
