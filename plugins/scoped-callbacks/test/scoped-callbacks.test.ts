/**
 * The policy's decisions, as PolicyTester tables: every finding code with cases that allow and
 * cases that deny, and the option that switches `blockDisable` off.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PatchManifest } from '@patchwise/manifest';
import type { Decision } from '@patchwise/core';
import { applyPolicies, validateOptions } from '@patchwise/policy';
import { Machine } from '@patchwise/sim';
import { PolicyTester } from '@patchwise/testing';
import scopedCallbacks, { policy } from '@patchwise/plugin-scoped-callbacks';

PolicyTester.describe = describe;
PolicyTester.it = it;

type Callbacks = NonNullable<PatchManifest['callbacks']>;

const patch = (name: string, callbacks: Callbacks = {}, extra: Partial<PatchManifest> = {}): PatchManifest => ({
  name,
  functions: ['cmdline_proc_show'],
  callbacks,
  ...extra,
});

const blocking: Callbacks = { 'console-loglevel': { blockDisable: true } };

new PolicyTester().run(scopedCallbacks, {
  valid: [
    { name: 'a patch without scoped callbacks enables', enable: patch('plain', undefined) },
    {
      name: 'well-formed scoped callbacks enable',
      enable: patch('p1', { x: { prePatch: [{ log: 'x on' }], postUnpatch: [{ log: 'x off' }] }, y: { blockDisable: false } }),
    },
    { name: 'disabling a patch whose IDs do not block', installed: [patch('p1', { x: { blockDisable: false } })], disable: 'p1' },
    {
      name: 'disabling a patch that carries no blocking ID, next to one that does',
      installed: [patch('keeper', blocking), patch('p2', { other: {} })],
      disable: 'p2',
    },
    {
      name: 'a replacing patch that carries the blocking ID takes it over',
      installed: [patch('p1', { ...blocking, x: {} })],
      enable: patch('p2', { 'console-loglevel': {} }, { replace: true }),
    },
    {
      name: 'a replacing patch may drop IDs that do not block',
      installed: [patch('p1', { x: { blockDisable: false }, y: {} })],
      enable: patch('p2', {}, { replace: true }),
    },
    {
      name: 'a non-replace patch next to a blocking ID is no replace at all',
      installed: [patch('p1', blocking)],
      enable: patch('p2'),
    },
    {
      name: '`blockDisable: ignore` lets a blocking patch be disabled',
      installed: [patch('p1', blocking)],
      disable: 'p1',
      options: { blockDisable: 'ignore' },
    },
    {
      name: '`blockDisable: ignore` lets a replace drop a blocking ID',
      installed: [patch('p1', blocking)],
      enable: patch('p2', {}, { replace: true }),
      options: { blockDisable: 'ignore' },
    },
    {
      name: 'at severity warn a blocked disable is reported and allowed',
      installed: [patch('p1', blocking)],
      disable: 'p1',
      severity: 'warn',
      warnings: ['disable-blocked'],
    },
  ],
  invalid: [
    {
      name: 'disabling a patch that carries a blocking ID',
      installed: [patch('p1', { x: {}, ...blocking, 'sysctl-knob': { blockDisable: true } })],
      disable: 'p1',
      errors: [
        {
          code: 'disable-blocked',
          data: { patches: ['p1'], ids: ['console-loglevel', 'sysctl-knob'], operation: 'disable' },
          message: "patch 'p1' may not be disabled: it carries scoped-callback IDs marked `blockDisable`: console-loglevel, sysctl-knob",
        },
      ],
    },
    {
      name: 'disabling is refused even when another patch still carries the blocking ID',
      installed: [patch('p1', blocking), patch('p2', blocking)],
      disable: 'p2',
      errors: [{ code: 'disable-blocked', data: { patches: ['p2'], ids: ['console-loglevel'] } }],
    },
    {
      name: 'a replacing patch that drops a blocking ID',
      installed: [patch('p1', { ...blocking, x: {} }), patch('p2', { y: {} }), patch('p3', { 'sysctl-knob': { blockDisable: true } })],
      enable: patch('p4', { x: {} }, { replace: true }),
      errors: [
        {
          code: 'replace-blocked',
          data: { patches: ['p4', 'p1', 'p3'], replaced: ['p1', 'p3'], ids: ['console-loglevel', 'sysctl-knob'] },
          message:
            "patch 'p4' may not replace p1, p3: it drops scoped-callback IDs marked `blockDisable`: console-loglevel, sysctl-knob",
        },
      ],
    },
    {
      name: 'an ID blocks when any replaced patch marks it, not only the one that introduced it',
      installed: [patch('p1', { x: {} }), patch('p2', { x: { blockDisable: true } })],
      enable: patch('p3', {}, { replace: true }),
      errors: [{ code: 'replace-blocked', data: { patches: ['p3', 'p2'], ids: ['x'] } }],
    },
  ],
});

// Manifests are validated before they load, so malformed scoped callbacks can only come from a
// patch written in code: load one on the machine.
describe('invalid-callbacks (a patch written in code)', () => {
  async function enableWith(callbacks: unknown) {
    const machine = new Machine();
    const decisions: Decision[] = [];
    machine.livepatch.hooks.decision.tap('test', (d) => void decisions.push(d));
    applyPolicies(machine.livepatch, [{ policy }]);
    machine.addModule({
      name: 'p1',
      livepatch: true,
      symbols: [{ name: 'new_cmdline' }],
      init: (m) => m.enablePatch({ metadata: { callbacks }, objects: [{ funcs: [{ oldName: 'cmdline_proc_show', newFunc: 'new_cmdline' }] }] }),
    });
    const result = await machine.insmod('p1');
    return { result, findings: decisions.flatMap((d) => d.findings) };
  }

  it('refuses scoped callbacks that cannot run, naming every bad id', async () => {
    const { result, findings } = await enableWith({ good: {}, bad: { prePatch: [{ explode: true }] }, worse: { blockDisable: 'yes' } });
    expect(result).toBe(-1);
    expect(findings).toEqual([
      expect.objectContaining({
        code: 'invalid-callbacks',
        data: expect.objectContaining({ patches: ['p1'], ids: ['bad', 'worse'] }),
        message:
          "patch 'p1' declares scoped callbacks that cannot run: 'bad': `prePatch` must be a function or a list of actions (`log`, `fail`, `shadowAlloc`, `shadowFree`, `shadowFreeAll`), 'worse': `blockDisable` must be true or false",
      }),
    ]);
  });

  it('names unknown keys with a did-you-mean from the keys of their place, before the errors they cause', async () => {
    const { result, findings } = await enableWith({
      typo: { prepatch: [{ log: 'x' }] },
      several: { prePach: [], colour: 'blue' },
      // zod lists the wrong `blockDisable` first; the typo is what to fix.
      first: { blockDisable: 'yes', postpatch: [] },
      nested: { prePatch: [{ shadowAlloc: { obj: 1, id: 2, vlaue: 3 } }] },
    });
    expect(result).toBe(-1);
    expect(findings).toEqual([
      expect.objectContaining({
        code: 'invalid-callbacks',
        data: expect.objectContaining({
          ids: ['typo', 'several', 'first', 'nested'],
          problems: [
            "'typo': unknown key `prepatch` (did you mean `prePatch`?)",
            "'several': unknown keys `prePach` (did you mean `prePatch`?), `colour`",
            "'first': unknown key `postpatch` (did you mean `postPatch`?)",
            "'nested': `prePatch[0].shadowAlloc`: unknown key `vlaue` (did you mean `value`?)",
          ],
        }),
      }),
    ]);
  });

  it('refuses `callbacks` that is not an object of IDs', async () => {
    const { result, findings } = await enableWith(['x']);
    expect(result).toBe(-1);
    expect(findings).toEqual([expect.objectContaining({ code: 'invalid-callbacks', data: expect.objectContaining({ patches: ['p1'], ids: [] }) })]);
  });

  it('allows well-formed callbacks written as functions', async () => {
    const { result, findings } = await enableWith({ x: { prePatch: () => 0 } });
    expect(result).toBe(0);
    expect(findings).toEqual([]);
  });
});

describe('options', () => {
  it('default to enforcing `blockDisable`', () => {
    expect(validateOptions(policy, undefined)).toEqual({ blockDisable: 'enforce' });
  });

  it('refuse an unknown `blockDisable` value and unknown options, naming them', () => {
    expect(() => validateOptions(policy, { blockDisable: 'off' })).toThrow(/option `blockDisable`/);
    expect(() => validateOptions(policy, { blockDisble: 'ignore' })).toThrow(/unknown option `blockDisble`/);
  });

  it('is the default export and carries the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(scopedCallbacks).toBe(policy);
    expect(policy.name).toBe('scoped-callbacks');
    expect(policy.version).toBe(pkg.version);
  });
});
