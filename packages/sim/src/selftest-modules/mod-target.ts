/**
 * `test_klp_mod_target` (a module with a proc file) and `test_klp_mod_patch` (a livepatch of that
 * module's show function).
 */
import type { ModuleImage } from '../modules.js';

export const testKlpModTarget: ModuleImage = {
  name: 'test_klp_mod_target',
  description: 'creates /proc/test_klp_mod_target, shown by test_klp_mod_target_show',
  symbols: [{ name: 'test_klp_mod_target_show', body: () => 'test_klp_mod_target: original output\n' }],
  init: (m) => {
    m.print('test_klp_mod_target_init');
    const { machine } = m;
    m.createFile('/proc/test_klp_mod_target', {
      mode: 0o444,
      read: () => machine.showAs(machine.scheduler.current ?? machine.shell, 'test_klp_mod_target_show', m.name),
    });
  },
  exit: (m) => m.print('test_klp_mod_target_exit'),
};

export const testKlpModPatch: ModuleImage = {
  name: 'test_klp_mod_patch',
  livepatch: true,
  description: 'test_klp_mod_target: test_klp_mod_target_show -> livepatch_mod_target_show',
  symbols: [{ name: 'livepatch_mod_target_show', body: () => 'test_klp_mod_patch: this has been live patched\n' }],
  init: (m) =>
    m.enablePatch({
      objects: [
        {
          name: 'test_klp_mod_target',
          funcs: [{ oldName: 'test_klp_mod_target_show', newFunc: 'livepatch_mod_target_show' }],
        },
      ],
    }),
};
