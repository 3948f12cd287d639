/**
 * The vmlinux functions a generated livepatch can replace. The kernel calls a replacement in place
 * of the original, so it must have the original's exact signature: each entry is written by hand
 * for Debian's 6.1 and 6.12 and says how to observe, from a shell in the guest, which
 * implementation runs.
 */
import { byteLength, cString } from './c-literal.js';

/** How a replacement is written. */
export type FunctionKind =
  /** A seq_file show function behind a /proc file: the replacement prints the manifest's `output`. */
  | 'seq-show'
  /** `getpid(2)`'s syscall entry: the replacement returns the caller's tgid, as the original does. */
  | 'getpid'
  /** `tcp_sendmsg`: the replacement locks the socket and sends, as the original does. */
  | 'tcp-sendmsg';

export interface KernelFunction {
  readonly kind: FunctionKind;
  /** The C signature of the original (and of its replacement). */
  readonly signature: string;
  /** A shell command whose stdout shows which implementation runs (none when they behave alike). */
  readonly probe?: string;
  /** Headers the replacement needs beyond the livepatch ones. */
  readonly includes: readonly string[];
}

const seqShow = (file: string): KernelFunction => ({
  kind: 'seq-show',
  signature: 'int NAME(struct seq_file *m, void *v)',
  probe: `cat ${file}`,
  includes: ['linux/seq_file.h'],
});

/** The table (README: "Supported vmlinux functions"). */
export const KERNEL_FUNCTIONS: ReadonlyMap<string, KernelFunction> = new Map<string, KernelFunction>([
  ['cmdline_proc_show', seqShow('/proc/cmdline')],
  ['meminfo_proc_show', seqShow('/proc/meminfo')],
  ['version_proc_show', seqShow('/proc/version')],
  ['loadavg_proc_show', seqShow('/proc/loadavg')],
  ['__x64_sys_getpid', { kind: 'getpid', signature: 'long NAME(const struct pt_regs *regs)', includes: ['linux/sched.h', 'linux/pid.h', 'linux/ptrace.h'] }],
  ['tcp_sendmsg', { kind: 'tcp-sendmsg', signature: 'int NAME(struct sock *sk, struct msghdr *msg, size_t size)', includes: ['net/sock.h', 'net/tcp.h'] }],
]);

export function kernelFunction(name: string): KernelFunction | undefined {
  return KERNEL_FUNCTIONS.get(name);
}

/** A show function printing exactly `output` (`seq_write`, so a NUL byte in it is printed too). */
export function seqShowBody(output: string): string {
  return `\tseq_write(m, ${cString(output)}, ${byteLength(output)});\n\treturn 0;\n`;
}

/** The body of a replacement of `kind` (seq-show prints `output`). */
export function replacementBody(kind: FunctionKind, output: string): string {
  switch (kind) {
    case 'seq-show':
      return seqShowBody(output);
    case 'getpid':
      return '\treturn task_tgid_vnr(current);\n';
    case 'tcp-sendmsg':
      return '\tint ret;\n\n\tlock_sock(sk);\n\tret = tcp_sendmsg_locked(sk, msg, size);\n\trelease_sock(sk);\n\treturn ret;\n';
  }
}
