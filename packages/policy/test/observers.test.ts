import { describe, expect, it } from 'vitest';
import type { TransitionAction, TransitionEvent } from '@patchwise/core';
import { applyPolicies, definePolicy } from '@patchwise/policy';
import { Machine } from '@patchwise/sim';

/** One timeline of kernel log lines and hook events, to check their relative order. */
function timeline(machine: Machine) {
  const events: string[] = [];
  machine.log.subscribe((r) => events.push(r.text));
  return events;
}

const observer = (name: string, apply: Parameters<typeof definePolicy>[0]['apply']) =>
  definePolicy({ name, meta: { docs: { description: 'observes' }, messages: {} }, apply });

describe('transition hook', () => {
  it('fires at init, start and complete, right after the matching kernel lines', async () => {
    const machine = new Machine();
    const events = timeline(machine);
    applyPolicies(machine.livepatch, [
      { policy: observer('watch', (hooks) => hooks.transition((e) => void events.push(`[${e.kind} ${e.patch.name} ${e.target}]`))) },
    ]);
    await machine.insmod('test_klp_livepatch');
    machine.advance(1000);
    const relevant = events.filter((l) => l.startsWith('[') || l.startsWith('livepatch:'));
    expect(relevant).toEqual([
      "livepatch: enabling patch 'test_klp_livepatch'",
      "livepatch: 'test_klp_livepatch': initializing patching transition",
      '[init test_klp_livepatch patched]',
      "livepatch: 'test_klp_livepatch': starting patching transition",
      '[start test_klp_livepatch patched]',
      '[retry test_klp_livepatch patched]',
      "livepatch: 'test_klp_livepatch': completing patching transition",
      "livepatch: 'test_klp_livepatch': patching complete",
      '[complete test_klp_livepatch patched]',
    ]);
  });

  /** A transition stalled by the busy module's worker, with a policy answering retries. */
  async function stalled(answer: (e: TransitionEvent) => TransitionAction | void) {
    const machine = new Machine();
    const retries: TransitionEvent[] = [];
    const signals: TransitionEvent[] = [];
    applyPolicies(machine.livepatch, [
      {
        policy: observer('stall-policy', (hooks) =>
          hooks.transition((e) => {
            if (e.kind === 'signal') signals.push(e);
            if (e.kind !== 'retry') return undefined;
            retries.push(e);
            return answer(e);
          }),
        ),
      },
    ]);
    await machine.insmod('test_klp_callbacks_busy', 'block_transition=Y');
    await machine.insmod('test_klp_callbacks_demo');
    return { machine, retries, signals };
  }

  it('on retry names the pending tasks and the function each sleeps in', async () => {
    const { machine, retries } = await stalled(() => undefined);
    machine.advance(3000);
    expect(machine.read('/sys/kernel/livepatch/test_klp_callbacks_demo/transition')).toBe('1\n');
    const last = retries.at(-1);
    expect(last?.pending).toContainEqual(expect.objectContaining({ comm: 'kworker/1:1', reason: 'sleeping', blockedIn: 'busymod_work_func' }));
    // The first try as the transition starts is retry 0; then one retry a second.
    expect(retries.map((e) => e.retries)).toEqual([0, 1, 2, 3]);
  });

  it('numbers retries as the kernel does: its fake signals come with retry 15, 15 s after the start', async () => {
    const { machine, retries, signals } = await stalled(() => undefined);
    machine.advance(15_000);
    const start = retries[0]?.now ?? NaN;
    expect(signals.map((e) => [e.retries, e.now - start])).toEqual([[15, 15_000]]);
    const retry15 = retries.find((e) => e.retries === 15);
    expect(retry15?.now).toBe(signals[0]?.now);
  });

  it('may force a stalled transition: the kernel forces, completes, and the log says who asked', async () => {
    const { machine } = await stalled((e) => (e.retries >= 3 ? 'force' : undefined));
    const events = timeline(machine);
    machine.advance(5000);
    expect(events).toContain("patchwise: stall-policy: force the patching transition of 'test_klp_callbacks_demo' after 3 retries");
    expect(events).toContain('livepatch: forcing remaining tasks to the patched state');
    expect(events).toContain("livepatch: 'test_klp_callbacks_demo': patching complete");
    expect(machine.livepatch.transitionPatch).toBeNull();
  });

  it('may reverse a stalled transition: the patch is unpatched and freed', async () => {
    const { machine } = await stalled((e) => (e.retries >= 2 ? 'reverse' : undefined));
    const events = timeline(machine);
    machine.advance(5000);
    expect(events).toContain("livepatch: 'test_klp_callbacks_demo': reversing transition from patching to unpatching");
    expect(events).toContain("livepatch: 'test_klp_callbacks_demo': unpatching complete");
    expect(machine.livepatch.findPatch('test_klp_callbacks_demo')).toBeUndefined();
  });

  it('an invalid answer is reported and ignored', async () => {
    const { machine } = await stalled(() => 'explode' as TransitionAction);
    const events = timeline(machine);
    machine.advance(1000);
    expect(events.some((l) => l.includes('stall-policy: failed in the `transition` hook: returned `explode`'))).toBe(true);
    expect(machine.livepatch.transitionPatch?.name).toBe('test_klp_callbacks_demo');
  });
});

