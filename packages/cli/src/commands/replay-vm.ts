/**
 * `patchwise replay --vm`: the same cases on a real kernel (Debian's 6.1 or 6.12 under QEMU). The
 * kernel's own test modules are built at run time from Debian's linux-source package; the guest is
 * reused across cases and rebooted only when a case leaves something behind it cannot clean.
 */
import { Diagnostic } from '@patchwise/diagnostics';
import { cleanGuest, runCaseOnGuest, vmCaseScript, VM_MODULE_DIR, VM_PROGRAM_DIR, type CaseResult, type SelftestCase } from '@patchwise/kselftest';
import { bootGuest, buildSelftestModules, buildSelftestPrograms, fetchKernel, isKernelSeries, QemuError, realKernelUnavailable, type Guest, type Kernel } from '@patchwise/qemu';
import { ModuleBuildFailed, UnsupportedOnKernel } from '@patchwise/modgen';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Output } from '../output.js';
import { buildCasePatches, type CasePatches } from './replay-vm-patches.js';

export interface VmCaseOutcome {
  readonly case: SelftestCase;
  readonly result?: CaseResult;
  /** Why the case does not apply to this kernel. */
  readonly notApplicable?: string;
}

/** Where each case's own patches wait in the guest (`<dir>/<case index>/<name>.ko`). */
const CASE_MODULE_DIR = '/pw/case-patches';

function unavailable(reason: string): Diagnostic {
  return new Diagnostic({ code: 'PW_VM_UNAVAILABLE', reason, hint: 'run scripts/setup-real-kernel.sh, or replay without `--vm`' });
}

/** Runs the cases on a real kernel, handing each outcome to `onOutcome` as soon as it is known. */
export async function replayOnVm(out: Output, cases: readonly SelftestCase[], series: string, onOutcome: (outcome: VmCaseOutcome) => void): Promise<void> {
  if (!isKernelSeries(series)) {
    throw new Diagnostic({ code: 'PW_BAD_OPTION', reason: `unknown kernel \`${series}\``, hint: 'use `--kernel 6.1` or `--kernel 6.12`' });
  }
  const missing = await realKernelUnavailable();
  if (missing) throw unavailable(`cannot boot a real kernel here: ${missing}`);
  let kernel: Kernel;
  let moduleDir: string;
  let programDir: string;
  try {
    const t = Date.now();
    kernel = await fetchKernel(series);
    moduleDir = await buildSelftestModules(kernel);
    programDir = await buildSelftestPrograms(kernel);
    out.err(`kernel ${kernel.release} and its test modules ready in ${Math.round((Date.now() - t) / 1000)} s`);
  } catch (err) {
    if (err instanceof QemuError) throw unavailable(err.message);
    throw err;
  }
  // The cases' own patches, generated and built against this kernel's headers.
  let casePatches: Map<SelftestCase, CasePatches>;
  try {
    const t = Date.now();
    casePatches = await buildCasePatches(cases.filter((c) => c.patches?.length), kernel);
    if (casePatches.size) out.err(`the cases' own patches built in ${Math.round((Date.now() - t) / 1000)} s`);
  } catch (err) {
    if (err instanceof ModuleBuildFailed || err instanceof UnsupportedOnKernel || err instanceof QemuError) {
      throw new Diagnostic({ code: 'PW_VM_BUILD', reason: `building the cases' own patches for ${kernel.release} failed: ${err.message}`, hint: 'check the patches with `replay` on the simulator first' });
    }
    throw err;
  }
  const kos = readdirSync(moduleDir).filter((f) => f.endsWith('.ko'));
  const modules = new Set(kos.map((f) => f.slice(0, -3)));
  const programs = new Set(readdirSync(programDir).filter((f) => !f.startsWith('.')));
  const payload = [
    ...kos.map((f) => ({ path: `${VM_MODULE_DIR}/${f}`, source: join(moduleDir, f) })),
    ...[...programs].map((f) => ({ path: `${VM_PROGRAM_DIR}/${f}`, source: join(programDir, f), mode: 0o755 })),
    // Each case's patches in a folder of its own, copied to the module folder when the case runs.
    ...cases.flatMap((c, i) => {
      const own = casePatches.get(c);
      return own && 'kos' in own ? [...own.kos].map(([name, ko]) => ({ path: `${CASE_MODULE_DIR}/${i}/${name}.ko`, source: ko })) : [];
    }),
  ];
  let guest: Guest | undefined;
  try {
    for (const [i, c] of cases.entries()) {
      const own = casePatches.get(c);
      if (own && 'notApplicable' in own) {
        onOutcome({ case: c, notApplicable: own.notApplicable });
        continue;
      }
      const plan = vmCaseScript(c, own ? new Set([...modules, ...own.kos.keys()]) : modules, kernel.release, programs);
      if ('notApplicable' in plan) {
        onOutcome({ case: c, notApplicable: plan.notApplicable });
        continue;
      }
      if (!guest) {
        guest = await bootGuest({ kernel, payload });
        out.err(`booted ${kernel.release} in ${(guest.bootMs / 1000).toFixed(1)} s`);
      }
      const staged = own ? await guest.exec(`cp ${CASE_MODULE_DIR}/${i}/*.ko ${VM_MODULE_DIR}/`) : undefined;
      if (staged && staged.status !== 0) throw new QemuError('GUEST_EXITED', `copying the patches of ${c.id} in the guest failed: ${staged.stderr}`);
      const result = await runCaseOnGuest(guest, c, plan.script);
      onOutcome({ case: c, result });
      // A case that leaves a module pinned (a forced unpatch) gets the next case a fresh guest.
      if (!(await cleanGuest(guest))) {
        await guest.close();
        guest = undefined;
      }
    }
  } finally {
    await guest?.close();
  }
}
