import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSystem, SysfsError } from '@patchwise/sysfs';
import { tempRoot, writeTree } from './tree.js';

const LP = 'sys/kernel/livepatch';
let root: string;
let cleanup: () => void;

beforeEach(() => {
  ({ root, cleanup } = tempRoot());
  writeTree(root, {
    'proc/sys/kernel/osrelease': '6.1.0-28-amd64\n',
    'proc/modules': 'p1 16384 1 - Live 0x0000000000000000 (OEK)\n',
    [`${LP}/p1/enabled`]: '1\n',
    [`${LP}/p1/transition`]: '0\n',
    [`${LP}/p1/vmlinux/patched`]: '1\n',
    [`${LP}/p1/vmlinux/cmdline_proc_show,1/`]: '',
  });
});
afterEach(() => cleanup());

function failure(limits = {}): SysfsError {
  try {
    readSystem(root, limits);
  } catch (err) {
    if (err instanceof SysfsError) return err;
    throw err;
  }
  throw new Error('readSystem accepted a hostile tree');
}

describe('a hostile system tree gets one clear error, never a hang or a huge read', () => {
  it('reads the intact tree', () => {
    expect(readSystem(root).patches.map((p) => p.name)).toEqual(['p1']);
  });

  it('a symbolic link loop where the livepatch directory should be', () => {
    cleanup();
    ({ root, cleanup } = tempRoot());
    mkdirSync(join(root, 'sys/kernel'), { recursive: true });
    symlinkSync('livepatch', join(root, LP));
    const err = failure();
    expect(err.code).toBe('PW_SYSFS_NOT_DIR');
    expect(err.message).toContain('/sys/kernel/livepatch: is a symbolic link, expected a directory');
  });

  it('a link to elsewhere as an attribute is not followed', () => {
    writeFileSync(join(root, 'secret'), '1\n');
    execFileSync('rm', [join(root, LP, 'p1/enabled')]);
    symlinkSync(join(root, 'secret'), join(root, LP, 'p1/enabled'));
    const err = failure();
    expect(err.code).toBe('PW_SYSFS_LINK');
    expect(err.file).toBe('/sys/kernel/livepatch/p1/enabled');
  });

  it('a patch that is a link to a directory', () => {
    symlinkSync(join(root, LP, 'p1'), join(root, LP, 'p2'));
    expect(failure().message).toContain('/sys/kernel/livepatch/p2: is not a directory');
  });

  it('a FIFO as an attribute is refused without blocking', () => {
    execFileSync('rm', [join(root, LP, 'p1/transition')]);
    execFileSync('mkfifo', [join(root, LP, 'p1/transition')]);
    const err = failure();
    expect(err.code).toBe('PW_SYSFS_NOT_FILE');
    expect(err.message).toContain('is a FIFO, expected a regular file');
  });

  it('a huge file is refused after a bounded read', () => {
    truncateSync(join(root, LP, 'p1/enabled'), 1 << 30);
    const err = failure();
    expect(err.code).toBe('PW_SYSFS_TOO_BIG');
    expect(err.message).toContain('larger than 4096 bytes');
  });

  it('a huge /proc/modules is refused', () => {
    truncateSync(join(root, 'proc/modules'), 1 << 24);
    expect(failure().code).toBe('PW_SYSFS_TOO_BIG');
  });

  it('a bad patch name, escaped in the message', () => {
    mkdirSync(join(root, LP, 'bad\nname'));
    const err = failure();
    expect(err.code).toBe('PW_SYSFS_BAD_NAME');
    expect(err.message).toContain('`bad\\nname` is not a patch name');
  });

  it('a function directory without a position', () => {
    mkdirSync(join(root, LP, 'p1/vmlinux/cmdline_proc_show'));
    expect(failure().message).toContain('`cmdline_proc_show` is not a function directory (`NAME,POS`)');
  });

  it('an object name with a path in it', () => {
    mkdirSync(join(root, LP, 'p1/..x'));
    expect(failure().code).toBe('PW_SYSFS_BAD_NAME');
  });

  it('a value that is neither 0 nor 1', () => {
    writeFileSync(join(root, LP, 'p1/enabled'), 'yes\n');
    expect(failure().message).toContain('/sys/kernel/livepatch/p1/enabled: holds `yes`, expected 0 or 1');
  });

  it('a missing required attribute', () => {
    execFileSync('rm', [join(root, LP, 'p1/vmlinux/patched')]);
    expect(failure().code).toBe('PW_SYSFS_MISSING');
  });

  it('a malformed /proc/modules line names its line', () => {
    writeFileSync(join(root, 'proc/modules'), 'p1 16384 1 - Live 0x0 (OEK)\nrm -rf /\n');
    expect(failure().message).toContain('/proc/modules:2: `rm -rf /` is not a module line');
  });

  it('a module listed twice', () => {
    writeFileSync(join(root, 'proc/modules'), 'p1 1 1 - Live 0x0\np1 1 1 - Live 0x0\n');
    expect(failure().message).toContain("module `p1` is listed twice");
  });

  it('a directory with too many entries', () => {
    const dir = join(root, LP, 'p1/vmlinux');
    for (let i = 0; i < 40; i++) writeFileSync(join(dir, `f${i}`), '');
    const err = failure({ dir: 32 });
    expect(err.code).toBe('PW_SYSFS_TOO_MANY');
    expect(err.message).toContain('/sys/kernel/livepatch/p1/vmlinux: holds more than 32 entries');
  });

  it('a kernel release with a newline inside', () => {
    writeFileSync(join(root, 'proc/sys/kernel/osrelease'), '6.1\nx');
    expect(failure().code).toBe('PW_SYSFS_BAD_VALUE');
  });
});
