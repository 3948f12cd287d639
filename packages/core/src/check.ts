/**
 * Dry runs: would an operation be allowed, and why not? The policies' gates are evaluated exactly
 * as for the real operation, and the kernel's own refusals (which its log never explains) become
 * findings of the pseudo-policy `kernel`. Nothing changes and nothing is logged.
 */
import type { Finding } from './decision.js';
import type { PatchInfo } from './info.js';
import type { KlpCore } from './model.js';
import { getState } from './state.js';

/** The kernel's reasons to refuse an enable that a dry run can see coming. */
export function kernelEnableFindings(core: KlpCore, info: PatchInfo, loaded: boolean): Finding[] {
  const findings: Finding[] = [];
  const add = (code: string, message: string, data: Finding['data'], hint?: string) =>
    findings.push({ policy: 'kernel', code, message, severity: 'error', data, ...(hint ? { hint } : {}) });
  if (loaded) {
    add('already-loaded', `module '${info.name}' is already loaded (insmod: File exists)`, { patches: [info.name] }, 'unload it or use another name');
  }
  if (core.transitionPatch) {
    add(
      'transition-in-progress',
      `'${core.transitionPatch.name}' is in transition; the kernel refuses another enable with -EBUSY`,
      { patches: [core.transitionPatch.name] },
      'wait for the transition to complete, or force/reverse it',
    );
  }
  for (const old of core.patches) {
    // Perf: an index loop; `for...of` over a snapshot's frozen array is slow on Node 20's V8, and
    // this runs for every installed patch on every dry run (most have no states).
    const states = old.info.states;
    for (let i = 0; i < states.length; i += 1) {
      const oldState = states[i] as (typeof states)[number];
      const state = getState(info, oldState.id);
      if (!state && info.replace) {
        add(
          'state-dropped',
          `cumulative patch '${info.name}' does not carry system state ${oldState.id} of '${old.name}' (version ${oldState.version}); the kernel refuses it (-EINVAL)`,
          { patches: [old.name], ids: [oldState.id] },
          `add state ${oldState.id} with version >= ${oldState.version}`,
        );
      } else if (state && state.version < oldState.version) {
        add(
          'state-downgrade',
          `'${info.name}' carries system state ${oldState.id} at version ${state.version}, below version ${oldState.version} of '${old.name}'; the kernel refuses it (-EINVAL)`,
          { patches: [old.name], ids: [oldState.id] },
          `raise state ${oldState.id} to version ${oldState.version} or more`,
        );
      }
    }
  }
  return findings;
}

/** The kernel's reasons to refuse a disable. */
export function kernelDisableFindings(core: KlpCore, name: string): Finding[] {
  const patch = core.patches.find((p) => p.name === name);
  const refuse = (code: string, message: string, hint?: string): Finding[] => [
    { policy: 'kernel', code, message, severity: 'error', data: { patches: [name] }, ...(hint ? { hint } : {}) },
  ];
  if (!patch) return refuse('not-installed', `no patch '${name}' is installed`);
  if (!patch.enabled && patch !== core.transitionPatch) return refuse('not-enabled', `'${name}' is not enabled`);
  if (core.transitionPatch && core.transitionPatch !== patch) {
    return refuse(
      'transition-in-progress',
      `'${core.transitionPatch.name}' is in transition; the kernel refuses the disable with -EBUSY`,
      'wait for the transition to complete',
    );
  }
  return [];
}
