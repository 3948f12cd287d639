/**
 * What the real-kernel gate suites share: the test modules built at test time against the headers
 * of the kernel that boots, a guest running the host's root (so the real `patchwise` runs inside
 * it against the guest's /sys), and the kernel's own view of its livepatch state.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bootGuest, fetchKernel, realKernelUnavailable, type Guest } from '@patchwise/qemu';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const PATCHWISE = join(REPO, 'packages/cli/bin/patchwise.cjs');

export const unavailable = await realKernelUnavailable();
export const inCi = process.env['CI'] === 'true';

/** Where the suite's files are in the guest (its own overlay: nothing reaches the host). */
const GUEST_WORK = '/root/patchwise-kernel-gate';

export interface KernelLab {
  readonly vm: Guest;
  /** The built modules (kbuild output, debug info stripped), copied into the guest: a guest path. */
  readonly modules: string;
  /** A guest folder for configs. */
  readonly work: string;
  close(): Promise<void>;
}

/** Fetch Debian's 6.1 kernel, build the test modules against its headers, boot it with the host root. */
export async function openLab(): Promise<KernelLab> {
  const work = mkdtempSync(join(tmpdir(), 'patchwise-kernel-gate-'));
  const kernel = await fetchKernel('6.1');
  const out = join(work, 'build');
  await promisify(execFile)('bash', [join(REPO, 'scripts/build-kernel-modules.sh'), kernel.release, out], { timeout: 900_000, maxBuffer: 1 << 24 });
  const vm = await bootGuest({ kernel, hostRoot: true, bootTimeoutMs: 300_000, execTimeoutMs: 300_000 });
  const built = join(out, 'nodebug');
  try {
    for (const file of readdirSync(built).filter((f) => f.endsWith('.ko'))) await vm.writeFile(`${GUEST_WORK}/modules/${file}`, readFileSync(join(built, file)));
  } catch (err) {
    await vm.close();
    throw err;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { vm, modules: `${GUEST_WORK}/modules`, work: GUEST_WORK, close: () => vm.close() };
}

/** Write a config file into the guest; its guest path. */
export async function writeConfig(lab: KernelLab, name: string, text: string): Promise<string> {
  const file = `${lab.work}/${name}`;
  await lab.vm.writeFile(file, text);
  return file;
}

/** `patchwise ARGS` inside the guest, as root, against the guest's own /sys and /proc. */
export function patchwise(lab: KernelLab, args: string): ReturnType<Guest['exec']> {
  return lab.vm.exec(`cd ${lab.work} && node ${PATCHWISE} --no-color ${args}`);
}

/**
 * The kernel's livepatch state, read by the shell from sysfs (not by patchwise): one line per
 * patch (`patch NAME ENABLED TRANSITION`), object (`object NAME/OBJ PATCHED`) and function
 * (`func NAME/OBJ/FUNC,POS`), sorted.
 */
export async function sysfsLines(lab: KernelLab): Promise<string[]> {
  const r = await lab.vm.exec(
    'cd /sys/kernel/livepatch && for p in *; do [ -d "$p" ] || continue; echo "patch $p $(cat $p/enabled) $(cat $p/transition)"; ' +
      'for o in $p/*/; do [ -d "$o" ] || continue; o=${o%/}; echo "object $o $(cat $o/patched)"; ' +
      'for f in $o/*/; do [ -d "$f" ] || continue; echo "func ${f%/}"; done; done; done',
  );
  if (r.status !== 0) throw new Error(`reading sysfs failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).sort();
}

interface StatusJson {
  patches: { name: string; enabled: boolean; transition: boolean; objects: { name: string; patched: boolean; functions: { name: string; sympos: number }[] }[] }[];
}

/** `gate status --format json` as the same lines. */
export async function statusLines(lab: KernelLab): Promise<string[]> {
  const r = await patchwise(lab, `gate status --format json --patch-dir ${lab.modules}`);
  if (r.status !== 0) throw new Error(`gate status failed: ${r.stderr}`);
  const status = JSON.parse(r.stdout) as StatusJson;
  const b = (v: boolean) => (v ? 1 : 0);
  return status.patches
    .flatMap((p) => [
      `patch ${p.name} ${b(p.enabled)} ${b(p.transition)}`,
      ...p.objects.flatMap((o) => [`object ${p.name}/${o.name} ${b(o.patched)}`, ...o.functions.map((f) => `func ${p.name}/${o.name}/${f.name},${f.sympos}`)]),
    ])
    .sort();
}

/** Whether /proc/modules lists `name`. */
export async function moduleLoaded(lab: KernelLab, name: string): Promise<boolean> {
  return (await lab.vm.exec(`grep -q "^${name} " /proc/modules`)).status === 0;
}
