/**
 * The enabled patches a gate compares the patch in question with: the installed patches other than
 * that patch (and any patch of its name), without a patch in an unpatching transition, which is on
 * its way out and satisfies nothing. Read through the core's index, which keeps each patch's reading
 * while it stays installed and lists the patches answering to a name.
 */
import type { GateContext, PatchInfo } from '@patchwise/policy';
import type { PatchDeps } from './deps.js';

export interface Enabled {
  /** Every enabled patch, oldest first. */
  all(): PatchDeps[];
  /** The enabled patches that may answer to `name` (by name, lineage or capability), oldest first. */
  answering(name: string): PatchDeps[];
  /** Those of `patches` that count as enabled (the patches an atomic replace replaces). */
  among(patches: readonly PatchInfo[]): PatchDeps[];
}

export function enabledBeside(ctx: GateContext, except: PatchInfo, read: (patch: PatchInfo) => PatchDeps): Enabled {
  const leaving = ctx.transition?.target === 'unpatched' ? ctx.transition.patch : undefined;
  const counts = (p: PatchInfo) => p.name !== except.name && p.name !== leaving;
  const deps = (list: readonly PatchInfo[]) => list.filter(counts).map((p) => ctx.index.derived(p, read));
  return { all: () => deps(ctx.installed), answering: (name) => deps(ctx.index.byName(name)), among: deps };
}
