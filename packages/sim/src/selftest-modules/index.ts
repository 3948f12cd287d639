/**
 * The kernel's livepatch selftest modules (tools/testing/selftests/livepatch/test_modules), as
 * simulated modules.
 */
import type { ModuleImage } from '../modules.js';
import {
  testKlpCallbacksBusy,
  testKlpCallbacksDemo,
  testKlpCallbacksDemo2,
  testKlpCallbacksMod,
} from './callbacks.js';
import { testKlpKprobe } from './kprobe.js';
import { testKlpAtomicReplace, testKlpLivepatch } from './livepatch.js';
import { testKlpModPatch, testKlpModTarget } from './mod-target.js';
import { testKlpShadowVars } from './shadow-vars.js';
import { testKlpState, testKlpState2, testKlpState3 } from './state.js';
import { testKlpSyscall } from './syscall.js';

export const selftestModules: readonly ModuleImage[] = [
  testKlpLivepatch,
  testKlpAtomicReplace,
  testKlpCallbacksDemo,
  testKlpCallbacksDemo2,
  testKlpCallbacksMod,
  testKlpCallbacksBusy,
  testKlpState,
  testKlpState2,
  testKlpState3,
  testKlpShadowVars,
  testKlpSyscall,
  testKlpKprobe,
  testKlpModTarget,
  testKlpModPatch,
];

export { callbackInfo, printingCallbacks } from './callbacks.js';
