/**
 * Policy options come from config files: untrusted data (issue 11). Merged onto the defaults by
 * assignment, a `__proto__` key became the options' prototype: the schema then read missing
 * options from it and its unknown-key check never saw the key.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePolicy, mergeDefaults, validateOptions } from '@patchwise/policy';

const policy = definePolicy({
  name: 'limits',
  meta: {
    docs: { description: 'a policy with options' },
    schema: z.strictObject({ limit: z.number().optional(), mode: z.enum(['a', 'b']) }),
    defaults: { mode: 'a' },
  },
  apply() {},
});

describe('options are merged as own keys', () => {
  it('a `__proto__` key is an unknown option, not a prototype that supplies `limit`', () => {
    const options = JSON.parse('{"__proto__": {"limit": 5}}') as unknown;
    expect(() => validateOptions(policy, options)).toThrow(/unknown option `__proto__`/);
  });

  it('mergeDefaults keeps the key own and the prototype plain', () => {
    const merged = mergeDefaults({ mode: 'a' }, JSON.parse('{"__proto__": {"limit": 5}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(merged.limit).toBeUndefined();
    expect(Object.keys(merged)).toEqual(['mode', '__proto__']);
  });

  it('a default is an own key of the defaults: `constructor` is not one', () => {
    expect(mergeDefaults({}, { constructor: { x: 1 } })).toEqual({ constructor: { x: 1 } });
  });
});
