import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { realKernelUnavailable } from '@patchwise/qemu';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = join(ROOT, 'packages/cli/bin/patchwise.cjs');
const unavailable = await realKernelUnavailable();
const inCi = process.env['CI'] === 'true';
if (unavailable && !inCi) console.warn(`replay --vm tests skipped: ${unavailable}`);

function patchwise(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args, '--no-color'], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

// Every bundled case on the real kernels: applicable ones must pass byte for byte.
describe.skipIf(unavailable && !inCi).each(['6.1', '6.12'])('patchwise replay --vm --kernel %s --check', (series) => {
  it('passes every applicable case and names why the others do not apply', async () => {
    const t = Date.now();
    const r = await patchwise(['replay', '--vm', '--kernel', series, '--check']);
    console.log(`${series}: ${r.stdout.trim().split('\n').at(-1)} in ${Math.round((Date.now() - t) / 1000)} s\n${r.stderr}`);
    expect(r.stdout).toMatch(/^\d+ passed, 0 failed, \d+ not applicable$/m);
    expect(r.stdout).not.toMatch(/^FAIL/m);
    for (const line of r.stdout.split('\n').filter((l) => l.startsWith('n/a'))) expect(line).toMatch(/^n\/a {2}\S+: .{10,}/);
    expect(r.status).toBe(0);
  });

  it("passes the cases written from real-kernel observations (refused writes with their errno, time passing)", async () => {
    const r = await patchwise(['replay', '--vm', '--kernel', series, '--check', join(ROOT, 'packages/cli/test-kernel/cases')]);
    expect(r.stdout).toMatch(/^1 passed, 0 failed, 0 not applicable$/m);
    expect(r.status).toBe(0);
  });
});
