/**
 * Generated modules on Debian's real 6.1 and 6.12 kernels, one booted guest per kernel, each step
 * run on the simulator too: the same filtered kernel log lines, the same live function owners,
 * the same patches in sysfs.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strerror } from '@patchwise/core';
import type { PatchManifest } from '@patchwise/manifest';
import { bootGuest, fetchKernel, KERNEL_SERIES, realKernelUnavailable, type Guest, type Kernel } from '@patchwise/qemu';
import { buildModules, livepatchModule, ModuleBuildFailed, probeFor, targetModule, type GeneratedModule } from '@patchwise/modgen';
import { guestWorld, simWorld, type World } from './worlds.js';

const unavailable = await realKernelUnavailable();
const inCi = process.env['CI'] === 'true';
if (unavailable && !inCi) console.warn(`modgen real-kernel tests skipped: ${unavailable}`);
if (unavailable && inCi) {
  describe('real kernel in CI', () => {
    it('has QEMU and the tools to boot a kernel', () => {
      expect.fail(`CI must run the real-kernel suite, but ${unavailable}`);
    });
  });
}

const TARGET = { name: 'pw_mg_target', functions: ['pw_mg_work', 'pw_mg_idle'] };
const TASK = { name: 'worker', comm: 'pw_mg_worker', sleepsIn: 'pw_mg_work' };
const HOSTILE = `"quoted" 100% %s %n \\ é ??/`;

const A: PatchManifest = {
  name: 'pw_mg_a',
  functions: [{ name: 'cmdline_proc_show', output: `A's cmdline: ${HOSTILE}\n` }],
  states: [{ id: 7, version: 1 }],
  objects: [
    {
      name: 'vmlinux',
      callbacks: {
        prePatch: [{ log: `pre-patch vmlinux ${HOSTILE}` }, { shadowAlloc: { obj: 'conn', id: 7 } }],
        postPatch: [{ log: 'post-patch vmlinux' }],
        preUnpatch: [{ log: 'pre-unpatch vmlinux' }],
        postUnpatch: [{ shadowFreeAll: { id: 7 } }, { log: 'post-unpatch vmlinux' }],
      },
    },
  ],
};
const B: PatchManifest = {
  name: 'pw_mg_b',
  objects: [{ name: TARGET.name, functions: ['pw_mg_work'], callbacks: { prePatch: [{ log: 'pre-patch target' }], postPatch: [{ log: 'post-patch target' }] } }],
};
const FAIL: PatchManifest = {
  name: 'pw_mg_fail',
  functions: ['meminfo_proc_show'],
  objects: [{ name: 'vmlinux', callbacks: { prePatch: [{ log: 'refusing' }, { fail: 'ENODEV' }, { log: 'never printed' }] } }],
};
const OLD_STATE: PatchManifest = { name: 'pw_mg_old_state', replace: true, functions: ['cmdline_proc_show'], states: [{ id: 7, version: 0 }] };
const CUMULATIVE: PatchManifest = {
  name: 'pw_mg_cumulative',
  replace: true,
  functions: ['cmdline_proc_show', 'version_proc_show', 'meminfo_proc_show', 'loadavg_proc_show', '__x64_sys_getpid', 'tcp_sendmsg', `${TARGET.name}:pw_mg_work`],
  states: [{ id: 7, version: 2 }],
  objects: [{ name: TARGET.name, callbacks: { preUnpatch: [{ log: 'pre-unpatch target' }], postUnpatch: [{ log: 'post-unpatch target' }] } }],
};
const PATCHES = [A, B, FAIL, OLD_STATE, CUMULATIVE];
/** Function and task names that are also the names of the generated code's locals and files. */
const NAMES = { name: 'pw_mg_names', functions: ['functions', 'tasks', 'ret', 'i', 't', 'thread', 'next', 'm', 'v', 's'] };


function probe(object: string, fn: string): string {
  const p = probeFor(object, fn);
  if (!p) throw new Error(`no probe for ${object}:${fn}`);
  return p.command;
}

