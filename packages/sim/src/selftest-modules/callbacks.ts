/**
 * The callback selftest modules: `test_klp_callbacks_demo` and `_demo2` (livepatches whose
 * callbacks print what they see), and the targets `test_klp_callbacks_mod` and `_busy`.
 */
import type { CallbackContext, ModuleState, ObjectCallbacks } from '@patchwise/core';
import type { ModuleContext, ModuleImage } from '../modules.js';
import { STACKS } from '../vmlinux.js';

const MODULE_STATE_TEXT: Record<ModuleState, string> = {
  LIVE: '[MODULE_STATE_LIVE] Normal state',
  COMING: '[MODULE_STATE_COMING] Full formed, running module_init',
  GOING: '[MODULE_STATE_GOING] Going away',
  UNFORMED: '[MODULE_STATE_UNFORMED] Still setting it up',
};

/** The demo modules' `callback_info()`. */
export function callbackInfo(m: ModuleContext, callback: string, ctx: CallbackContext): void {
  const mod = ctx.object.mod;
  m.print(mod ? `${callback}: ${mod.name} -> ${MODULE_STATE_TEXT[mod.state]}` : `${callback}: vmlinux`);
}

/** The four callbacks printing `callback_info`; `prePatch` returns `prePatchRet()`. */
export function printingCallbacks(m: ModuleContext, prePatchRet: () => number = () => 0): ObjectCallbacks {
  return {
    prePatch: (ctx) => {
      callbackInfo(m, 'pre_patch_callback', ctx);
      return prePatchRet();
    },
    postPatch: (ctx) => callbackInfo(m, 'post_patch_callback', ctx),
    preUnpatch: (ctx) => callbackInfo(m, 'pre_unpatch_callback', ctx),
    postUnpatch: (ctx) => callbackInfo(m, 'post_unpatch_callback', ctx),
  };
}

export const testKlpCallbacksDemo: ModuleImage = {
  name: 'test_klp_callbacks_demo',
  livepatch: true,
  description: 'callbacks on vmlinux, test_klp_callbacks_mod and test_klp_callbacks_busy; param pre_patch_ret',
  params: { pre_patch_ret: { type: 'int', default: 0, perm: 0o644 } },
  symbols: (m) => [{ name: 'patched_work_func', body: () => m.print('patched_work_func') }],
  init: (m) => {
    const callbacks = printingCallbacks(m, () => Number(m.params.pre_patch_ret));
    return m.enablePatch({
      objects: [
        { funcs: [], callbacks },
        { name: 'test_klp_callbacks_mod', funcs: [], callbacks },
        {
          name: 'test_klp_callbacks_busy',
          funcs: [{ oldName: 'busymod_work_func', newFunc: 'patched_work_func' }],
          callbacks,
        },
      ],
    });
  },
};

export const testKlpCallbacksDemo2: ModuleImage = {
  name: 'test_klp_callbacks_demo2',
  livepatch: true,
  description: 'callbacks on vmlinux only; param replace',
  params: { replace: { type: 'int', default: 0, perm: 0o644 } },
  init: (m) =>
    m.enablePatch({ replace: m.params.replace !== 0, objects: [{ funcs: [], callbacks: printingCallbacks(m) }] }),
};

export const testKlpCallbacksMod: ModuleImage = {
  name: 'test_klp_callbacks_mod',
  description: 'a target module that only prints its init and exit',
  init: (m) => m.print('test_klp_callbacks_mod_init'),
  exit: (m) => m.print('test_klp_callbacks_mod_exit'),
};

interface BusyWork {
  done: boolean;
  cancelPoll?: () => void;
}

/**
 * `test_klp_callbacks_busy`: its work item sleeps inside `busymod_work_func` while
 * `block_transition` is set, so a transition patching that function cannot finish.
 */
export const testKlpCallbacksBusy: ModuleImage = {
  name: 'test_klp_callbacks_busy',
  description: 'a target whose worker sleeps in busymod_work_func while block_transition=Y',
  params: { block_transition: { type: 'bool', default: false, perm: 0o644 } },
  symbols: [{ name: 'busymod_work_func', size: 96 }],
  init: (m) => {
    m.print('test_klp_callbacks_busy_init');
    const worker = m.machine.kworkers[1] ?? m.machine.kworkers[0];
    if (!worker) return;
    const idleStack = worker.stack;
    const work: BusyWork = { done: false };
    m.data.work = work;
    const finish = () => {
      if (work.done) return;
      work.done = true;
      work.cancelPoll?.();
      m.print('busymod_work_func exit');
      worker.stack = idleStack;
    };
    m.data.finish = finish;
    worker.stack = [
      ...m.machine.frames(STACKS.sleepingWork),
      m.address('busymod_work_func'),
      ...m.machine.frames(STACKS.work),
    ];
    m.print('busymod_work_func enter');
    if (!m.params.block_transition) {
      finish();
      return;
    }
    // msleep(20) in a loop until block_transition is cleared.
    const poll = () => {
      if (!m.params.block_transition) finish();
      else work.cancelPoll = m.machine.clock.setTimer(poll, 20);
    };
    work.cancelPoll = m.machine.clock.setTimer(poll, 20);
  },
  exit: (m) => {
    m.params.block_transition = false;
    (m.data.finish as (() => void) | undefined)?.();
    m.print('test_klp_callbacks_busy_exit');
  },
};
