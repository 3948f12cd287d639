/**
 * `test_klp_kprobe`: a kprobe on `cmdline_proc_show`. With a post handler the kprobe must modify
 * the instruction pointer through ftrace, which conflicts with a livepatch of the same function.
 */
import type { ModuleImage } from '../modules.js';

export const testKlpKprobe: ModuleImage = {
  name: 'test_klp_kprobe',
  description: 'a kprobe on cmdline_proc_show; param has_post_handler (default true)',
  params: { has_post_handler: { type: 'bool', default: true, perm: 0o444 } },
  init: (m) => {
    const addr = m.machine.kallsyms.address('vmlinux', 'cmdline_proc_show');
    if (!addr) return -2;
    m.data.armed = false;
    if (!m.params.has_post_handler || !m.machine.kprobesEnabled) return 0;
    const ret = m.machine.ftrace.registerKprobe(addr);
    if (ret === 0) m.data.armed = addr;
    return ret;
  },
  exit: (m) => {
    if (typeof m.data.armed === 'string') m.machine.ftrace.unregisterKprobe(m.data.armed);
  },
};