describe.skipIf(unavailable).each(KERNEL_SERIES)('generated modules on Debian %s', (series) => {
  let vm: Guest | undefined;
  let kernel: Kernel;
  let modules: GeneratedModule[];
  let built: Map<string, string>;
  let sim: World;
  let guest: World;
  /** Runs a step in both worlds; returns both results and expects the same log lines. */
  async function both<T>(step: (w: World) => Promise<T>): Promise<{ sim: T; guest: T; lines: string[] }> {
    const s = await step(sim);
    const g = await step(guest);
    const simLines = await sim.lines();
    const guestLines = await guest.lines();
    expect(guestLines).toEqual(simLines);
    return { sim: s, guest: g, lines: guestLines };
  }

  beforeAll(async () => {
    kernel = await fetchKernel(series);
    const target = targetModule(TARGET, [TASK]);
    modules = [target, ...PATCHES.map(livepatchModule), targetModule(NAMES, [{ name: 'functions', comm: 'tasks', sleepsIn: 'ret' }, { name: 'idle', comm: 'pw_mg_idle' }])];
    const started = Date.now();
    built = await buildModules(modules, kernel);
    console.log(`${series}: ${built.size} modules built or cached in ${Date.now() - started} ms`);
    vm = await bootGuest({ kernel, payload: [...built].map(([name, source]) => ({ path: `/pw/${name}.ko`, source })) });
    sim = await simWorld(kernel.release, TARGET, TASK, PATCHES);
    guest = await guestWorld(vm, target, PATCHES.map((p) => p.name), probe);
  });
  afterAll(async () => {
    await vm?.close();
  });

  it('builds each module once per release: the same sources come from the cache', async () => {
    expect([...built.keys()]).toEqual(modules.map((m) => m.name));
    for (const [name, ko] of built) expect(ko).toMatch(new RegExp(`/modgen/${kernel.release.replace(/[.+]/g, '\\$&')}/[0-9a-f]{64}/${name}\\.ko$`));
    expect(await buildModules(modules, kernel)).toEqual(built);
  });

  it("reports kbuild's refusal with the compiler's words, and caches nothing", async () => {
    const cache = await mkdtemp(join(tmpdir(), 'modgen-broken-'));
    try {
      // `current` is a macro of the kernel's headers: C cannot name a function so.
      const broken = targetModule({ name: 'pw_mg_broken', functions: ['current'] });
      const err = await buildModules([broken], kernel, { cache }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModuleBuildFailed);
      expect((err as ModuleBuildFailed).message).toMatch(/^building pw_mg_broken for \S+ failed: make .*pw_mg_broken\.c/s);
      expect((await readdir(cache, { recursive: true })).filter((f) => f.endsWith('.ko'))).toEqual([]);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });

  it('builds and loads a target module whose names are those of its own locals and files', async () => {
    expect(await vm!.exec(`pw-insmod /pw/${NAMES.name}.ko`)).toMatchObject({ status: 0 });
    for (const fn of NAMES.functions) expect(await guest.show(NAMES.name, fn)).toBe(`${NAMES.name}:${fn} original\n`);
    const [pid, inFn] = (await guest.read(`/proc/patchwise_${NAMES.name}/tasks/functions`)).trim().split(' ');
    expect(inFn).toBe('ret');
    expect(await guest.read(`/proc/${pid}/comm`)).toBe('tasks\n');
    // A task without `sleepsIn` starts idle, and sleeps where it is told to.
    const idle = `/proc/patchwise_${NAMES.name}/tasks/idle`;
    const [idlePid, idleIn] = (await guest.read(idle)).trim().split(' ');
    expect(idleIn).toBe('-');
    expect(await guest.write(idle, 'sleep no_such_function')).toBe(false);
    expect(await guest.write(idle, 'sleep m')).toBe(true);
    expect(await guest.read(idle)).toBe(`${idlePid} m\n`);
    expect(await guest.read(`/proc/${idlePid}/stack`)).toMatch(/\] m\+0x[0-9a-f]+\/0x[0-9a-f]+ \[pw_mg_names\]\n/);
    expect(await guest.write(idle, 'wake')).toBe(true);
    expect(await guest.read(idle)).toBe(`${idlePid} -\n`);
    expect(await vm!.exec(`rmmod ${NAMES.name}`)).toMatchObject({ status: 0 });
    expect(await guest.lines()).toEqual([]);
  });

  it('loads the target module: its kthread sleeps inside the function, which prints the original', async () => {
    const r = await both((w) => w.insmod(TARGET.name));
    expect(r.guest).toMatchObject({ ok: true });
    expect(await guest.show(TARGET.name, 'pw_mg_work')).toBe('pw_mg_target:pw_mg_work original\n');
    const [pid, inFn] = (await guest.read(`/proc/patchwise_${TARGET.name}/tasks/worker`)).trim().split(' ');
    expect(inFn).toBe('pw_mg_work');
    expect(await guest.read(`/proc/${pid}/comm`)).toBe('pw_mg_worker\n');
    expect(await guest.read(`/proc/${pid}/stack`)).toMatch(/\] pw_mg_work\+0x[0-9a-f]+\/0x[0-9a-f]+ \[pw_mg_target\]\n/);
  });

  it('patches /proc/cmdline with the manifest’s output, its callbacks logging as the simulator’s', async () => {
    const r = await both(async (w) => {
      const loaded = await w.insmod(A.name);
      await w.settle(3000);
      return loaded;
    });
    expect(r.guest.ok).toBe(true);
    expect(r.lines).toContain(`pw_mg_a: pre-patch vmlinux ${HOSTILE}`);
    expect(r.lines).toContain('livepatch: \'pw_mg_a\': patching complete');
    expect(await guest.read('/proc/cmdline')).toBe(`A's cmdline: ${HOSTILE}\n`);
    expect(await guest.read('/proc/cmdline')).toBe(await sim.read('/proc/cmdline'));
  });

  it('stalls the patching of a target function while the kthread sleeps in it, until it is woken', async () => {
    const stalled = await both(async (w) => {
      const loaded = await w.insmod(B.name);
      await w.settle(2500, true);
      return { loaded, transition: await w.read('/sys/kernel/livepatch/pw_mg_b/transition') };
    });
    expect(stalled.guest).toEqual({ loaded: { ok: true, message: '' }, transition: '1\n' });
    expect(stalled.sim.transition).toBe('1\n');
    expect(stalled.lines.at(-1)).toBe("livepatch: 'pw_mg_b': starting patching transition");
    const done = await both(async (w) => {
      await w.wake();
      await w.settle(3000);
      return w.read('/sys/kernel/livepatch/pw_mg_b/transition');
    });
    expect(done.guest).toBe('0\n');
    expect(done.lines).toEqual(expect.arrayContaining(["livepatch: 'pw_mg_b': patching complete", 'pw_mg_b: post-patch target']));
    expect(await guest.show(TARGET.name, 'pw_mg_work')).toBe(await sim.show(TARGET.name, 'pw_mg_work'));
    expect(await guest.show(TARGET.name, 'pw_mg_work')).toBe('pw_mg_b: this has been live patched\n');
  });

  it('refuses a patch whose pre-patch callback fails, with its errno', async () => {
    const r = await both((w) => w.insmod(FAIL.name));
    expect(r.sim.ok).toBe(false);
    expect(r.guest.ok).toBe(false);
    expect(r.guest.message).toContain(strerror(Number(r.sim.message)));
    expect(r.lines).toContain('pw_mg_fail: refusing');
    expect(r.lines.join('\n')).not.toContain('never printed');
  });

  it('refuses a cumulative patch that would lower a state’s version', async () => {
    const r = await both((w) => w.insmod(OLD_STATE.name));
    expect(r.guest.ok).toBe(false);
    expect(r.guest.message).toContain(strerror(Number(r.sim.message)));
    expect(r.lines).toEqual(['livepatch: Livepatch patch (pw_mg_old_state) is not compatible with the already installed livepatches.']);
  });

  it('replaces every patch atomically with a cumulative one (getpid and tcp_sendmsg included)', async () => {
    const r = await both(async (w) => {
      const loaded = await w.insmod(CUMULATIVE.name);
      await w.settle(3000);
      return { loaded, patches: await w.patches() };
    });
    expect(r.guest).toEqual({ loaded: { ok: true, message: '' }, patches: ['pw_mg_cumulative'] });
    expect(r.sim.patches).toEqual(r.guest.patches);
    for (const [object, fn] of [
      ['vmlinux', 'cmdline_proc_show'],
      ['vmlinux', 'version_proc_show'],
      ['vmlinux', 'meminfo_proc_show'],
      ['vmlinux', 'loadavg_proc_show'],
      [TARGET.name, 'pw_mg_work'],
    ] as const) {
      expect(await guest.show(object, fn), `${object}:${fn}`).toBe('pw_mg_cumulative: this has been live patched\n');
      expect(await guest.show(object, fn), `${object}:${fn}`).toBe(await sim.show(object, fn));
    }
    // The shell itself calls the patched getpid.
    expect(await guest.read('/proc/self/stat')).toMatch(/^\d+ /);
    expect((await vm!.exec('ls /sys/kernel/livepatch/pw_mg_cumulative/vmlinux')).stdout.split('\n').filter(Boolean).sort()).toEqual(
      ['__x64_sys_getpid,1', 'cmdline_proc_show,1', 'loadavg_proc_show,1', 'meminfo_proc_show,1', 'patched', 'tcp_sendmsg,1', 'version_proc_show,1'],
    );
    // The replaced patches' modules can go.
    expect(await guest.rmmod(A.name)).toBe(true);
    expect(await guest.rmmod(B.name)).toBe(true);
    expect(await sim.rmmod(A.name)).toBe(true);
    expect(await sim.rmmod(B.name)).toBe(true);
  });

  it('stalls the unpatching while the kthread sleeps in the replacement, until it is woken', async () => {
    const stalled = await both(async (w) => {
      await w.sleepIn('pw_mg_work');
      await w.write('/sys/kernel/livepatch/pw_mg_cumulative/enabled', '0');
      await w.settle(2500, true);
      return w.read('/sys/kernel/livepatch/pw_mg_cumulative/transition');
    });
    expect(stalled.guest).toBe('1\n');
    expect(stalled.sim).toBe('1\n');
    expect(await vm!.exec(`cat /proc/$(cut -d' ' -f1 /proc/patchwise_${TARGET.name}/tasks/worker)/stack`)).toMatchObject({
      stdout: expect.stringMatching(/\] livepatch_pw_mg_target_pw_mg_work\+0x[0-9a-f]+\/0x[0-9a-f]+ \[pw_mg_cumulative\]\n/),
    });
    const done = await both(async (w) => {
      await w.wake();
      await w.settle(3000);
      return w.patches();
    });
    expect(done.guest).toEqual([]);
    expect(done.lines).toEqual(expect.arrayContaining(["livepatch: 'pw_mg_cumulative': unpatching complete", 'pw_mg_cumulative: post-unpatch target']));
    expect(await guest.show(TARGET.name, 'pw_mg_work')).toBe('pw_mg_target:pw_mg_work original\n');
  });

  it('unloads everything it loaded', async () => {
    const r = await both(async (w) => [await w.rmmod(CUMULATIVE.name), await w.rmmod(TARGET.name)]);
    expect(r.guest).toEqual([true, true]);
    expect(r.sim).toEqual([true, true]);
    expect((await vm!.exec(`grep -c '^pw_mg' /proc/modules`)).stdout).toBe('0\n');
  });
});
