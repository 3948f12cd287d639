// A policy whose options schema is not a schema at all.
import { definePolicy } from '@patchwise/policy';

export default definePolicy({
  name: 'bad-schema',
  meta: { docs: { description: 'declares a broken options schema' }, messages: {}, schema: { parse: 'not a function' } },
  apply() {},
});
