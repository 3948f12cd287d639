/**
 * What every gate receives: the installed patches, their owner stacks and states, the index of the
 * installed patches, the running transition, the clock and the kernel release — read-only views of
 * the core's state.
 */
import type { GateName } from './decision.js';
import type { GateContext } from './hooks.js';
import { PatchState } from './host.js';
import type { PatchInfo } from './info.js';
import { functionKeys, listedUnder, type Listed, type PatchIndex } from './installed-index.js';
import type { KlpCore } from './model.js';

/**
 * The gate context: the fields every gate shares and the gate's own (`patch`, `replaced`, ...), in
 * one frozen object.
 *
 * Perf: built as one object and frozen once. It used to be `{ ...shared, ...own }` and then
 * frozen: on Node 20 that spread-and-freeze takes V8's slow path and cost about 3 µs a decision,
 * more than the rest of the context together. The installed list is the index's frozen snapshot,
 * shared by every context until a patch comes or goes, instead of a frozen copy per decision.
 */
export function gateContext<F extends object>(core: KlpCore, gate: GateName, operation: GateContext['operation'], fields: F): GateContext & F {
  const transition = core.transitionPatch
    ? { patch: core.transitionPatch.name, target: core.targetState === PatchState.Patched ? 'patched' : 'unpatched' }
    : null;
  const installed = core.index.installed(() => core.patches.map((p) => p.info));
  // The indexes are live; a context used after its gate (a patch came or went since) answers for
  // the patches installed when it was made: from that snapshot.
  const version = core.owners.version;
  const indexVersion = core.index.version;
  let present: Set<PatchInfo> | undefined;
  // The patch being decided is not installed: its keys are computed once, for every policy.
  const own = (fields as { patch?: unknown }).patch as PatchInfo | undefined;
  let ownKeys: readonly string[] | undefined;
  // A policy reads many patches with one reader in a row.
  let lastRead: unknown;
  let lastReadings: Map<PatchInfo, unknown> | undefined;
  const listed = (kind: Listed, key: string, live: () => readonly PatchInfo[]): PatchInfo[] =>
    core.index.version === indexVersion ? [...live()] : listedUnder(kind, key, installed);
  const index: PatchIndex = Object.freeze({
    byVendor: (vendor: string) => listed('vendor', vendor, () => core.index.byVendor(vendor)),
    byTag: (tag: string) => listed('tag', tag, () => core.index.byTag(tag)),
    byName: (name: string) => listed('name', name, () => core.index.byName(name)),
    derived: <T>(patch: PatchInfo, read: (patch: PatchInfo) => T): T => {
      if (read !== lastRead) {
        lastRead = read;
        lastReadings = core.index.readings(read);
      }
      return core.index.derive(lastReadings as Map<PatchInfo, unknown>, patch, read);
    },
    functions: (patch: PatchInfo) => [...(patch === own ? (ownKeys ??= functionKeys(patch)) : core.index.functions(patch))],
  });
  const shared: GateContext = {
    gate,
    operation,
    installed,
    transition: transition as GateContext['transition'],
    now: core.now(),
    kernelRelease: core.host.release ?? '',
    owners: (func) => {
      const stack = core.owners.owners(func);
      if (core.owners.version === version) return [...stack];
      present ??= new Set(installed);
      return stack.filter((p) => (present as Set<PatchInfo>).has(p));
    },
    stateOwners: (id) =>
      installed.flatMap((p) => p.states.filter((s) => s.id === id).map((s) => ({ patch: p.name, version: s.version }))),
    index,
  };
  return Object.freeze(Object.assign(shared, fields));
}
