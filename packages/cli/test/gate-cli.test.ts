/**
 * `patchwise gate` and `check --system` from the command line: exit codes and one clear message for
 * bad input (hostile trees, bad flags, files that are not modules), no stack trace.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, fx, STACK, tempPath } from './support.js';

function tree(files: Record<string, string>): string {
  const root = tempPath('system');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    if (!path.endsWith('/')) writeFileSync(join(root, path), text);
    else mkdirSync(join(root, path), { recursive: true });
  }
  return root;
}

const INSTALLED = {
  'proc/sys/kernel/osrelease': '6.1.0-28-amd64\n',
  'proc/modules': 'acme_fix 16384 1 - Live 0x0000000000000000 (OEK)\n',
  'sys/kernel/livepatch/acme_fix/enabled': '1\n',
  'sys/kernel/livepatch/acme_fix/transition': '0\n',
  'sys/kernel/livepatch/acme_fix/vmlinux/patched': '1\n',
  'sys/kernel/livepatch/acme_fix/vmlinux/cmdline_proc_show,1/': '',
};

function expectBadInput(r: { code: number; stderr: string }, text: string) {
  expect(r.code).toBe(2);
  expect(r.stderr.split('\n').filter((l) => l.startsWith('error'))).toHaveLength(1);
  expect(r.stderr).toContain(text);
  expect(r.stderr).not.toMatch(STACK);
}

describe('gate status --system', () => {
  it('prints what the tree shows; json is one object', async () => {
    const root = tree(INSTALLED);
    const text = await cli(['gate', 'status', '--system', root]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('kernel 6.1.0-28-amd64\nInstalled patches (oldest first):\n  acme_fix [enabled] replace: ?\n    vmlinux: cmdline_proc_show,1\n');
    const json = await cli(['gate', 'status', '--system', root, '--format', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ release: '6.1.0-28-amd64', patches: [{ name: 'acme_fix', enabled: true, replace: null, vendor: null }] });
  });

  it('a FIFO in the tree: exit 2, one message naming the place', async () => {
    const root = tree(INSTALLED);
    execFileSync('rm', [join(root, 'sys/kernel/livepatch/acme_fix/enabled')]);
    execFileSync('mkfifo', [join(root, 'sys/kernel/livepatch/acme_fix/enabled')]);
    expectBadInput(await cli(['gate', 'status', '--system', root]), '/sys/kernel/livepatch/acme_fix/enabled: is a FIFO, expected a regular file');
  });
});

describe('gate load / check with bad input', () => {
  it('a manifest is not a module: exit 2 with the reason', async () => {
    const root = tree(INSTALLED);
    expectBadInput(await cli(['gate', 'load', fx('patches/acme-fix.ko.yaml.ko'), '--system', root, '-c', 'none']), 'cannot open the module');
    const notElf = tempPath('not-elf.ko');
    writeFileSync(notElf, 'name: acme\n');
    expectBadInput(await cli(['gate', 'load', notElf, '--system', root, '-c', 'none']), 'not an ELF file');
  });

  it('a FIFO given as the module is refused, not read forever', async () => {
    const fifo = tempPath('fifo.ko');
    execFileSync('mkfifo', [fifo]);
    expectBadInput(await cli(['gate', 'load', fifo, '--system', tree(INSTALLED), '-c', 'none']), 'not a regular file');
  });

  it('a kernel without livepatch: exit 2', async () => {
    const notElf = tempPath('x.ko');
    writeFileSync(notElf, '');
    expectBadInput(await cli(['gate', 'disable', 'acme_fix', '--system', tree({ 'proc/modules': '' }), '-c', 'none']), 'this kernel has no /sys/kernel/livepatch');
  });

  it('--timeout must be a number of seconds', async () => {
    expectBadInput(await cli(['gate', 'disable', 'acme_fix', '--system', tree(INSTALLED), '-c', 'none', '--timeout', 'soon']), '`--timeout soon` is not a number of seconds');
  });

  it('--state and --system together: exit 2', async () => {
    expectBadInput(await cli(['check', fx('patches/beta-fix.yaml'), '--system', tree(INSTALLED), '--state', fx('patches/acme-fix.yaml')]), '`--state` and `--system` both give the installed state');
  });

  it('an unknown gate verb: exit 2', async () => {
    expect((await cli(['gate', 'lod', 'x.ko'])).code).toBe(2);
  });
});

describe('check --system', () => {
  it('decides against the installed patches the tree shows', async () => {
    const r = await cli(['check', fx('patches/acme-other.yaml'), '--system', tree(INSTALLED), '-c', 'none', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("note: not known: the metadata of 'acme_fix' (vendor, version, states, replace (taken as not)): its module is not in the patch directory");
  });

  it('the kernel refuses what it would refuse: a second module of one name', async () => {
    const r = await cli(['check', fx('patches/acme-fix.yaml'), '--system', tree(INSTALLED), '-c', 'none']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('kernel/');
  });
});
