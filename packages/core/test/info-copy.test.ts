/**
 * The snapshot policies see (`patchInfo`) copies metadata, which is untrusted data: a `__proto__`
 * key in it must stay a key (issue 11). Assigned, it became the copy's prototype, the copy then
 * read every field it lacked from an object the author chose, and a frozen prototype made later
 * assignments fail (silently outside strict mode): the forged patch was judged as another.
 */
import { describe, expect, it } from 'vitest';
import { patchInfo, type PatchDefinition } from '@patchwise/core';

const def = (metadata: unknown): PatchDefinition => ({ objects: [{ name: null, funcs: [{ oldName: 'f', newFunc: 'g' }] }], metadata: metadata as PatchDefinition['metadata'] });

describe('patchInfo: an own-key copy of the metadata', () => {
  it('a `__proto__` key stays an own key; nothing is inherited from it', () => {
    const metadata = JSON.parse('{"__proto__": {"vendor": "acme", "manifest": "signed"}, "manifest": "own"}') as Record<string, unknown>;
    const info = patchInfo('p', def(metadata));
    expect(Object.getPrototypeOf(info.metadata)).toBe(Object.prototype);
    expect(info.metadata.manifest).toBe('own');
    expect(info.metadata.vendor).toBeUndefined();
    expect(Object.keys(info.metadata)).toEqual(['__proto__', 'manifest']);
    expect(Object.getOwnPropertyDescriptor(info.metadata, '__proto__')?.value).toEqual({ vendor: 'acme', manifest: 'signed' });
    expect(Object.isFrozen(info.metadata)).toBe(true);
  });

  it('also nested', () => {
    const metadata = JSON.parse('{"team": {"__proto__": {"owner": "acme"}}}') as Record<string, unknown>;
    const team = patchInfo('p', def(metadata)).metadata.team as Record<string, unknown>;
    expect(Object.getPrototypeOf(team)).toBe(Object.prototype);
    expect(team.owner).toBeUndefined();
  });
});
