import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { materializeFixture, parseCapture, writeCapture } from '@patchwise/qemu';
import { mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';

describe('parseCapture', () => {
  it('reads folders, links, files (base64) and unreadable files', () => {
    const text = [
      'D|755|/sys/kernel/livepatch/p',
      'D|755|/sys/kernel/livepatch/p/vmlinux/cmdline_proc_show,1',
      'F|644|/sys/kernel/livepatch/p/enabled|MQo=',
      'F|444|/proc/sys/kernel/tainted|',
      'L|777|/sys/module/t/holders/p|../../p',
      'E|200|/sys/kernel/livepatch/p/force|base64: /sys/kernel/livepatch/p/force: Permission denied',
      '',
    ].join('\n');
    expect(parseCapture(text)).toEqual([
      { kind: 'dir', mode: '755', path: '/sys/kernel/livepatch/p' },
      { kind: 'dir', mode: '755', path: '/sys/kernel/livepatch/p/vmlinux/cmdline_proc_show,1' },
      { kind: 'file', mode: '644', path: '/sys/kernel/livepatch/p/enabled', content: Buffer.from('1\n') },
      { kind: 'file', mode: '444', path: '/proc/sys/kernel/tainted', content: Buffer.alloc(0) },
      { kind: 'link', mode: '777', path: '/sys/module/t/holders/p', target: '../../p' },
      { kind: 'unreadable', mode: '200', path: '/sys/kernel/livepatch/p/force', error: 'base64: /sys/kernel/livepatch/p/force: Permission denied' },
    ]);
  });
  it('reads a one-line file the shell read itself as that line and its newline', () => {
    expect(parseCapture('T|644|/sys/kernel/livepatch/p/transition|0\nT|444|/proc/sys/kernel/osrelease|6.12.95+deb12-amd64\n')).toEqual([
      { kind: 'file', mode: '644', path: '/sys/kernel/livepatch/p/transition', content: Buffer.from('0\n') },
      { kind: 'file', mode: '444', path: '/proc/sys/kernel/osrelease', content: Buffer.from('6.12.95+deb12-amd64\n') },
    ]);
  });
  it('refuses a line it does not know', () => {
    expect(() => parseCapture('X|1|/a\n')).toThrow(/unreadable capture line: "X\|1\|\/a"/);
    expect(() => parseCapture('garbage\n')).toThrow(/unreadable capture line/);
  });
});

describe('writeCapture', () => {
  it('recreates folders, files, links and unreadable files under a root, refusing paths that leave it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'patchwise-capture-test-'));
    try {
      await writeCapture(parseCapture('D|755|/sys/kernel/livepatch/p\nT|644|/sys/kernel/livepatch/p/enabled|1\nE|200|/sys/kernel/livepatch/p/force|denied\nL|777|/sys/module/p/holders/x|../../x\n'), root);
      expect(await readFile(join(root, 'sys/kernel/livepatch/p/enabled'), 'utf8')).toBe('1\n');
      expect(await readFile(join(root, 'sys/kernel/livepatch/p/force'), 'utf8')).toBe('');
      expect(await readlink(join(root, 'sys/module/p/holders/x'))).toBe('../../x');
      await expect(writeCapture(parseCapture('T|644|/sys/../../etc/x|1\n'), root)).rejects.toThrow(/must not contain empty, '.' or '..' parts/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

// The fixtures captured from the real kernels by scripts/capture-sysfs-fixtures.mjs.
const FIXTURES = join(import.meta.dirname, '../../../fixtures/sysfs');

describe.each(['6.1', '6.12'])('the captured %s fixtures', (series) => {
  it('materialize with their empty function folders and without CAPTURE.json', async () => {
    const fx = await materializeFixture(join(FIXTURES, series, 'acme-cmdline'));
    try {
      expect(fx.capture.kernel.release.startsWith(`${series}.`)).toBe(true);
      const fn = join(fx.root, 'sys/kernel/livepatch/acme_cmdline/vmlinux/cmdline_proc_show,1');
      expect((await stat(fn)).isDirectory()).toBe(true);
      expect(await readdir(fn)).toEqual([]);
      expect(existsSync(join(fx.root, 'CAPTURE.json'))).toBe(false);
      expect(await readFile(join(fx.root, 'sys/kernel/livepatch/acme_cmdline/enabled'), 'utf8')).toBe('1\n');
      expect(await readFile(join(fx.root, 'proc/sys/kernel/osrelease'), 'utf8')).toBe(`${fx.capture.kernel.release}\n`);
    } finally {
      await fx.cleanup();
    }
    expect(existsSync(fx.root)).toBe(false);
  });

  it('hold a stalled unpatching transition as the kernel showed it, and its write-only force file', async () => {
    const fx = await materializeFixture(join(FIXTURES, series, 'stalled-unpatching'));
    try {
      const lp = join(fx.root, 'sys/kernel/livepatch/acme_target_fix');
      expect(await readFile(join(lp, 'enabled'), 'utf8')).toBe('0\n');
      expect(await readFile(join(lp, 'transition'), 'utf8')).toBe('1\n');
      expect(fx.capture.unreadable['/sys/kernel/livepatch/acme_target_fix/force']).toMatch(/Permission denied/);
      expect(existsSync(join(lp, 'replace'))).toBe(series === '6.12');
      const states = fx.capture.modes;
      expect(Object.keys(states).some((p) => /^\/proc\/\d+\/patch_state$/.test(p))).toBe(true);
    } finally {
      await fx.cleanup();
    }
  });
});