describe('callback observers and callback points', () => {
  it('objectCallback follows each per-object callback; callback points wrap them', async () => {
    const machine = new Machine();
    const events = timeline(machine);
    applyPolicies(machine.livepatch, [
      {
        policy: observer('watch', (hooks) => {
          hooks.objectCallback((e) => void events.push(`[${e.callback} ${e.object}${e.result === undefined ? '' : ` = ${e.result}`}]`));
          hooks.callbacks((e) => void events.push(`[point ${e.stage} ${e.reason}]`));
          hooks.postPatch((e) => void events.push(`[postPatch ${e.patch.name}]`));
          hooks.postUnpatch((e) => void events.push(`[postUnpatch ${e.patch.name} ${e.reason}]`));
        }),
      },
    ]);
    await machine.insmod('test_klp_callbacks_demo');
    machine.advance(1000);
    await machine.write('/sys/kernel/livepatch/test_klp_callbacks_demo/enabled', '0');
    machine.advance(1000);
    const relevant = events.filter((l) => l.startsWith('[') || (l.startsWith('test_klp_callbacks_demo:') && !l.includes('tainting')));
    expect(relevant).toEqual([
      '[point prePatch enable]',
      'test_klp_callbacks_demo: pre_patch_callback: vmlinux',
      '[prePatch vmlinux = 0]',
      'test_klp_callbacks_demo: post_patch_callback: vmlinux',
      '[postPatch vmlinux]',
      '[point postPatch enable]',
      '[postPatch test_klp_callbacks_demo]',
      '[point preUnpatch disable]',
      'test_klp_callbacks_demo: pre_unpatch_callback: vmlinux',
      '[preUnpatch vmlinux]',
      'test_klp_callbacks_demo: post_unpatch_callback: vmlinux',
      '[postUnpatch vmlinux]',
      '[point postUnpatch disable]',
      '[postUnpatch test_klp_callbacks_demo disable]',
    ]);
  });

  it('a failing prePatch point cancels the enable exactly like a failing pre-patch callback', async () => {
    const machine = new Machine();
    const events = timeline(machine);
    applyPolicies(machine.livepatch, [
      { policy: observer('vetoes', (hooks) => hooks.callbacks((e) => (e.stage === 'prePatch' ? -19 : undefined))) },
    ]);
    expect(await machine.insmod('test_klp_callbacks_demo')).toBe(-19);
    expect(events.filter((l) => !l.includes('tainting'))).toEqual([
      "livepatch: enabling patch 'test_klp_callbacks_demo'",
      "livepatch: 'test_klp_callbacks_demo': initializing patching transition",
      "patchwise: vetoes: pre-patch callback failed for patch 'test_klp_callbacks_demo' (-19)",
      "livepatch: failed to enable patch 'test_klp_callbacks_demo'",
      "livepatch: 'test_klp_callbacks_demo': canceling patching transition, going to unpatch",
      "livepatch: 'test_klp_callbacks_demo': completing unpatching transition",
      "livepatch: 'test_klp_callbacks_demo': unpatching complete",
    ]);
    expect(machine.livepatch.patches).toHaveLength(0);
  });

  it('moduleGoing tells which installed patches had an object for the module', async () => {
    const machine = new Machine();
    const going: string[] = [];
    applyPolicies(machine.livepatch, [
      { policy: observer('watch', (hooks) => hooks.moduleGoing((e) => void going.push(`${e.module}: ${e.patches.map((p) => p.name).join()}`))) },
    ]);
    await machine.insmod('test_klp_callbacks_demo');
    machine.advance(1000);
    await machine.insmod('test_klp_callbacks_mod');
    await machine.rmmod('test_klp_callbacks_mod');
    await machine.insmod('test_klp_shadow_vars');
    await machine.rmmod('test_klp_shadow_vars');
    expect(going).toEqual(['test_klp_callbacks_mod: test_klp_callbacks_demo']);
  });
});
