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

  it('refuses a bad `then`, naming the option', () => {
    expect(() => applyPolicies(new Machine().livepatch, [{ policy: transitionTimeout, options: { then: 'panic' } }])).toThrow(
      /option `then`: expected one of "reverse"\|"force"\|"wait"/,
    );
  });
});
