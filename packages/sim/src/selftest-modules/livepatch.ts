/**
 * `test_klp_livepatch` and `test_klp_atomic_replace`: one replacement show function each.
 */
import type { ModuleImage } from '../modules.js';

const livePatched = (module: string) => `${module}: this has been live patched\n`;

export const testKlpLivepatch: ModuleImage = {
  name: 'test_klp_livepatch',
  livepatch: true,
  description: 'vmlinux: cmdline_proc_show -> livepatch_cmdline_proc_show',
  symbols: [{ name: 'livepatch_cmdline_proc_show', body: () => livePatched('test_klp_livepatch') }],
  init: (m) =>
    m.enablePatch({
      objects: [{ funcs: [{ oldName: 'cmdline_proc_show', newFunc: 'livepatch_cmdline_proc_show' }] }],
    }),
};

export const testKlpAtomicReplace: ModuleImage = {
  name: 'test_klp_atomic_replace',
  livepatch: true,
  description: 'vmlinux: meminfo_proc_show -> livepatch_meminfo_proc_show; param replace',
  params: { replace: { type: 'int', default: 0, perm: 0o644 } },
  symbols: [{ name: 'livepatch_meminfo_proc_show', body: () => livePatched('test_klp_atomic_replace') }],
  init: (m) =>
    m.enablePatch({
      replace: m.params.replace !== 0,
      objects: [{ funcs: [{ oldName: 'meminfo_proc_show', newFunc: 'livepatch_meminfo_proc_show' }] }],
    }),
};
