// A policy whose gate returns a promise that never settles, and holds nothing else open: without
// a timer that keeps the process alive, the event loop drains and the command ends undecided.
import { definePolicy } from '@patchwise/policy';

export default definePolicy({
  name: 'never-settles',
  meta: { docs: { description: 'a gate that never answers' }, messages: {} },
  apply(hooks) {
    hooks.prePatch(() => new Promise(() => {}));
  },
});
