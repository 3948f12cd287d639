/**
 * The real `patchwise gate` on Debian's real 6.1 kernel under QEMU: every check reads the kernel's
 * own state (/proc/cmdline, /proc/modules, /sys/kernel/livepatch through the shell), never
 * patchwise's memory of it. The steps build on each other, in order.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inCi, REPO, moduleLoaded, openLab, patchwise, statusLines, sysfsLines, unavailable, writeConfig, type KernelLab } from './support.js';

if (unavailable && !inCi) console.warn(`real-kernel gate tests skipped: ${unavailable}`);

describe.runIf(unavailable && inCi)('the gate on a real kernel, in CI', () => {
  it('has QEMU and the tools to boot a kernel', () => {
    expect.fail(`CI must run the real-kernel suite, but ${unavailable}`);
  });
});

describe.skipIf(unavailable)('patchwise gate on Debian 6.1 under QEMU', () => {
  let lab: KernelLab;
  let config: string;
  let ko: (name: string) => string;
  const statusMatchesSysfs = async () => expect(await statusLines(lab)).toEqual(await sysfsLines(lab));

  beforeAll(async () => {
    lab = await openLab();
    ko = (name) => `${lab.modules}/${name}.ko`;
    config = await writeConfig(
      lab,
      'patchwise.config.yaml',
      [
        'plugins:',
        '  - vendor-tags',
        '  - semver-deps',
        '  - plugin: transition-timeout',
        '    options: { signalAfter: false, then: force, after: 3, direction: unpatching }',
        '',
      ].join('\n'),
    );
    console.log(`booted ${lab.vm.kernel.release} in ${lab.vm.bootMs} ms`);
  });
  afterAll(async () => {
    await lab?.close();
  });

  it("benchmark: the gate's added latency on a real load, against insmod alone (medians)", async () => {
    const rounds = Number(process.env['PATCHWISE_KERNEL_BENCH_ROUNDS'] ?? 5);
    const r = await lab.vm.exec(`node ${REPO}/bench/dist/kernel-gate.js ${ko('acme_cmdline')} ${config} ${rounds}`, { timeoutMs: 600_000 });
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { medianInsmodMs: number; medianGateMs: number; addedMs: number; rounds: number };
    console.log(
      `gate load on ${lab.vm.kernel.release} (TCG, ${result.rounds} rounds): insmod ${result.medianInsmodMs.toFixed(1)} ms, gate ${result.medianGateMs.toFixed(1)} ms, added ${result.addedMs.toFixed(1)} ms (medians)`,
    );
    const out = process.env['PATCHWISE_KERNEL_BENCH_OUT'];
    if (out) writeFileSync(join(REPO, out), `${JSON.stringify({ kernel: lab.vm.kernel.release, date: new Date().toISOString(), ...result }, null, 2)}\n`);
    expect(result.medianGateMs).toBeGreaterThan(result.medianInsmodMs);
    expect(await sysfsLines(lab)).toEqual([]);
  });

  it('starts with no patch, and gate status says so', async () => {
    expect(await sysfsLines(lab)).toEqual([]);
    await statusMatchesSysfs();
  });

  it("allows acme's patch, and /proc/cmdline really changes", async () => {
    const before = (await lab.vm.exec('cat /proc/cmdline')).stdout;
    const r = await patchwise(lab, `gate load ${ko('acme_cmdline')} -c ${config} --patch-dir ${lab.modules}`);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("'acme_cmdline' is live");
    expect((await lab.vm.exec('cat /proc/cmdline')).stdout).toBe('acme_cmdline: patched\n');
    expect(before).not.toBe('acme_cmdline: patched\n');
    expect(await sysfsLines(lab)).toEqual(['func acme_cmdline/vmlinux/cmdline_proc_show,1', 'object acme_cmdline/vmlinux 1', 'patch acme_cmdline 1 0']);
    await statusMatchesSysfs();
  });

  it("refuses beta's patch of the same function, which is never inserted", async () => {
    const r = await patchwise(lab, `gate load ${ko('beta_cmdline')} -c ${config} --patch-dir ${lab.modules}`);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('function-vendor-mismatch');
    expect(await moduleLoaded(lab, 'beta_cmdline')).toBe(false);
    expect((await lab.vm.exec('cat /proc/cmdline')).stdout).toBe('acme_cmdline: patched\n');
    await statusMatchesSysfs();
  });

  it("allows acme's cumulative replace, and the replaced patch is gone", async () => {
    const r = await patchwise(lab, `gate load ${ko('acme_cumulative')} -c ${config} --patch-dir ${lab.modules}`);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("replaced: 'acme_cmdline' no longer installed");
    const lines = await sysfsLines(lab);
    expect(lines.filter((l) => l.startsWith('patch '))).toEqual(['patch acme_cumulative 1 0']);
    expect((await lab.vm.exec('cat /proc/cmdline')).stdout).toBe('acme_cumulative: patched\n');
    await statusMatchesSysfs();
    // The replaced patch's module is removable now: unload goes straight to rmmod.
    const unload = await patchwise(lab, `gate unload acme_cmdline -c ${config} --patch-dir ${lab.modules}`);
    expect(unload.status, unload.stdout + unload.stderr).toBe(0);
    expect(await moduleLoaded(lab, 'acme_cmdline')).toBe(false);
  });

  it('--dry-run decides and leaves the kernel as it was (whose own rmmod of an enabled patch fails with EAGAIN)', async () => {
    const rmmod = await lab.vm.exec('rmmod acme_cumulative');
    expect(rmmod.status).not.toBe(0);
    expect(rmmod.stdout + rmmod.stderr).toMatch(/Resource temporarily unavailable/);
    const r = await patchwise(lab, `gate disable acme_cumulative -c none --dry-run`);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('dry run: would write 0 to /sys/kernel/livepatch/acme_cumulative/enabled');
    expect(await moduleLoaded(lab, 'acme_cumulative')).toBe(true);
    await statusMatchesSysfs();
  });

  it('resolves a stalled unpatching transition by the transition policy (force at retry 3)', async () => {
    expect((await lab.vm.exec(`insmod ${lab.modules}/pw_target.ko`)).status).toBe(0);
    const load = await patchwise(lab, `gate load ${ko('acme_target_fix')} -c ${config} --patch-dir ${lab.modules}`);
    expect(load.status, load.stdout + load.stderr).toBe(0);
    // The patched pw_target_work() now sleeps in acme_target_fix's code until `hold` is cleared.
    expect((await lab.vm.exec('echo 1 > /sys/module/acme_target_fix/parameters/hold && sleep 1')).status).toBe(0);
    const r = await patchwise(lab, `gate disable acme_target_fix -c ${config} --patch-dir ${lab.modules} --timeout 30`);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/transition: 'acme_target_fix' unpatching, retry 1: \d+ tasks? pending \(.*pw_target/);
    expect(r.stdout).toContain("a policy asked to force the unpatching transition of 'acme_target_fix' at retry 3: write 1 to force");
    expect(r.stdout).toContain("'acme_target_fix' unpatched (unpatching complete, forced)");
    expect((await sysfsLines(lab)).some((l) => l.includes('acme_target_fix'))).toBe(false);
    await statusMatchesSysfs();
    // Forced unpatching pins the module until reboot: the kernel says EAGAIN, the gate says why.
    await lab.vm.exec('echo 0 > /sys/module/acme_target_fix/parameters/hold');
    const unload = await patchwise(lab, `gate unload acme_target_fix -c ${config}`);
    expect(unload.status).toBe(1);
    expect(unload.stderr).toContain("kernel error unload 'acme_target_fix': EAGAIN (Resource temporarily unavailable): the patch is still enabled (or a forced transition pinned its module until reboot)");
    expect(await moduleLoaded(lab, 'acme_target_fix')).toBe(true);
  });
});
