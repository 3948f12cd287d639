/**
 * What every gate receives: the installed patches, their owner stacks and states, the index of the
 * installed patches, the running transition, the clock and the kernel release — read-only views of
 * the core's state.
 */
import type { GateName } from './decision.js';
import type { GateContext } from './hooks.js';
import { PatchState } from './host.js';
import type { PatchInfo } from './info.js';
import { listedUnder, type Listed, type PatchIndex } from './installed-index.js';
import type { KlpCore } from './model.js';

/** The fields every gate context shares. */
export function gateContext(core: KlpCore, gate: GateName, operation: GateContext['operation']): GateContext {
  const transition = core.transitionPatch
    ? { patch: core.transitionPatch.name, target: core.targetState === PatchState.Patched ? 'patched' : 'unpatched' }
    : null;
  const infos = core.patches.map((p) => p.info);
  // Policies get a frozen copy; the closures below keep the unfrozen one. On Node 20, V8 runs
  // `new Set`, `flatMap` and the other array builtins on frozen arrays on a slow path.
  const installed = Object.freeze([...infos]);
  // The indexes are live; a context used after its gate (a patch came or went since) answers for
  // the patches installed when it was made: from that snapshot.
  const version = core.owners.version;
  const indexVersion = core.index.version;
  let present: Set<PatchInfo> | undefined;
  const listed = (kind: Listed, key: string, live: () => readonly PatchInfo[]): PatchInfo[] =>
    core.index.version === indexVersion ? [...live()] : listedUnder(kind, key, infos);
  const index: PatchIndex = Object.freeze({
    byVendor: (vendor: string) => listed('vendor', vendor, () => core.index.byVendor(vendor)),
    byTag: (tag: string) => listed('tag', tag, () => core.index.byTag(tag)),
    byName: (name: string) => listed('name', name, () => core.index.byName(name)),
    derived: <T>(patch: PatchInfo, read: (patch: PatchInfo) => T): T => core.index.derived(patch, read),
  });
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
    index,
  };
}
