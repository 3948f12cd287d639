/**
 * `test_klp_state`, `test_klp_state2` and `test_klp_state3`: cumulative patches that change the
 * console log level, tracked as system state 1 (version 1, 2 and 2).
 */
import type { KlpState, ObjectCallbacks, PatchView } from '@patchwise/core';
import type { ModuleContext, ModuleImage } from '../modules.js';

const CONSOLE_LOGLEVEL_STATE = 1;
const CONSOLE_LOGLEVEL_MOTORMOUTH = 15;

/** The machine-wide `console_loglevel` the patches save and restore. */
const consoleLoglevel = new WeakMap<object, { value: number }>();
function loglevel(m: ModuleContext): { value: number } {
  let cell = consoleLoglevel.get(m.machine);
  if (!cell) {
    cell = { value: 7 };
    consoleLoglevel.set(m.machine, cell);
  }
  return cell;
}

interface Helpers {
  allocate(patch: PatchView): number;
  fix(patch: PatchView): void;
  restore(patch: PatchView): void;
  free(patch: PatchView): void;
}

/** test_klp_state.c: no previous-state logic. */
function plainHelpers(m: ModuleContext): Helpers {
  const state = (patch: PatchView): KlpState | null => m.livepatch.getState(patch, CONSOLE_LOGLEVEL_STATE);
  return {
    allocate: (patch) => {
      const s = state(patch);
      if (!s) return -22;
      s.data = { value: 0 };
      m.print('allocate_loglevel_state: allocating space to store console_loglevel');
      return 0;
    },
    fix: (patch) => {
      const s = state(patch);
      if (!s) return;
      m.print('fix_console_loglevel: fixing console_loglevel');
      (s.data as { value: number }).value = loglevel(m).value;
      loglevel(m).value = CONSOLE_LOGLEVEL_MOTORMOUTH;
    },
    restore: (patch) => {
      const s = state(patch);
      if (!s) return;
      m.print('restore_console_loglevel: restoring console_loglevel');
      loglevel(m).value = (s.data as { value: number }).value;
    },
    free: (patch) => {
      const s = state(patch);
      if (!s) return;
      m.print('free_loglevel_state: freeing space for the stored console_loglevel');
      s.data = undefined;
    },
  };
}

/** test_klp_state2.c: take over from, or hand back to, the previous patch's state. */
function takeoverHelpers(m: ModuleContext): Helpers {
  const plain = plainHelpers(m);
  const prev = () => m.livepatch.getPrevState(CONSOLE_LOGLEVEL_STATE);
  return {
    allocate: (patch) => {
      if (prev()) {
        m.print('allocate_loglevel_state: space to store console_loglevel already allocated');
        return 0;
      }
      return plain.allocate(patch);
    },
    fix: (patch) => {
      const s = m.livepatch.getState(patch, CONSOLE_LOGLEVEL_STATE);
      if (!s) return;
      const p = prev();
      if (p) {
        m.print('fix_console_loglevel: taking over the console_loglevel change');
        s.data = p.data;
        return;
      }
      plain.fix(patch);
    },
    restore: (patch) => {
      if (prev()) {
        m.print('restore_console_loglevel: passing the console_loglevel change back to the old livepatch');
        return;
      }
      plain.restore(patch);
    },
    free: (patch) => {
      if (prev()) {
        m.print('free_loglevel_state: keeping space to store console_loglevel');
        return;
      }
      plain.free(patch);
    },
  };
}

function stateCallbacks(m: ModuleContext, helpers: Helpers): ObjectCallbacks {
  return {
    prePatch: (ctx) => {
      m.print('pre_patch_callback: vmlinux');
      return helpers.allocate(ctx.patch);
    },
    postPatch: (ctx) => {
      m.print('post_patch_callback: vmlinux');
      helpers.fix(ctx.patch);
    },
    preUnpatch: (ctx) => {
      m.print('pre_unpatch_callback: vmlinux');
      helpers.restore(ctx.patch);
    },
    postUnpatch: (ctx) => {
      m.print('post_unpatch_callback: vmlinux');
      helpers.free(ctx.patch);
    },
  };
}

function stateModule(name: string, version: number, takeover: boolean): ModuleImage {
  return {
    name,
    livepatch: true,
    description: `cumulative; system state ${CONSOLE_LOGLEVEL_STATE} version ${version}${takeover ? ', takes over the previous state' : ''}`,
    init: (m) =>
      m.enablePatch({
        replace: true,
        states: [{ id: CONSOLE_LOGLEVEL_STATE, version }],
        objects: [{ funcs: [], callbacks: stateCallbacks(m, takeover ? takeoverHelpers(m) : plainHelpers(m)) }],
      }),
  };
}

export const testKlpState = stateModule('test_klp_state', 1, false);
export const testKlpState2 = stateModule('test_klp_state2', 2, true);
/** `#include "test_klp_state2.c"` under another name. */
export const testKlpState3 = stateModule('test_klp_state3', 2, true);
