/**
 * When scoped callbacks run: the policy's answer at each callback point of the core.
 *
 * One machine per `apply` (per simulated kernel). It remembers, per patch in transition, which IDs
 * ran their pre-patch or pre-unpatch callback, so the completion runs the matching post callbacks,
 * and a cancelled or reversed transition unwinds exactly what ran (as the kernel does with
 * `post_unpatch_enabled` for per-object callbacks).
 */
import type { CallbackPointEvent, CallbackStage, PatchInfo } from '@patchwise/core';
import { runScoped } from './run.js';
import { carriedIds, droppedIds, scopedCallbacksOf, type DroppedId, type ScopedId } from './spec.js';

/** What ran when the transition of one patch began. */
interface TransitionRecord {
  /** What the transition began as; reversing it does not change this. */
  readonly kind: 'enable' | 'disable';
  /** Enable: the IDs whose pre-patch succeeded (an ID without one counts as succeeded). */
  readonly patched: ScopedId[];
  /** Enable by atomic replace: the dropped IDs whose pre-unpatch ran, with their owner. */
  readonly dropped: DroppedId[];
  /** Disable: the IDs whose pre-unpatch ran. */
  readonly unpatched: ScopedId[];
}

export type CallbackPointTap = (event: CallbackPointEvent) => number | void;

/** The `callbacks` tap of one policy instance. */
export function scopedCallbackMachine(policy: string): CallbackPointTap {
  const records = new Map<PatchInfo, TransitionRecord>();

  const run = (scoped: ScopedId, stage: CallbackStage, patch: PatchInfo, event: CallbackPointEvent, note?: string) =>
    runScoped(policy, { id: scoped.id, stage, callbacks: scoped.callbacks, patch, event, ...(note ? { note } : {}) });

  const begin = (patch: PatchInfo, kind: TransitionRecord['kind']): TransitionRecord => {
    const record: TransitionRecord = { kind, patched: [], dropped: [], unpatched: [] };
    records.set(patch, record);
    return record;
  };

  const finish = (patch: PatchInfo): TransitionRecord | undefined => {
    const record = records.get(patch);
    records.delete(patch);
    return record;
  };

  const replacedBy = (event: CallbackPointEvent) => ` (replaced by '${event.patch.name}')`;
  const replaceUndone = (event: CallbackPointEvent) => ` (replace by '${event.patch.name}' undone)`;

  /**
   * New IDs first, dropped IDs after: a failing pre-patch then leaves the replaced patches' IDs
   * untouched, and only a failure later in the enable has anything of theirs to restore.
   */
  function prePatch(event: CallbackPointEvent): number {
    const record = begin(event.patch, 'enable');
    const carried = carriedIds(event.others);
    for (const scoped of scopedCallbacksOf(event.patch).ids) {
      if (carried.has(scoped.id)) continue;
      const ret = run(scoped, 'prePatch', event.patch, event);
      if (ret) return ret;
      record.patched.push(scoped);
    }
    for (const dropped of droppedIds(event.patch, event.replaced)) {
      run(dropped, 'preUnpatch', dropped.owner, event, replacedBy(event));
      record.dropped.push(dropped);
    }
    return 0;
  }

  /**
   * Dropped IDs first: the kernel unpatches the replaced patches before the new patch's post-patch
   * callbacks run, so the new IDs' post-patch sees the system without the old ones.
   */
  function postPatch(event: CallbackPointEvent): void {
    const record = finish(event.patch);
    if (!record) return;
    if (record.kind === 'disable') {
      // A reversed disable: the patch stays, so what its pre-unpatch undid is redone.
      for (const scoped of record.unpatched) run(scoped, 'postPatch', event.patch, event);
      return;
    }
    for (const dropped of record.dropped) run(dropped, 'postUnpatch', dropped.owner, event, replacedBy(event));
    for (const scoped of record.patched) run(scoped, 'postPatch', event.patch, event);
  }

  function preUnpatch(event: CallbackPointEvent): void {
    const record = begin(event.patch, 'disable');
    const remaining = carriedIds(event.others);
    for (const scoped of scopedCallbacksOf(event.patch).ids) {
      if (remaining.has(scoped.id)) continue;
      run(scoped, 'preUnpatch', event.patch, event);
      record.unpatched.push(scoped);
    }
  }

  function postUnpatch(event: CallbackPointEvent): void {
    const record = finish(event.patch);
    if (!record) return;
    if (record.kind === 'disable') {
      for (const scoped of record.unpatched) run(scoped, 'postUnpatch', event.patch, event);
      return;
    }
    // A cancelled or reversed enable: the replaced patches stay, so their dropped IDs are restored
    // (as a reversed disable restores), and the new IDs whose pre-patch ran are unpatched.
    for (const dropped of record.dropped) run(dropped, 'postPatch', dropped.owner, event, replaceUndone(event));
    for (const scoped of record.patched) run(scoped, 'postUnpatch', event.patch, event);
  }

  return (event) => {
    switch (event.stage) {
      case 'prePatch':
        return prePatch(event);
      case 'postPatch':
        return postPatch(event);
      case 'preUnpatch':
        return preUnpatch(event);
      case 'postUnpatch':
        return postUnpatch(event);
    }
  };
}
