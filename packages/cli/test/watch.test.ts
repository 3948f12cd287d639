/**
 * The transition watch shared by `gate` and `run --vm`, on a hand-made machine whose reversal takes
 * a few seconds as a real kernel's does (the fake kernel of gate.test.ts reverses at once).
 */
import { describe, expect, it } from 'vitest';
import { transitionPolicies, watchTransition, type WatchedMachine } from '@patchwise/cli';
import { patchInfo } from '@patchwise/core';
import { policyEntries, resolveConfig } from '@patchwise/config';
import type { SystemSnapshot } from '@patchwise/sysfs';

/** A patching transition held by one sleeper; a reverse write turns it around, and it ends 3 s later. */
function stalledKernel(clock: { now: number }) {
  let enabled = true;
  let reversedAt: number | undefined;
  const writes: string[] = [];
  const machine: WatchedMachine = {
    read: (): SystemSnapshot => {
      const gone = reversedAt !== undefined && clock.now - reversedAt >= 3000;
      return {
        release: '6.12.0',
        bootId: undefined,
        tainted: 0,
        livepatch: true,
        patches: gone ? [] : [{ name: 'p', enabled, transition: true, replace: false, stackOrder: undefined, objects: [] }],
        modules: [],
        unknown: [],
      };
    },
    // While reversing, every task that had not switched to the patched state is "unswitched".
    tasks: () => (reversedAt === undefined ? [{ pid: 9, comm: 'sleeper', state: 0 as const }] : [1, 2, 3].map((pid) => ({ pid, comm: 'sh', state: 0 as const }))),
    write: (_patch, attribute, value) => {
      writes.push(`${attribute}=${value}`);
      if (attribute === 'enabled' && value === '0' && enabled) {
        enabled = false;
        reversedAt = clock.now;
        return { ok: true };
      }
      return { ok: false, errno: 'EINVAL', detail: 'the same value twice' };
    },
  };
  return { machine, writes };
}

describe('watchTransition', () => {
  it('reverses once at the policy\'s retry, then waits for the reversal without asking again', async () => {
    const resolved = await resolveConfig({ plugins: [{ plugin: 'transition-timeout', options: { signalAfter: false, then: 'reverse', after: 2 } }] } as never, { file: null, dir: process.cwd() });
    const asked: string[] = [];
    const ask = transitionPolicies(policyEntries(resolved), (action, by, event) => asked.push(`${by} ${action} at ${event.retries}`));
    const clock = { now: 0 };
    const { machine, writes } = stalledKernel(clock);
    const said: string[] = [];
    const outcome = await watchTransition(machine, patchInfo('p', { objects: [] }), 'patched', ask, (l) => said.push(l), {
      timeoutMs: 60_000,
      pollMs: 250,
      now: () => clock.now,
      sleep: async (ms) => void (clock.now += ms),
    });
    expect(outcome).toBe('reversed');
    expect(asked).toEqual(['transition-timeout reverse at 2']);
    expect(writes).toEqual(['enabled=0']);
    expect(said.filter((l) => l.includes('pending'))).toEqual(["transition: 'p' patching, retry 1: 1 task pending (sleeper/9)", "transition: 'p' patching, retry 2: 1 task pending (sleeper/9)"]);
  });
});
