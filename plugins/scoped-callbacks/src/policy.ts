/**
 * The scoped-callbacks policy: callbacks declared under IDs run only when their ID is introduced
 * or removed, and IDs marked `blockDisable` keep their patch in.
 */
import { definePolicy } from '@patchwise/policy';
import { disableGate, replaceGate } from './block-disable.js';
import { scopedCallbackMachine } from './lifecycle.js';
import { messages } from './messages.js';
import { defaultOptions, optionsSchema } from './options.js';
import { validationGate } from './validation.js';

export const POLICY_NAME = 'scoped-callbacks';

export const policy = definePolicy({
  name: POLICY_NAME,
  version: '0.1.0',
  meta: {
    docs: {
      description:
        'Run callbacks declared under IDs only when an ID is introduced or removed (also across atomic replace), and refuse taking out IDs marked `blockDisable`.',
    },
    messages,
    schema: optionsSchema,
    defaults: defaultOptions,
  },
  apply(hooks, options, context) {
    hooks.callbacks(scopedCallbackMachine(context.name));
    hooks.prePatch(validationGate);
    if (options.blockDisable === 'enforce') {
      hooks.preUnpatch(disableGate);
      hooks.replace(replaceGate);
    }
  },
});
