// A policy whose `apply` throws: the policy set is applied when a command runs, not when it loads.
import { definePolicy } from '@patchwise/policy';

export default definePolicy({
  name: 'throws-in-apply',
  meta: { docs: { description: 'throws while tapping its hooks' }, messages: {} },
  apply() {
    throw new Error('no hooks for you');
  },
});
