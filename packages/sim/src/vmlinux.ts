/**
 * The simulated kernel image: the functions the selftests patch and call, and the ones that only
 * appear on stacks.
 */
import type { SymbolSpec } from './kallsyms.js';

export const DEFAULT_CMDLINE = 'BOOT_IMAGE=/boot/vmlinuz-6.14.0-patchwise root=/dev/vda1 ro console=ttyS0';
export const DEFAULT_RELEASE = '6.14.0-patchwise';

const MEMINFO = [
  'MemTotal:        2014592 kB',
  'MemFree:         1423876 kB',
  'MemAvailable:    1739264 kB',
  'Buffers:           24576 kB',
  'Cached:           344064 kB',
  'SwapTotal:             0 kB',
  'SwapFree:              0 kB',
];

/** Functions that only need to exist: scheduler, workqueue, syscall and module-loader frames. */
const FRAMES = [
  'do_idle',
  'cpu_startup_entry',
  'schedule',
  'schedule_timeout',
  'msleep',
  'worker_thread',
  'process_one_work',
  'kthread',
  'kthreadd',
  'smpboot_thread_fn',
  'ret_from_fork',
  'do_syscall_64',
  'ep_poll',
  'do_epoll_wait',
  '__x64_sys_epoll_wait',
  'do_wait',
  'kernel_wait4',
  '__x64_sys_wait4',
  'load_module',
  'do_init_module',
  '__do_sys_finit_module',
  'vfs_read',
  'vfs_write',
  '__x64_sys_delete_module',
  'seq_read_iter',
  'klp_transition_work_fn',
];

/**
 * Static functions that several files of the kernel define under one name: kallsyms lists each, so
 * a patch naming one without `old_sympos` is ambiguous (real kernels have dozens; these are the ones
 * cases use: kernel/kallsyms.c's and kernel/trace/trace.c's `s_show`, among others).
 */
const DUPLICATED = ['s_show', 's_show'];

export function vmlinuxSymbols(cmdline: string): SymbolSpec[] {
  return [
    { name: 'cmdline_proc_show', size: 48, body: () => `${cmdline}\n` },
    { name: 'meminfo_proc_show', size: 2048, body: () => `${MEMINFO.join('\n')}\n` },
    { name: '__x64_sys_getpid', size: 32, body: (task) => task.pid },
    ...FRAMES.map((name): SymbolSpec => ({ name })),
    ...DUPLICATED.map((name): SymbolSpec => ({ name })),
  ];
}

/** Kernel stacks of tasks at rest, innermost first (symbol names in vmlinux). */
export const STACKS = {
  idle: ['do_idle', 'cpu_startup_entry'],
  idleKworker: ['worker_thread', 'kthread', 'ret_from_fork'],
  kthreadd: ['kthreadd', 'ret_from_fork'],
  smpboot: ['smpboot_thread_fn', 'kthread', 'ret_from_fork'],
  epollWait: ['schedule', 'ep_poll', 'do_epoll_wait', '__x64_sys_epoll_wait', 'do_syscall_64'],
  shellWait: ['schedule', 'do_wait', 'kernel_wait4', '__x64_sys_wait4', 'do_syscall_64'],
  work: ['process_one_work', 'worker_thread', 'kthread', 'ret_from_fork'],
  sleepingWork: ['schedule', 'schedule_timeout', 'msleep'],
} as const;
