/**
 * A faulty policy at every gate: it throws, rejects, never settles, mutates its context, or taps a
 * hook from inside a gate. Each time: a finding naming the policy and what it did, the operation
 * refused (fail closed), and the whole machine state deep-equal to before (snapshot of patches,
 * objects, functions, stacks, tasks, modules, sysfs, shadow variables and timers).
 */
import { describe, expect, it } from 'vitest';
import type { Decision } from '@patchwise/core';
import { manifestModule, type PatchManifest } from '@patchwise/manifest';
import { applyPolicies, definePolicy, type Policy, type PolicyHooks } from '@patchwise/policy';
import { Machine, type Task } from '@patchwise/sim';
import { afterShellCommand, snapshot } from '../../sim/test/properties/snapshot.js';

const sysfs = (patch: string, attr: string) => `/sys/kernel/livepatch/${patch}/${attr}`;

const MANIFESTS: PatchManifest[] = [
  { name: 'base', vendor: 'acme', functions: ['cmdline_proc_show', 'drv:drv_read'] },
  { name: 'fix', vendor: 'acme', functions: ['meminfo_proc_show'] },
  { name: 'cumulative', vendor: 'acme', replace: true, functions: ['cmdline_proc_show'] },
];

type Fault = (hooks: PolicyHooks<never>) => void | Promise<void>;

/** What a faulty tap does, and the finding it must leave. */
const FAULTS: { what: string; fault: Fault; code: string; message: RegExp }[] = [
  {
    what: 'throws',
    fault: () => {
      throw new Error('boom');
    },
    code: 'policy-threw',
    message: /policy `faulty` threw: boom \(in the `\w+` hook\)/,
  },
  { what: 'rejects', fault: () => Promise.reject(new Error('registry down')), code: 'policy-rejected', message: /rejected: registry down/ },
  { what: 'never settles', fault: () => new Promise<void>(() => {}), code: 'policy-timeout', message: /did not settle within 40 ms/ },
  {
    what: 'taps a hook after start',
    fault: (hooks) => hooks.postPatch(() => {}),
    code: 'policy-threw',
    message: /tapped the `postPatch` hook after the policies were applied/,
  },
];

/** A policy that runs `fault` at the gate and operation chosen, once armed. */
function faultyPolicy(faultAt: (gate: string, operation: string) => boolean, fault: Fault) {
  const state = { armed: false };
  const policy = definePolicy({
    name: 'faulty',
    meta: { docs: { description: 'misbehaves at one gate' }, messages: {} },
    apply(hooks) {
      const gate =
        (name: string) =>
        (ctx: { operation: string }): void | Promise<void> =>
          state.armed && faultAt(name, ctx.operation) ? fault(hooks) : undefined;
      hooks.prePatch(gate('prePatch'));
      hooks.replace(gate('replace'));
      hooks.preUnpatch(gate('preUnpatch'));
      hooks.moduleComing(gate('moduleComing'));
    },
  });
  return { policy, arm: () => void (state.armed = true) };
}

/** A machine with `base` installed (it patches vmlinux and module `drv`), `fix`, `cumulative` and `drv` loadable. */
async function scene(policy: Policy) {
  const machine = new Machine();
  for (const m of MANIFESTS) machine.addModule(manifestModule(m));
  machine.addModule({ name: 'drv', symbols: [{ name: 'drv_read' }] });
  const decisions: Decision[] = [];
  machine.livepatch.hooks.decision.tap('test', (d) => decisions.push(d));
  applyPolicies(machine.livepatch, [{ policy, timeoutMs: 40 }]);
  expect(await machine.insmod('base')).toBe(0);
  machine.advance(2000);
  return { machine, decisions };
}

/** A kernel thread asleep in `addr`: a transition it blocks stays in progress. */
const sleeper = (machine: Machine, addr: string): Task =>
  machine.spawn({ comm: 'sleeper', kthread: true, stack: [...machine.frames(['schedule']), addr, ...machine.frames(['kthread', 'ret_from_fork'])] });

/** Each gate, the operation that reaches it, and the scene it needs. */
const GATES: {
  gate: string;
  operation: string;
  title: string;
  setup?: (machine: Machine) => Promise<void>;
  run: (machine: Machine) => Promise<number>;
  refusal: string;
}[] = [
  { gate: 'prePatch', operation: 'enable', title: 'enable (insmod)', run: (m) => m.insmod('fix'), refusal: "refusing to enable patch 'fix'" },
  { gate: 'replace', operation: 'enable', title: 'atomic replace', run: (m) => m.insmod('cumulative'), refusal: "refusing to enable patch 'cumulative'" },
  {
    gate: 'preUnpatch',
    operation: 'disable',
    title: 'disable',
    run: (m) => m.write(sysfs('base', 'enabled'), '0'),
    refusal: "refusing to disable patch 'base'",
  },
  {
    gate: 'preUnpatch',
    operation: 'reverse',
    title: 'reverse of a patching transition',
    // `fix` cannot finish patching while a task sleeps in the original meminfo_proc_show.
    setup: async (m) => {
      sleeper(m, m.kallsyms.address('vmlinux', 'meminfo_proc_show') ?? '');
      expect(await m.insmod('fix')).toBe(0);
      m.advance(1500);
      expect(m.livepatch.transitionPatch?.name).toBe('fix');
    },
    run: (m) => m.write(sysfs('fix', 'enabled'), '0'),
    refusal: "refusing to reverse the transition of patch 'fix'",
  },
  {
    gate: 'prePatch',
    operation: 'reverse',
    title: 'reverse of an unpatching transition',
    // `base` cannot finish unpatching while a task sleeps in its replacement.
    setup: async (m) => {
      sleeper(m, m.kallsyms.address('base', 'livepatch_cmdline_proc_show') ?? '');
      expect(await m.write(sysfs('base', 'enabled'), '0')).toBe(0);
      m.advance(1500);
      expect(m.livepatch.transitionPatch?.name).toBe('base');
    },
    run: (m) => m.write(sysfs('base', 'enabled'), '1'),
    refusal: "refusing to reverse the transition of patch 'base'",
  },
  { gate: 'moduleComing', operation: 'load-module', title: 'target module load', run: (m) => m.insmod('drv'), refusal: "refusing to load module 'drv'" },
];

