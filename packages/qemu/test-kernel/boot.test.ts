import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootGuest, KERNEL_SERIES, realKernelUnavailable } from '@patchwise/qemu';
import type { Guest } from '@patchwise/qemu';

const unavailable = await realKernelUnavailable();
const inCi = process.env['CI'] === 'true';
if (unavailable && !inCi) console.warn(`real-kernel boot tests skipped: ${unavailable}`);

if (unavailable && inCi) {
  describe('real kernel in CI', () => {
    it('has QEMU and the tools to boot a kernel', () => {
      expect.fail(`CI must run the real-kernel suite, but ${unavailable}`);
    });
  });
}

describe.skipIf(unavailable).each(KERNEL_SERIES)('a guest running Debian %s', (series) => {
  let vm: Guest;
  beforeAll(async () => {
    vm = await bootGuest({ kernel: series, payload: [{ path: '/pw/data/hello.txt', data: 'hello from the host\n', mode: 0o600 }] });
    console.log(`${series}: booted ${vm.kernel.release} in ${vm.bootMs} ms`);
  });
  afterAll(async () => {
    await vm?.close();
  });

  it('runs the downloaded kernel and reports status, stdout and stderr apart', async () => {
    const r = await vm.exec('uname -r; echo to-stderr >&2; exit 7');
    expect(r).toEqual({ status: 7, stdout: `${vm.kernel.release}\n`, stderr: 'to-stderr\n' });
    expect(vm.kernel.release.startsWith(`${series}.`)).toBe(true);
  });

  it('carries the payload with its mode', async () => {
    expect(await vm.exec('cat /pw/data/hello.txt; stat -c %a /pw/data/hello.txt')).toMatchObject({ status: 0, stdout: 'hello from the host\n600\n' });
  });

  it('has livepatch and its pr_debug lines enabled, as the selftests set them', async () => {
    expect((await vm.exec('test -d /sys/kernel/livepatch')).status).toBe(0);
    const control = await vm.exec('grep "kernel/livepatch/" /sys/kernel/debug/dynamic_debug/control');
    expect(control.stdout).toMatch(/kernel\/livepatch\/\S+:\d+ \[livepatch\]\S+ =p /);
  });

  it('writes a file byte for byte, quotes and all', async () => {
    const text = `a'b"c$HOME\\n\n`.repeat(400);
    await vm.writeFile('/tmp/w/file.txt', text);
    const r = await vm.exec('md5sum /tmp/w/file.txt');
    const { createHash } = await import('node:crypto');
    expect(r.stdout.split(' ')[0]).toBe(createHash('md5').update(text).digest('hex'));
  });

  it('reads the kernel log, and clears it', async () => {
    await vm.exec('echo "patchwise-marker-$((6*7))" > /dev/kmsg');
    expect(await vm.dmesg({ clear: true })).toMatch(/patchwise-marker-42/);
    expect(await vm.dmesg()).not.toMatch(/patchwise-marker-42/);
  });
});

describe.skipIf(unavailable)('a guest running the host root', () => {
  it('runs the host node in a chroot, with /proc and /sys of the guest and busybox insmod on PATH', async () => {
    const vm = await bootGuest({ kernel: '6.1', hostRoot: true, payload: [{ path: '/pw/p.txt', data: 'payload' }] });
    try {
      const r = await vm.exec('node -e "process.stdout.write(process.version)"; echo; uname -r; command -v insmod; cat /pw/p.txt');
      expect(r.stderr).toBe('');
      expect(r.stdout.split('\n')).toEqual([process.version, vm.kernel.release, expect.stringMatching(/insmod$/), 'payload']);
      expect((await vm.exec('test -f /proc/modules && test -d /sys/kernel/livepatch')).status).toBe(0);
      // The host root is read-only underneath; writes land in the guest's overlay.
      expect((await vm.exec('touch /etc/patchwise-guest-write && test -f /etc/patchwise-guest-write')).status).toBe(0);
    } finally {
      await vm.close();
    }
  });
});

describe.skipIf(unavailable)('timeouts', () => {
  it('stops the guest and shows the console when a command hangs', async () => {
    const vm = await bootGuest({ kernel: '6.1' });
    try {
      await expect(vm.exec('echo about-to-hang > /dev/kmsg; sleep 600', { timeoutMs: 3000 })).rejects.toThrow(/no answer to "echo about-to-hang.*within 3 s; the guest was stopped\nlast console lines:/s);
      await expect(vm.exec('true')).rejects.toThrow(/no answer/);
    } finally {
      await vm.close();
    }
  });
});
