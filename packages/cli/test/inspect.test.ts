import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli, shown, STACK, tempPath } from './support.js';

/** The .ko fixtures of @patchwise/kmod: our kernel/modules sources built for Debian 6.1 and 6.12. */
const KO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'kmod', 'test', 'fixtures');
const ko = (series: string, variant: string, name: string) => join(KO, series, variant, `${name}.ko`);
const cert = (series: string) => join(KO, series, 'signing_cert.pem');

/** Bad input: exit 2, one error line naming the file, the reason, no stack. */
function expectBadInput(run: { code: number; stderr: string; stdout: string }, file: string, reason: RegExp): void {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  const errors = run.stderr.split('\n').filter((l) => l.startsWith('error'));
  expect(errors, run.stderr).toHaveLength(1);
  expect(errors[0]).toContain(shown(file));
  expect(errors[0]).toMatch(reason);
  expect(run.stderr).not.toMatch(STACK);
}

describe.each(['6.1', '6.12'])('inspect, modules built for %s', (series) => {
  it('--format json: name, vermagic, livepatch, replace, objects, states, modinfo, signature', async () => {
    const run = await cli(['inspect', ko(series, 'signed', 'acme_cumulative'), '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(record).toMatchObject({
      name: 'acme_cumulative',
      livepatch: true,
      replace: true,
      objects: [
        {
          name: 'vmlinux',
          functions: [
            { name: 'cmdline_proc_show', sympos: 0 },
            { name: 'version_proc_show', sympos: 0 },
          ],
        },
      ],
      states: [
        { id: 1, version: 2 },
        { id: 7, version: 1 },
      ],
      modinfo: { livepatch: 'Y', name: 'acme_cumulative', patchwise_vendor: 'acme', patchwise_replace_set: 'acme' },
      signature: { type: 'PKCS#7', signer: 'patchwise throwaway module signing key', hashAlgorithm: 'sha256' },
      manifest: { name: 'acme_cumulative', vendor: 'acme', version: '1.1.0', replace: true, tags: ['security', 'cmdline', 'cumulative', 'replace-set:acme'] },
    });
    expect(record.vermagic).toMatch(new RegExp(`^${series.replace('.', '\\.')}\\.`));
  });

  it('text: the objects with their functions and sympos, callbacks, metadata', async () => {
    const run = await cli(['inspect', ko(series, 'nodebug', 'acme_callbacks')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^acme_callbacks {2}livepatch module/);
    expect(run.stdout).toMatch(/objects +vmlinux {2}callbacks: pre_patch, post_patch, pre_unpatch, post_unpatch\n +loadavg_proc_show → acme_callbacks_loadavg_show\n/);
    expect(run.stdout).toMatch(/ pw_target {2}callbacks: pre_patch, post_unpatch\n +pw_target_step,1 → acme_callbacks_step\n/);
    expect(run.stdout).toMatch(/metadata +vendor acme; version 0\.1\.0; tags callbacks\n/);
    expect(run.stdout).toMatch(/signature +none\n/);
  });

  it('--cert: 0 when the signature verifies, 1 with another key or no signature', async () => {
    const ok = await cli(['inspect', ko(series, 'signed', 'acme_cmdline'), '--cert', cert(series)]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/verified: signed by patchwise throwaway module signing key/);
    const other = await cli(['inspect', ko(series, 'signed', 'acme_cmdline'), '--cert', cert(series === '6.1' ? '6.12' : '6.1')]);
    expect(other.code).toBe(1);
    expect(other.stdout).toMatch(/NOT verified: signed by patchwise throwaway module signing key \(key [0-9A-F:]+\), not by the certificate given/);
    const unsigned = await cli(['inspect', ko(series, 'nodebug', 'acme_cmdline'), '--cert', cert(series), '--format', 'json']);
    expect(unsigned.code).toBe(1);
    expect(JSON.parse(unsigned.stdout)).toMatchObject({ signature: null });
  });
});

describe('inspect: a sidecar manifest must say what the module patches', () => {
  it('0 when it matches, 1 naming each difference when it does not', async () => {
    const good = tempPath('acme_cmdline.yaml');
    writeFileSync(good, 'name: acme_cmdline\nvendor: acme\nfunctions: [cmdline_proc_show]\nstates: [{id: 1, version: 1}]\n');
    const ok = await cli(['inspect', ko('6.1', 'signed', 'acme_cmdline'), '--manifest', good]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain('matches the module');
    const bad = tempPath('acme_cmdline.yaml');
    writeFileSync(bad, 'name: acme_cmdline\nvendor: beta\nfunctions: [cmdline_proc_show, meminfo_proc_show]\nstates: [{id: 1, version: 1}]\n');
    const run = await cli(['inspect', ko('6.1', 'signed', 'acme_cmdline'), '--manifest', bad, '--format', 'json']);
    expect(run.code).toBe(1);
    const record = JSON.parse(run.stdout) as { sidecar: { matches: boolean; mismatches: { field: string }[] } };
    expect(record.sidecar.matches).toBe(false);
    expect(record.sidecar.mismatches.map((m) => m.field)).toEqual(['functions', 'vendor']);
  });
});

describe('inspect: bad input is exit 2 with the reason', () => {
  it('not ELF', async () => {
    const file = tempPath('notes.ko');
    writeFileSync(file, 'not a module\n');
    expectBadInput(await cli(['inspect', file]), file, /not an ELF file/);
  });

  it('another architecture', async () => {
    const file = tempPath('arm.ko');
    const bytes = readFileSync(ko('6.1', 'nodebug', 'acme_cmdline'));
    bytes[18] = 183; // e_machine: EM_AARCH64
    writeFileSync(file, bytes);
    expectBadInput(await cli(['inspect', file]), file, /AArch64.*only x86_64/);
  });

  it('not a livepatch module', async () => {
    const file = ko('6.12', 'nodebug', 'pw_target');
    expectBadInput(await cli(['inspect', file]), file, /no `livepatch=Y`/);
  });

  it('not a module (an executable), a truncated module, a missing file, a folder', async () => {
    const exec = tempPath('exec.ko');
    const elf = readFileSync(ko('6.1', 'nodebug', 'acme_cmdline'));
    elf[16] = 2; // e_type: ET_EXEC
    writeFileSync(exec, elf);
    expectBadInput(await cli(['inspect', exec]), exec, /not a relocatable object/);
    const cut = tempPath('cut.ko');
    const bytes = readFileSync(ko('6.1', 'nodebug', 'acme_cmdline'));
    writeFileSync(cut, bytes.subarray(0, bytes.length - 200));
    expectBadInput(await cli(['inspect', cut]), cut, /past the end/);
    const missing = tempPath('missing.ko');
    expectBadInput(await cli(['inspect', missing]), missing, /no such file/);
    expectBadInput(await cli(['inspect', KO]), KO, /not a regular file/);
  });

  it('a certificate that is not one', async () => {
    const bad = tempPath('cert.pem');
    writeFileSync(bad, 'hello\n');
    expectBadInput(await cli(['inspect', ko('6.1', 'signed', 'acme_cmdline'), '--cert', bad]), bad, /not an X\.509 certificate/);
  });
});