describe('a faulty policy changes nothing', () => {
  for (const { gate, operation, title, setup, run, refusal } of GATES) {
    describe(`at the ${gate} gate (${title})`, () => {
      it.each(FAULTS)('that $what: a finding naming it, the operation refused, the state deep-equal', async ({ fault, code, message }) => {
        const { policy, arm } = faultyPolicy((g, op) => g === gate && op === operation, fault);
        const { machine, decisions } = await scene(policy);
        await setup?.(machine);
        // Something in the shadow table, which no refusal may touch either.
        machine.livepatch.shadow.alloc('canary', 1, 8);
        arm();
        const before = snapshot(machine);
        const mark = machine.log.mark;
        const seen = decisions.length;
        expect(await run(machine)).toBe(-1);
        expect(snapshot(machine)).toEqual(afterShellCommand(before, machine));
        // The faulty gate decided last (an atomic replace passes prePatch first); it alone refused.
        const made = decisions.slice(seen);
        const decision = made.at(-1);
        expect(made.filter((d) => !d.allowed)).toEqual([decision]);
        expect(decision).toMatchObject({ gate, allowed: false });
        expect(decision?.findings).toEqual([expect.objectContaining({ policy: 'faulty', code, severity: 'error', message: expect.stringMatching(message) })]);
        const logged = machine.log.records(mark).map((r) => r.text);
        expect(logged).toContain(`patchwise: ${refusal}`);
        expect(logged.filter((l) => l.startsWith('livepatch:'))).toEqual([]);
      });
    });
  }

  const MUTATIONS: { what: string; mutate: (ctx: Record<string, unknown>) => void }[] = [
    { what: 'renames the patch', mutate: (ctx) => void ((ctx.patch as { name: string }).name = 'renamed') },
    { what: 'adds an installed patch', mutate: (ctx) => void (ctx.installed as unknown[]).push({ name: 'ghost' }) },
    { what: 'makes an installed patch cumulative', mutate: (ctx) => void ((ctx.installed as { replace: boolean }[])[0]!.replace = true) },
    { what: "rewrites the patch's metadata", mutate: (ctx) => void ((ctx.patch as { metadata: Record<string, unknown> }).metadata.vendor = 'evil') },
    { what: 'deletes the transition', mutate: (ctx) => void delete ctx.transition },
  ];

  it.each(MUTATIONS)('that mutates its context ($what): a finding, the context and the machine unchanged', async ({ mutate }) => {
    let seen: Record<string, unknown> | undefined;
    const mutator = definePolicy({
      name: 'mutator',
      meta: { docs: { description: 'writes to what it was given' }, messages: {} },
      apply: (hooks) =>
        hooks.prePatch((ctx) => {
          if (ctx.patch.name !== 'fix') return;
          seen = ctx as unknown as Record<string, unknown>;
          mutate(seen);
        }),
    });
    const { machine, decisions } = await scene(mutator);
    const before = snapshot(machine);
    expect(await machine.insmod('fix')).toBe(-1);
    expect(snapshot(machine)).toEqual(afterShellCommand(before, machine));
    expect(decisions.at(-1)?.findings).toEqual([expect.objectContaining({ policy: 'mutator', code: 'policy-threw', severity: 'error' })]);
    const ctx = seen as { patch: { name: string; metadata: Record<string, unknown> }; installed: { name: string; replace: boolean }[]; transition: unknown };
    expect(ctx.patch.name).toBe('fix');
    expect(ctx.patch.metadata.vendor).toBe('acme');
    expect(ctx.installed.map((p) => [p.name, p.replace])).toEqual([['base', false]]);
    expect(ctx.transition).toBeNull();
  });
});

describe('a gate timeout beyond what a timer can wait', () => {
  // Node turns a delay above 2^31-1 ms into 1 ms: such a timeout would refuse every async gate at
  // once. It is refused up front as bad input, naming the policy.
  const quiet = definePolicy({ name: 'quiet', meta: { docs: { description: 'taps one gate' }, messages: {} }, apply: (hooks) => hooks.prePatch(() => {}) });

  it.each([2 ** 31, 0, 1.5, Number.NaN])('timeoutMs %s: a bad-input diagnostic naming the policy', (timeoutMs) => {
    const machine = new Machine();
    expect(() => applyPolicies(machine.livepatch, [{ policy: quiet, timeoutMs }])).toThrow(
      expect.objectContaining({ code: 'PW_TIMEOUT', message: expect.stringContaining('`timeoutMs` of `quiet` must be a whole number of ms from 1 to 2147483647') }),
    );
  });

  it('2^31-1 ms, the limit itself, is taken', () => {
    expect(() => applyPolicies(new Machine().livepatch, [{ policy: quiet, timeoutMs: 2 ** 31 - 1 }])).not.toThrow();
  });
});
