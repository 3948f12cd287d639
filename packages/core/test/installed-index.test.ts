import { describe, expect, it } from 'vitest';
import type { GateContext, PatchInfo, PatchMetadata, PrePatchContext } from '@patchwise/core';
import { Machine, newMachine, replacementName, settle } from './support.js';

// The index of the installed patches every gate context carries (`ctx.index`).

function add(m: Machine, name: string, funcs: readonly string[], metadata: PatchMetadata, replace = false): void {
  m.addModule({
    name,
    livepatch: true,
    symbols: funcs.map((f) => ({ name: replacementName(name, f), body: () => `${name}:${f}` })),
    init: (ctx) => ctx.enablePatch({ replace, metadata, objects: [{ funcs: funcs.map((f) => ({ oldName: f, newFunc: replacementName(name, f) })) }] }),
  });
}

async function install(m: Machine, name: string, funcs: readonly string[], metadata: PatchMetadata, replace = false): Promise<void> {
  add(m, name, funcs, metadata, replace);
  expect(await m.insmod(name)).toBe(0);
  settle(m);
}

/** A machine whose gates hand their contexts to `seen`. */
function watched(): { m: Machine; seen: GateContext[] } {
  const m = newMachine();
  const seen: GateContext[] = [];
  m.livepatch.hooks.prePatch.tap('watch', (ctx) => void seen.push(ctx));
  m.livepatch.hooks.preUnpatch.tap('watch', (ctx) => void seen.push(ctx));
  return { m, seen };
}

const names = (list: readonly PatchInfo[]) => list.map((p) => p.name);

describe('ctx.index', () => {
  it('lists the installed patches by vendor, tag and name, oldest first, as they come and go', async () => {
    const { m, seen } = watched();
    await install(m, 'a', ['foo'], { vendor: 'acme', tags: ['base', 'net'], lineage: 'line', provides: ['cap@1.0.0', 'bare'] });
    await install(m, 'b', ['bar'], { vendor: 'acme', tags: ['net', 'net'] });
    await install(m, 'c', ['baz'], { vendor: 'globex', tags: [7, '', 'base'], provides: ['@scope/x@2.0.0', 'cap'] });
    const ctx = seen[seen.length - 1] as GateContext;
    expect(names(ctx.index.byVendor('acme'))).toEqual(['a', 'b']);
    expect(names(ctx.index.byVendor('globex'))).toEqual([]); // 'c' was being decided, not installed
    expect(await m.write('/sys/kernel/livepatch/a/enabled', '0')).toBe(0);
    settle(m);
    const after = seen[seen.length - 1] as GateContext;
    expect(names(after.index.byVendor('acme'))).toEqual(['a', 'b']);
    expect(names(after.index.byTag('base'))).toEqual(['a', 'c']);
    expect(names(after.index.byTag('net'))).toEqual(['a', 'b']);
    expect(names(after.index.byName('line'))).toEqual(['a']);
    expect(names(after.index.byName('a'))).toEqual(['a']);
    expect(names(after.index.byName('cap'))).toEqual(['a', 'c']);
    expect(names(after.index.byName('bare'))).toEqual(['a']);
    expect(names(after.index.byName('@scope/x'))).toEqual(['c']);
    expect(after.index.byTag('7')).toEqual([]);
    // 'a' has gone since: a new gate's index no longer lists it; the old context still answers as then.
    const check = m.livepatch.check({ operation: 'disable', name: 'b' });
    expect(Array.isArray(check)).toBe(true);
    const now = seen[seen.length - 1] as GateContext;
    expect(names(now.index.byVendor('acme'))).toEqual(['b']);
    expect(names(now.index.byName('cap'))).toEqual(['c']);
    expect(names(after.index.byVendor('acme'))).toEqual(['a', 'b']);
  });

  it('compares vendors and tags in Unicode NFC', async () => {
    const { m, seen } = watched();
    await install(m, 'a', ['foo'], { vendor: 'caf\u00e9', tags: ['t\u00e9st'] });
    expect(m.livepatch.check({ operation: 'disable', name: 'a' })).toBeTruthy();
    const ctx = seen[seen.length - 1] as GateContext;
    expect(names(ctx.index.byVendor('cafe\u0301'))).toEqual(['a']);
    expect(names(ctx.index.byTag('te\u0301st'))).toEqual(['a']);
    expect(ctx.index.byTag('\ud800')).toEqual([]);
  });

  it('derives once per installed patch and reader, anew for a patch not installed, again after the patch left', async () => {
    const { m, seen } = watched();
    await install(m, 'a', ['foo'], { version: '1.0.0' });
    const calls: string[] = [];
    const read = (p: PatchInfo) => {
      calls.push(p.name);
      return String(p.metadata.version);
    };
    const other = (p: PatchInfo) => p.name.toUpperCase();
    m.livepatch.check({ operation: 'disable', name: 'a' });
    const ctx = seen[seen.length - 1] as GateContext;
    const a = ctx.installed[0] as PatchInfo;
    expect([ctx.index.derived(a, read), ctx.index.derived(a, read), ctx.index.derived(a, other)]).toEqual(['1.0.0', '1.0.0', 'A']);
    expect(calls).toEqual(['a']);
    const decided = { ...a, name: 'new' } as PatchInfo;
    ctx.index.derived(decided, read);
    ctx.index.derived(decided, read);
    expect(calls).toEqual(['a', 'new', 'new']);
    expect(await m.write('/sys/kernel/livepatch/a/enabled', '0')).toBe(0);
    settle(m);
    ctx.index.derived(a, read);
    expect(calls).toEqual(['a', 'new', 'new', 'a']);
  });

  it("lists a patch's function keys each once, in patch order, for installed patches and the patch being decided", async () => {
    const { m, seen } = watched();
    await install(m, 'a', ['foo', 'bar'], {});
    // A dry run of a patch naming `bar` twice (sympos 0 and 1 are the same function).
    const funcs = [{ oldName: 'bar' }, { oldName: 'baz' }, { oldName: 'bar', oldSympos: 1 }].map((f) => ({ ...f, newFunc: () => 0 }));
    m.livepatch.check({ operation: 'enable', name: 'b', patch: { objects: [{ funcs }] } });
    const ctx = seen[seen.length - 1] as PrePatchContext;
    expect(ctx.patch.name).toBe('b');
    expect(ctx.index.functions(ctx.patch)).toEqual(['vmlinux:bar', 'vmlinux:baz']);
    expect(ctx.index.functions(ctx.installed[0] as PatchInfo)).toEqual(['vmlinux:foo', 'vmlinux:bar']);
    // Each call is a fresh array: a policy that changes one changes nothing another policy sees.
    (ctx.index.functions(ctx.patch) as string[]).push('vmlinux:ghost');
    expect(ctx.index.functions(ctx.patch)).toEqual(['vmlinux:bar', 'vmlinux:baz']);
  });
});
