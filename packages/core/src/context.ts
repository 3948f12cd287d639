/**
 * What every gate receives: the installed patches, their owner stacks and states, the running
 * transition, the clock and the kernel release — read-only views of the core's state.
 */
import type { GateName } from './decision.js';
import type { GateContext } from './hooks.js';
import { PatchState } from './host.js';
import type { PatchInfo } from './info.js';
import type { KlpCore } from './model.js';

/** The fields every gate context shares. */
export function gateContext(core: KlpCore, gate: GateName, operation: GateContext['operation']): GateContext {
  const transition = core.transitionPatch
    ? { patch: core.transitionPatch.name, target: core.targetState === PatchState.Patched ? 'patched' : 'unpatched' }
    : null;
  const infos = core.patches.map((p) => p.info);
  // Perf: policies get a frozen copy; the closures below keep the unfrozen one. On Node 20, V8
  // runs `new Set`, `flatMap` and the other array builtins on frozen arrays on a slow path
  // (about 10x slower), and every gate builds a context.
  const installed = Object.freeze([...infos]);
  // The owner index is live; filtering by the installed snapshot keeps a context valid after its gate.
  // Perf: while the index has not changed since, every owner it lists is installed, so a copy of
  // the stack is that filtered list, and the set of installed patches is built only when needed.
  const version = core.owners.version;
  let present: Set<PatchInfo> | undefined;
  return {
    gate,
    operation,
    installed,
    transition: transition as GateContext['transition'],
    now: core.now(),
    kernelRelease: core.host.release ?? '',
    owners: (func) => {
      const stack = core.owners.owners(func);
      if (core.owners.version === version) return [...stack];
      present ??= new Set(infos);
      return stack.filter((p) => (present as Set<PatchInfo>).has(p));
    },
    stateOwners: (id) =>
      infos.flatMap((p) => p.states.filter((s) => s.id === id).map((s) => ({ patch: p.name, version: s.version }))),
  };
}
