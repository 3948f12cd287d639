import { describe, expect, it } from 'vitest';
import { applyPolicies } from '@patchwise/policy';
import { transitionTimeout } from '@patchwise/plugin-transition-timeout';
import { Machine } from '@patchwise/sim';

/** A patching transition stalled by the busy module's worker (it sleeps in the function patched). */
async function stalled(options: Record<string, unknown>) {
  const machine = new Machine();
  applyPolicies(machine.livepatch, [{ policy: transitionTimeout, options }]);
  expect(await machine.insmod('test_klp_callbacks_busy', 'block_transition=Y')).toBe(0);
  expect(await machine.insmod('test_klp_callbacks_demo')).toBe(0);
  const lines: string[] = [];
  machine.log.subscribe((r) => lines.push(r.text));
  return { machine, lines };
}

/**
 * A disable stalled by a task sleeping in the replacement (`livepatch_cmdline_proc_show`): it must
 * stay patched until it leaves, so the unpatching transition waits for it.
 */
async function stalledDisable(options: Record<string, unknown>) {
  const machine = new Machine();
  applyPolicies(machine.livepatch, [{ policy: transitionTimeout, options }]);
  expect(await machine.insmod('test_klp_livepatch')).toBe(0);
  machine.advance(1000);
  expect(machine.livepatch.transitionPatch).toBeNull();
  const replacement = machine.kallsyms.address('test_klp_livepatch', 'livepatch_cmdline_proc_show');
  expect(replacement).toBeDefined();
  machine.spawn({ comm: 'reader', stack: [...machine.frames(['schedule']), replacement as NonNullable<typeof replacement>] });
  expect(await machine.write('/sys/kernel/livepatch/test_klp_livepatch/enabled', '0')).toBe(0);
  const lines: string[] = [];
  machine.log.subscribe((r) => lines.push(r.text));
  return { machine, lines };
}

describe('transition-timeout', () => {
  it('signals at `signalAfter`, then reverses at `after`: the patch is gone, the module never patched', async () => {
    const { machine, lines } = await stalled({ signalAfter: 2, then: 'reverse', after: 4 });
    machine.advance(10_000);
    expect(lines).toContain("patchwise: transition-timeout: signal the patching transition of 'test_klp_callbacks_demo' after 2 retries");
    expect(lines).toContain("patchwise: transition-timeout: reverse the patching transition of 'test_klp_callbacks_demo' after 4 retries");
    expect(lines).toContain("livepatch: 'test_klp_callbacks_demo': unpatching complete");
    expect(machine.livepatch.findPatch('test_klp_callbacks_demo')).toBeUndefined();
    // Nothing was forced: the livepatch module can be removed.
    expect(await machine.rmmod('test_klp_callbacks_demo')).toBe(0);
  });

  it('forces at `after` when told to: the transition completes', async () => {
    const { machine, lines } = await stalled({ then: 'force', after: 3 });
    machine.advance(6000);
    expect(lines).toContain('livepatch: forcing remaining tasks to the patched state');
    expect(machine.livepatch.findPatch('test_klp_callbacks_demo')?.enabled).toBe(true);
    expect(machine.livepatch.transitionPatch).toBeNull();
    // Forcing a plain patching transition marks no patch forced (semantics §2.6, newer kernels).
    expect(machine.livepatch.findPatch('test_klp_callbacks_demo')?.forced).toBe(false);
  });

  it('`wait` never acts, and `direction` limits it to one direction', async () => {
    const waiting = await stalled({ then: 'wait', after: 1, signalAfter: false });
    waiting.machine.advance(5000);
    expect(waiting.lines.some((l) => l.startsWith('patchwise:'))).toBe(false);
    expect(waiting.machine.livepatch.transitionPatch?.name).toBe('test_klp_callbacks_demo');

    const unpatchingOnly = await stalled({ direction: 'unpatching', after: 1 });
    unpatchingOnly.machine.advance(5000);
    expect(unpatchingOnly.machine.livepatch.transitionPatch?.name).toBe('test_klp_callbacks_demo');
  });

  it('defaults: signals at the 5th retry and reverses at the 30th', async () => {
    const { machine, lines } = await stalled({});
    machine.advance(29_500);
    expect(lines.filter((l) => l.startsWith('patchwise:'))).toEqual([
      "patchwise: transition-timeout: signal the patching transition of 'test_klp_callbacks_demo' after 5 retries",
    ]);
    expect(machine.livepatch.transitionPatch?.name).toBe('test_klp_callbacks_demo');
    machine.advance(1000);
    expect(lines).toContain("patchwise: transition-timeout: reverse the patching transition of 'test_klp_callbacks_demo' after 30 retries");
    // The reversed transition completes at the next retry, a second later.
    machine.advance(1000);
    expect(machine.livepatch.transitionPatch).toBeNull();
  });

  it('reverses a stalled disable: the patch stays enabled', async () => {
    const { machine, lines } = await stalledDisable({ direction: 'unpatching', signalAfter: false, after: 2 });
    machine.advance(5000);
    expect(lines).toContain("patchwise: transition-timeout: reverse the unpatching transition of 'test_klp_livepatch' after 2 retries");
    expect(machine.livepatch.transitionPatch).toBeNull();
    expect(machine.livepatch.findPatch('test_klp_livepatch')?.enabled).toBe(true);
    expect(machine.read('/proc/cmdline')).toBe('test_klp_livepatch: this has been live patched\n');
  });

  it('forcing a stalled disable marks the patch forced: its module can never be removed', async () => {
    const { machine, lines } = await stalledDisable({ then: 'force', after: 2 });
    machine.advance(5000);
    // The kernel says "patched state" whichever way it forces (semantics M19).
    expect(lines).toContain('livepatch: forcing remaining tasks to the patched state');
    expect(machine.livepatch.findPatch('test_klp_livepatch')).toBeUndefined();
    expect(await machine.rmmod('test_klp_livepatch')).toBeLessThan(0);
  });

  it('`direction: patching` leaves a stalled disable alone', async () => {
    const { machine } = await stalledDisable({ direction: 'patching', after: 1 });
    machine.advance(5000);
    expect(machine.livepatch.transitionPatch?.name).toBe('test_klp_livepatch');
  });

  it('refuses a bad `then`, naming the option', () => {
    expect(() => applyPolicies(new Machine().livepatch, [{ policy: transitionTimeout, options: { then: 'panic' } }])).toThrow(
      /option `then`: expected one of "reverse"\|"force"\|"wait"/,
    );
  });
});
