import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CASES_DIR, caseFiles, EXTRA_CASES_DIR, OWN_CASES_DIR } from '@patchwise/kselftest';
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

const BUNDLED = [CASES_DIR, EXTRA_CASES_DIR, OWN_CASES_DIR].flatMap((dir) => caseFiles(dir)).length;

// What each Debian kernel lacks, case by case: a selftest module its linux-source package does not
// have yet, or a sysfs file added later (the commit is named in the reason). Every other bundled case
// must run and pass byte for byte.
const MISSING_MODULE = (m: string) => new RegExp(`^module ${m} is not in this kernel's source package$`);
const SYSFS = (file: string, since: string) => new RegExp(`reads /sys/kernel/livepatch/PATCH/${file}, added in ${since.replace('.', '\\.')} \\(commit '.+'\\); this kernel is `);
const LACKING_ON_6_12: Record<string, RegExp> = {
  'kprobe/with-post-handler': MISSING_MODULE('test_klp_kprobe'),
  'kprobe/without-post-handler': MISSING_MODULE('test_klp_kprobe'),
  'livepatch/module-function-patching': MISSING_MODULE('test_klp_mod_target'),
  'livepatch/module-function-patching-livepatch-first': MISSING_MODULE('test_klp_mod_patch'),
  'sysfs/stack-order-value': SYSFS('stack_order', '6.14'),
  'sysfs/sysfs-test': SYSFS('stack_order', '6.14'),
};
const LACKING: Record<string, Record<string, RegExp>> = {
  '6.12': LACKING_ON_6_12,
  '6.1': {
    ...LACKING_ON_6_12,
    'syscall/patch-getpid-hammered': MISSING_MODULE('test_klp_syscall'),
    'livepatch/atomic-replace-livepatch': MISSING_MODULE('test_klp_syscall'),
    'sysfs/replace-enabled': SYSFS('replace', '6.11'),
    'sysfs/replace-disabled': SYSFS('replace', '6.11'),
    'sysfs/sysfs-test': SYSFS('replace', '6.11'),
  },
};

// Every bundled case on the real kernels: applicable ones must pass byte for byte.
describe.skipIf(unavailable && !inCi).each(['6.1', '6.12'])('patchwise replay --vm --kernel %s --check', (series) => {
  it('passes every case the kernel has the features for, and names what it lacks for the others', async () => {
    const t = Date.now();
    const r = await patchwise(['replay', '--vm', '--kernel', series, '--check']);
    console.log(`${series}: ${r.stdout.trim().split('\n').at(-1)} in ${Math.round((Date.now() - t) / 1000)} s\n${r.stderr}`);
    const lacking = LACKING[series]!;
    const notApplicable = Object.fromEntries(
      r.stdout.split('\n').flatMap((l) => {
        const m = /^n\/a {2}(\S+): (.*)$/.exec(l);
        return m ? [[m[1]!, m[2]!]] : [];
      }),
    );
    expect(Object.keys(notApplicable).sort()).toEqual(Object.keys(lacking).sort());
    for (const [id, reason] of Object.entries(notApplicable)) expect(reason).toMatch(lacking[id]!);
    const n = Object.keys(lacking).length;
    expect(r.stdout).toMatch(new RegExp(`^${BUNDLED - n} passed, 0 failed, ${n} not applicable$`, 'm'));
    expect(r.stdout.split('\n').filter((l) => l.startsWith('pass '))).toHaveLength(BUNDLED - n);
    expect(r.status).toBe(0);
  });

  it("passes the cases written from real-kernel observations (refused writes with their errno, time passing)", async () => {
    const r = await patchwise(['replay', '--vm', '--kernel', series, '--check', join(ROOT, 'packages/cli/test-kernel/cases')]);
    expect(r.stdout).toMatch(/^1 passed, 0 failed, 0 not applicable$/m);
    expect(r.status).toBe(0);
  });
});
