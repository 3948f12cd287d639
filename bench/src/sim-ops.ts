/**
 * simOpsPerSec (informational): random lifecycle operations on the simulated machine with 64
 * tasks and the three policies loaded, from a seeded PRNG, so every run performs the same
 * sequence: loads (some refused, some atomic replaces), disables, unloads, time passing
 * (transitions, retries, fake signals), calls of patched functions by tasks, tasks waking from a
 * patched function they slept in, and sysfs reads.
 */
import { createHash } from 'node:crypto';
import { kernelFunctionsOf, manifestModule, parseManifest, type PatchManifest } from '@patchwise/manifest';
import { applyPolicies } from '@patchwise/policy';
import scopedCallbacks, { permissiveOptions } from '@patchwise/plugin-scoped-callbacks';
import semverDeps, { permissive } from '@patchwise/plugin-semver-deps';
import vendorTags from '@patchwise/plugin-vendor-tags';
import { Machine, type Task } from '@patchwise/sim';
import { Prng } from './prng.js';
import { median, round } from './stats.js';

export const TASKS = 64;
const FUNCTIONS = Array.from({ length: 24 }, (_, i) => `sim_fn_${i}`);

export interface SimOpsResult {
  readonly opsPerSec: number;
  readonly rounds: number;
  readonly opsPerRound: number;
  readonly tasks: number;
  readonly seed: number;
  /** How many of each operation one round performs, and how many of them failed (a negative errno). */
  readonly mix: Readonly<Record<string, { readonly count: number; readonly failed: number }>>;
  /** Hash of the kernel log of a round: identical in every round and every run (same seed). */
  readonly logDigest: string;
  readonly logLines: number;
}

function manifests(): PatchManifest[] {
  const out: PatchManifest[] = [];
  for (let i = 0; i < 12; i += 1) {
    const vendor = i % 3 === 2 ? 'beta' : 'acme';
    out.push(
      parseManifest({
        name: `sim-${vendor}-${i}`,
        vendor,
        version: `1.${i}.0`,
        replace: i % 5 === 4,
        functions: Array.from({ length: 4 }, (_, k) => FUNCTIONS[(i * 3 + k * 5) % FUNCTIONS.length] as string),
        callbacks: i % 4 === 0 ? { [`id-${i % 3}`]: { postPatch: [{ log: 'on' }], preUnpatch: [{ log: 'off' }] } } : undefined,
      }),
    );
  }
  return out;
}

/** One round: a fresh machine and `ops` operations. */
async function round1(ops: number, seed: number): Promise<{ ms: number; mix: SimOpsResult['mix']; digest: string; lines: number }> {
  const rng = new Prng(seed);
  const pool = manifests();
  const machine = new Machine({ cpus: 4, kernelFunctions: [...FUNCTIONS, ...kernelFunctionsOf(pool)] });
  for (const m of pool) machine.addModule(manifestModule(m));
  applyPolicies(machine.livepatch, [
    { policy: vendorTags, options: { sameFunction: 'any', replace: 'any' } },
    { policy: scopedCallbacks, options: permissiveOptions },
    { policy: semverDeps, options: permissive },
  ]);
  const frame = (name: string) => machine.frames([name])[0] as string;
  const tasks: Task[] = [];
  for (let i = 0; i < TASKS; i += 1) {
    if (i % 2 === 0) {
      // Busy: a syscall per quantum, through one of the patchable functions.
      const fn = FUNCTIONS[i % FUNCTIONS.length] as string;
      tasks.push(machine.spawn({ comm: `busy${i}`, behavior: { busy: true, run: (task, m) => void m.syscall(task, fn) } }));
    } else {
      // Asleep, half of them inside a patchable function (a transition waits for them).
      const stack = i % 4 === 1 ? [...machine.frames(['schedule']), frame(FUNCTIONS[i % FUNCTIONS.length] as string), ...machine.frames(['do_syscall_64'])] : machine.frames(['schedule', 'ep_poll', 'do_syscall_64']);
      tasks.push(machine.spawn({ comm: `sleep${i}`, stack }));
    }
  }
  const mix: Record<string, { count: number; failed: number }> = {};
  const count = (op: string, ret: number) => {
    const entry = (mix[op] ??= { count: 0, failed: 0 });
    entry.count += 1;
    if (ret < 0) entry.failed += 1;
  };
  const livepatches = () => machine.livepatch.patches.map((p) => p.name);
  const start = process.hrtime.bigint();
  for (let i = 0; i < ops; i += 1) {
    const roll = rng.int(100);
    if (roll < 20) {
      const m = rng.pick(pool);
      count('load', await machine.insmod(m.name));
    } else if (roll < 32) {
      const installed = livepatches();
      if (installed.length === 0) count('disable', -2);
      else count('disable', await machine.write(`/sys/kernel/livepatch/${rng.pick(installed)}/enabled`, '0'));
    } else if (roll < 42) {
      const loaded = machine.modules.loaded().filter((m) => m.livepatch);
      count('unload', loaded.length ? await machine.rmmod(rng.pick(loaded).name) : -2);
    } else if (roll < 62) {
      machine.advance(10 + rng.int(1500));
      count('advance', 0);
    } else if (roll < 82) {
      const task = rng.pick(tasks);
      machine.syscall(task, rng.pick(FUNCTIONS));
      count('call', 0);
    } else if (roll < 90) {
      // A sleeper wakes: it returns to user space and goes back to sleep elsewhere.
      const task = tasks[1 + 2 * rng.int(TASKS / 2)] as Task;
      task.stack = machine.frames(['schedule', 'ep_poll', 'do_syscall_64']);
      machine.livepatch.updatePatchState(task);
      count('wake', 0);
    } else {
      const installed = livepatches();
      let ret = -2;
      if (installed.length) {
        machine.read(`/sys/kernel/livepatch/${rng.pick(installed)}/transition`);
        ret = 0;
      }
      count('read', ret);
    }
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const log = machine.log.records().map((r) => `${r.time} ${r.level} ${r.text}`);
  return { ms, mix, digest: createHash('sha256').update(log.join('\n')).digest('hex').slice(0, 16), lines: log.length };
}

export async function simOps(options: { rounds: number; ops: number; seed: number }): Promise<SimOpsResult> {
  await round1(Math.min(500, options.ops), options.seed); // warm-up
  const rates: number[] = [];
  let last: Awaited<ReturnType<typeof round1>> | undefined;
  for (let r = 0; r < options.rounds; r += 1) {
    const result = await round1(options.ops, options.seed);
    if (last && result.digest !== last.digest) throw new Error('sim ops: two rounds with the same seed diverged');
    last = result;
    rates.push((options.ops * 1000) / result.ms);
  }
  return {
    opsPerSec: round(median(rates), 0),
    rounds: options.rounds,
    opsPerRound: options.ops,
    tasks: TASKS,
    seed: options.seed,
    mix: last?.mix ?? {},
    logDigest: last?.digest ?? '',
    logLines: last?.lines ?? 0,
  };
}
