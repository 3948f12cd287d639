/**
 * A kernel error as the gate reports it: the errno, glibc's text, and what it means for the step
 * that failed (the kernel's refusals name no reason; these are the ones livepatch users meet).
 */
import { Errno, strerror, type ErrnoName } from '@patchwise/core';
import type { KernelResult } from '@patchwise/sysfs';

export type KernelStep = 'load' | 'unload' | 'enable' | 'disable' | 'reverse' | 'force';

const MEANING: Readonly<Partial<Record<KernelStep, Partial<Record<string, string>>>>> = {
  load: {
    EEXIST: 'a module of this name is already loaded',
    EBUSY: 'another livepatch transition is in progress; try again when it completes',
    EINVAL: 'the kernel refused the patch (an incompatible klp_state, a missing target function, or not a livepatch module): see dmesg',
    ENOEXEC: 'the module was built for another kernel (vermagic or symbol versions differ)',
    ENOENT: 'a symbol the module needs is not in this kernel',
    EPERM: 'module loading is not permitted (not root, lockdown, or modules_disabled)',
    EKEYREJECTED: 'the module signature was rejected',
    ENOKEY: 'the module is not signed by a trusted key and signatures are enforced',
  },
  unload: {
    EAGAIN: 'the patch is still enabled (or a forced transition pinned its module until reboot); disable it first',
    EBUSY: 'the module is in use',
    ENOENT: 'no module of this name is loaded',
  },
  enable: { EINVAL: 'the patch already has this state, or a disabled patch cannot be enabled again without reloading its module', EBUSY: 'another patch is in transition' },
  disable: { EINVAL: 'the patch already has this state (writing the same value twice)', EBUSY: 'another patch is in transition', ENOENT: 'the patch is not installed' },
  reverse: { EINVAL: 'the transition is already over', EBUSY: 'another patch is in transition' },
  force: { EINVAL: 'no transition is in progress for this patch' },
};

/** `EAGAIN (Resource temporarily unavailable): the patch is still enabled; ...`. */
export function kernelErrorText(step: KernelStep, result: Extract<KernelResult, { ok: false }>): string {
  const known = Object.hasOwn(Errno, result.errno) ? strerror(Errno[result.errno as ErrnoName]) : undefined;
  const meaning = MEANING[step]?.[result.errno];
  return `${result.errno}${known ? ` (${known})` : ''}${meaning ? `: ${meaning}` : ''} [${result.detail}]`;
}
