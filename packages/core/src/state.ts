/**
 * System states (state.c, v5.5+): which patch modified which state, at which version.
 */
import type { KlpCore } from './model.js';
import type { KlpState, StateDefinition } from './types.js';

/** Anything that carries states: an installed patch, or the definition of one being enabled. */
interface StateCarrier<S extends StateDefinition = StateDefinition> {
  readonly replace?: boolean;
  readonly states?: readonly S[];
}

/** `klp_get_state`: the state `id` of `patch`, or `null`. */
export function getState<S extends StateDefinition>(patch: StateCarrier<S>, id: number): S | null {
  for (const state of patch.states ?? []) {
    if (state.id === 0) break;
    if (state.id === id) return state;
  }
  return null;
}

/**
 * `klp_get_prev_state`: the state `id` of the newest patch installed before the patch in
 * transition. `null` outside a transition, where the kernel WARNs (once per boot).
 */
export function getPrevState(core: KlpCore, id: number): KlpState | null {
  if (!core.transitionPatch) {
    warnOnce(core, 'klp_get_prev_state');
    return null;
  }
  let last: KlpState | null = null;
  for (const patch of core.patches) {
    if (patch === core.transitionPatch) break;
    last = getState(patch, id) ?? last;
  }
  return last;
}

/**
 * `klp_is_state_compatible`: a cumulative patch must carry every state `old` carries; any patch
 * that carries one must carry it at the same or a higher version.
 */
function isStateCompatible(patch: StateCarrier, old: StateCarrier): boolean {
  for (const oldState of old.states ?? []) {
    if (oldState.id === 0) break;
    const state = getState(patch, oldState.id);
    if (!state) {
      if (patch.replace) return false;
      continue;
    }
    if (state.version < oldState.version) return false;
  }
  return true;
}

/** `klp_is_patch_compatible` against every patch in `klp_patches`. */
export function isPatchCompatible(patch: StateCarrier, installed: readonly StateCarrier[]): boolean {
  return installed.every((old) => isStateCompatible(patch, old));
}

/** `WARN_ON_ONCE` in `fn`: the kernel prints a WARNING with the location, once per boot. */
function warnOnce(core: KlpCore, fn: string): void {
  if (core.warned.has(fn)) return;
  core.warned.add(fn);
  core.host.log.printk('warn', `WARNING: CPU: 0 PID: 0 at kernel/livepatch/state.c ${fn}`, fn);
}
