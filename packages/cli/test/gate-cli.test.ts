/**
 * `patchwise gate` and `check --system` from the command line: exit codes and one clear message for
 * bad input (hostile trees, bad flags, files that are not modules), no stack trace.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { materializeFixture, type MaterializedFixture } from '@patchwise/qemu';
import { cli, fx, STACK, tempPath } from './support.js';

const SYSFS_FIXTURES = join(fx('.'), '../../../../fixtures/sysfs');
const opened: MaterializedFixture[] = [];
afterAll(async () => {
  for (const f of opened) await f.cleanup();
});

/** A copy of the tree captured on the real 6.1 kernel with acme_cmdline enabled. */
async function installed(): Promise<string> {
  const fixture = await materializeFixture(join(SYSFS_FIXTURES, '6.1/acme-cmdline'));
  opened.push(fixture);
  return fixture.root;
}

function tree(files: Record<string, string>): string {
  const root = tempPath('system');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    if (!path.endsWith('/')) writeFileSync(join(root, path), text);
    else mkdirSync(join(root, path), { recursive: true });
  }
  return root;
}

function expectBadInput(r: { code: number; stderr: string }, text: string) {
  expect(r.code).toBe(2);
  expect(r.stderr.split('\n').filter((l) => l.startsWith('error'))).toHaveLength(1);
  expect(r.stderr).toContain(text);
  expect(r.stderr).not.toMatch(STACK);
}

describe('gate status --system', () => {
  it('prints what the tree shows; json is one object', async () => {
    const root = await installed();
    const release = readFileSync(join(root, 'proc/sys/kernel/osrelease'), 'utf8').trim();
    const text = await cli(['gate', 'status', '--system', root]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`kernel ${release}\nInstalled patches (oldest first):\n  acme_cmdline [enabled] replace: ?\n    vmlinux: cmdline_proc_show,1\n`);
    const json = await cli(['gate', 'status', '--system', root, '--format', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ release, patches: [{ name: 'acme_cmdline', enabled: true, replace: null, vendor: null }] });
  });

  it('a FIFO in the tree: exit 2, one message naming the place', async () => {
    const root = await installed();
    execFileSync('rm', [join(root, 'sys/kernel/livepatch/acme_cmdline/enabled')]);
    execFileSync('mkfifo', [join(root, 'sys/kernel/livepatch/acme_cmdline/enabled')]);
    expectBadInput(await cli(['gate', 'status', '--system', root]), '/sys/kernel/livepatch/acme_cmdline/enabled: is a FIFO, expected a regular file');
  });
});

describe('gate load / check with bad input', () => {
  it('a manifest is not a module: exit 2 with the reason', async () => {
    const root = await installed();
    expectBadInput(await cli(['gate', 'load', fx('patches/acme-fix.ko.yaml.ko'), '--system', root, '-c', 'none']), 'cannot read the module: no such file');
    const notElf = tempPath('not-elf.ko');
    writeFileSync(notElf, 'name: acme\n');
    expectBadInput(await cli(['gate', 'load', notElf, '--system', root, '-c', 'none']), 'not an ELF file');
  });

  it('a FIFO given as the module is refused, not read forever', async () => {
    const fifo = tempPath('fifo.ko');
    execFileSync('mkfifo', [fifo]);
    expectBadInput(await cli(['gate', 'load', fifo, '--system', await installed(), '-c', 'none']), 'is not a regular file');
  });

  it('a kernel without livepatch: exit 2', async () => {
    const notElf = tempPath('x.ko');
    writeFileSync(notElf, '');
    expectBadInput(await cli(['gate', 'disable', 'acme_cmdline', '--system', tree({ 'proc/modules': '' }), '-c', 'none']), 'this kernel has no /sys/kernel/livepatch');
  });

  it('--timeout must be a number of seconds', async () => {
    expectBadInput(await cli(['gate', 'disable', 'acme_cmdline', '--system', await installed(), '-c', 'none', '--timeout', 'soon']), '`--timeout soon` is not a number of seconds');
  });

  it('--state and --system together: exit 2', async () => {
    expectBadInput(await cli(['check', fx('patches/beta-fix.yaml'), '--system', await installed(), '--state', fx('patches/acme-fix.yaml')]), '`--state` and `--system` both give the installed state');
  });

  it('an unknown gate verb: exit 2', async () => {
    expect((await cli(['gate', 'lod', 'x.ko'])).code).toBe(2);
  });
});

describe('check --system', () => {
  it('decides against the installed patches the tree shows', async () => {
    const r = await cli(['check', fx('patches/acme-other.yaml'), '--system', await installed(), '-c', 'none', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("note: not known: the metadata of 'acme_cmdline' (vendor, version, states, replace (taken as not)): its module is not in the patch directory");
  });

  it('the kernel refuses what it would refuse: a second module of one name', async () => {
    const r = await cli(['check', fx('real/acme_cmdline.yaml'), '--system', await installed(), '-c', 'none']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("kernel/already-loaded  module 'acme_cmdline' is already loaded");
  });
});
