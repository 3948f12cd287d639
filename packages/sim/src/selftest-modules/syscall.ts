/**
 * `test_klp_syscall`: patches `__x64_sys_getpid` with a version that crosses the calling pid off
 * `klp_pids`; `/sys/kernel/test_klp_syscall/npids` counts the pids not yet seen.
 */
import type { ModuleImage } from '../modules.js';

export const testKlpSyscall: ModuleImage = {
  name: 'test_klp_syscall',
  livepatch: true,
  description: 'vmlinux: __x64_sys_getpid -> lp_sys_getpid; param klp_pids',
  params: { klp_pids: { type: 'intArray', default: [] } },
  symbols: (m) => [
    {
      name: 'lp_sys_getpid',
      body: (task) => {
        const pending = m.data.pending as number[];
        const at = pending.indexOf(task.pid);
        if (at >= 0) pending.splice(at, 1);
        return task.pid;
      },
    },
  ],
  init: (m) => {
    m.data.pending = [...(m.params.klp_pids as number[])];
    m.createFile('/sys/kernel/test_klp_syscall/npids', {
      mode: 0o444,
      read: () => `${(m.data.pending as number[]).length}\n`,
    });
    return m.enablePatch({ objects: [{ funcs: [{ oldName: '__x64_sys_getpid', newFunc: 'lp_sys_getpid' }] }] });
  },
};
