/**
 * Dry runs: would an operation be allowed, and why not? The policies' gates are evaluated exactly
 * as for the real operation, and the kernel's own refusals (which its log never explains) become
 * findings of the pseudo-policy `kernel`. Nothing changes and nothing is logged.
 */
import { gateContext } from './context.js';
import type { Decision, Finding, GateName } from './decision.js';
import type { HookSystem } from './hook-system.js';
import type { GateContext } from './hooks.js';
import { patchInfo, type PatchInfo } from './info.js';
import type { KlpCore } from './model.js';
import { getState } from './state.js';
import type { PatchDefinition } from './types.js';

/** What `check` can dry-run. */
export type CheckRequest =
  | { readonly operation: 'enable'; readonly name: string; readonly patch: PatchDefinition; readonly loaded?: boolean }
  | { readonly operation: 'disable'; readonly name: string };

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

/**
 * The decisions an operation would meet, gate after gate (stopping at a refusal, as the operation
 * would), each with the kernel's own findings first.
 */
export function dryRun(core: KlpCore, hooks: HookSystem, request: CheckRequest): Decision[] | Promise<Decision[]> {
  const steps: { gate: GateName; ctx: GateContext; fields: Pick<Decision, 'patch' | 'module' | 'replaced' | 'nops'>; kernel: Finding[] }[] = [];
  if (request.operation === 'enable') {
    const info = patchInfo(request.name, request.patch);
    const loaded = request.loaded ?? core.host.modules.find(request.name) !== undefined;
    steps.push({
      gate: 'prePatch',
      ctx: gateContext(core, 'prePatch', 'enable', { patch: info }),
      fields: { patch: info.name },
      kernel: kernelEnableFindings(core, info, loaded),
    });
    if (info.replace) {
      const replaced = core.patches.map((p) => p.info);
      const nops = core.index.nopsFor(info, replaced);
      steps.push({
        gate: 'replace',
        ctx: gateContext(core, 'replace', 'enable', { patch: info, replaced, nops }),
        fields: { patch: info.name, replaced: replaced.map((p) => p.name), nops },
        kernel: [],
      });
    }
  } else {
    const patch = core.patches.find((p) => p.name === request.name);
    steps.push({
      gate: 'preUnpatch',
      ctx: gateContext(core, 'preUnpatch', 'disable', patch ? { patch: patch.info } : {}),
      fields: { patch: request.name },
      kernel: kernelDisableFindings(core, request.name),
    });
  }
  const evaluate = ({ gate, ctx, fields, kernel }: (typeof steps)[number]): Decision | Promise<Decision> => {
    // A patch the kernel cannot even find is not a question for the policies.
    const evaluated =
      gate === 'preUnpatch' && !('patch' in ctx)
        ? hooks.emptyDecision(gate, ctx, fields)
        : hooks.decide(hooks[gate] as never, ctx as never, fields, true);
    const withKernel = (d: Decision): Decision =>
      kernel.length ? { ...d, findings: [...kernel, ...d.findings], allowed: false } : d;
    return evaluated instanceof Promise ? evaluated.then(withKernel) : withKernel(evaluated);
  };
  // As the real operation would: a refusal at one gate means the next one is never asked.
  const next = (index: number, done: Decision[]): Decision[] | Promise<Decision[]> => {
    const step = steps[index];
    if (!step) return done;
    const record = (d: Decision) => (d.allowed ? next(index + 1, [...done, d]) : [...done, d]);
    const decision = evaluate(step);
    return decision instanceof Promise ? decision.then(record) : record(decision);
  };
  return next(0, []);
}
