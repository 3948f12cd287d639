import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appletLinks, buildArchive, checkGuestPath, INIT_SCRIPT, settingsFile } from '@patchwise/qemu';

function hasTool(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Outside CI a machine without cpio skips these (setup-real-kernel.sh installs it); in CI they must run.
const noCpio = !hasTool('cpio') && process.env['CI'] !== 'true';
if (noCpio) console.warn('initramfs tests skipped: `cpio` is not installed (scripts/setup-real-kernel.sh installs it)');

/** `cpio -tv` of an archive: "mode owner group ... name" lines. */
function listing(gz: Buffer): string[] {
  return execFileSync('cpio', ['-tv', '--quiet'], { input: gunzipSync(gz) }).toString('utf8').trim().split('\n');
}

function newcNames(raw: Buffer): string[] {
  const names: string[] = [];
  let at = 0;
  const align = (n: number) => (n + 3) & ~3;
  while (at < raw.length) {
    if (raw[at] === 0) {
      at++;
      continue;
    }
    expect(raw.subarray(at, at + 6).toString()).toBe('070701');
    const field = (i: number) => parseInt(raw.subarray(at + 6 + i * 8, at + 14 + i * 8).toString(), 16);
    const fileSize = field(6);
    const nameSize = field(11);
    names.push(raw.subarray(at + 110, at + 110 + nameSize - 1).toString());
    at = align(align(at + 110 + nameSize) + fileSize);
  }
  return names;
}

describe.skipIf(noCpio)('buildArchive', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qemu-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('packs files, folders and symlinks as root-owned newc entries with their modes, parents first', async () => {
    const source = join(dir, 'mod.ko');
    await writeFile(source, 'ELF...');
    const gz = await buildArchive([
      { path: '/init', data: '#!/bin/sh\n', mode: 0o755 },
      { path: '/lib/pw/mod.ko', source },
      { path: '/bin/sh', symlink: '/bin/busybox' },
      { path: '/proc', dir: true },
    ]);
    expect(gz.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const raw = gunzipSync(gz);
    expect(raw.subarray(0, 6).toString()).toBe('070701');
    const lines = listing(gz);
    const names = lines.map((l) => l.split(/\s+/).slice(8).join(' '));
    expect(names).toEqual(['bin', 'bin/sh -> /bin/busybox', 'init', 'lib', 'lib/pw', 'lib/pw/mod.ko', 'proc']);
    for (const l of lines) expect(l.split(/\s+/).slice(2, 4)).toEqual(['root', 'root']);
    expect(lines.find((l) => l.endsWith(' init'))!.startsWith('-rwxr-xr-x')).toBe(true);
    expect(lines.find((l) => l.endsWith('mod.ko'))!.startsWith('-rw-r--r--')).toBe(true);
    const extracted = execFileSync('cpio', ['-i', '--quiet', '--to-stdout', 'lib/pw/mod.ko'], { input: raw }).toString();
    expect(extracted).toBe('ELF...');
  });

  it('makes archives that concatenate: the kernel reads past the first trailer', async () => {
    const a = await buildArchive([{ path: '/a', data: 'A' }]);
    const b = await buildArchive([{ path: '/b/c', data: 'C' }]);
    // gunzip reads concatenated members like the kernel's unpacker; cpio -t stops at the first
    // trailer, so walk the newc headers as the kernel does (init/initramfs.c skips zero padding).
    expect(newcNames(gunzipSync(Buffer.concat([a, b])))).toEqual(['a', 'TRAILER!!!', 'b', 'b/c', 'TRAILER!!!']);
  });

  it('refuses an entry without content', async () => {
    await expect(buildArchive([{ path: '/x' }])).rejects.toThrow(/payload file \/x has neither `data` nor `source`/);
  });
});

describe('checkGuestPath', () => {
  it.each(['relative/x', '/', '/a/../b', '/a//b', '/a/./b', '/a\nb', ''])('refuses %j', (p) => {
    expect(() => checkGuestPath(p)).toThrow(/payload path/);
  });
  it('accepts a plain absolute path', () => {
    expect(checkGuestPath('/lib/modules/x.ko')).toBe('/lib/modules/x.ko');
  });
});

describe('settingsFile', () => {
  it('quotes payload paths for the shell and writes the flags /init reads', () => {
    expect(settingsFile({ token: 'f00', share: true, hostRoot: false, payload: ["/a'b", '/c'] })).toBe(
      "PW_TOKEN=f00\nPW_SHARE=1\nPW_HOSTROOT=0\nPW_PAYLOAD='/a'\\''b\n/c'\n",
    );
  });
  it('refuses a token that is not alphanumeric', () => {
    expect(() => settingsFile({ token: 'a;b', share: false, hostRoot: false, payload: [] })).toThrow(/alphanumeric/);
  });
});

describe('/init', () => {
  it('mounts what the driver needs, enables the livepatch pr_debug lines and sends stdio to the console', () => {
    for (const line of [
      'mount -t devtmpfs devtmpfs /dev',
      'mount -t debugfs debugfs /sys/kernel/debug',
      'exec </dev/console >/dev/console 2>&1',
      "echo 'file kernel/livepatch/* +p' > /sys/kernel/debug/dynamic_debug/control",
      'stty raw -echo',
    ]) {
      expect(INIT_SCRIPT.split('\n').map((l) => l.trim())).toContain(line);
    }
  });
  it('is valid shell', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qemu-init-'));
    try {
      await writeFile(join(dir, 'init'), INIT_SCRIPT);
      expect(() => execFileSync('sh', ['-n', join(dir, 'init')])).not.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('appletLinks', () => {
  it('links each applet to /bin/busybox and drops busybox itself and odd names', () => {
    expect(appletLinks('bin/sh\nsbin/insmod\nbin/busybox\nusr/bin/[\n../etc/x\n\n')).toEqual([
      { path: '/bin/sh', symlink: '/bin/busybox' },
      { path: '/sbin/insmod', symlink: '/bin/busybox' },
      { path: '/usr/bin/[', symlink: '/bin/busybox' },
    ]);
  });
});
