/**
 * What each test module is, written from its C source in kernel/modules (not from the reader's
 * output): the expectation the reader is held to on every build of it.
 */
export interface ExpectedModule {
  /** null: not in the module's data (klp-build keeps it in code). */
  readonly replace: boolean | null;
  readonly objects: readonly {
    readonly name: string;
    readonly functions: readonly { readonly name: string; readonly sympos: number; readonly replacement: string }[];
    readonly callbacks: { readonly prePatch: string | null; readonly postPatch: string | null; readonly preUnpatch: string | null; readonly postUnpatch: string | null };
  }[];
  readonly states: readonly { readonly id: number; readonly version: number }[];
  /** The `patchwise_*` and other modinfo the source declares. */
  readonly modinfo: Readonly<Record<string, string>>;
  /** Symbols it imports (a subset of __versions; 6.12 inlines seq_puts of a constant into seq_write). */
  readonly imports: readonly string[];
}

const none = { prePatch: null, postPatch: null, preUnpatch: null, postUnpatch: null };

export const LIVEPATCH_MODULES: Readonly<Record<string, ExpectedModule>> = {
  acme_cmdline: {
    replace: false,
    objects: [{ name: 'vmlinux', functions: [{ name: 'cmdline_proc_show', sympos: 0, replacement: 'acme_cmdline_proc_show' }], callbacks: none }],
    states: [{ id: 1, version: 1 }],
    modinfo: {
      livepatch: 'Y',
      license: 'GPL',
      patchwise_vendor: 'acme',
      patchwise_version: '1.0.0',
      patchwise_tags: 'security,cmdline',
      patchwise_provides: 'cmdline-fix@1.0.0',
      patchwise_published: '2026-01-15',
    },
    imports: ['klp_enable_patch', '__fentry__'],
  },
  beta_cmdline: {
    replace: false,
    objects: [{ name: 'vmlinux', functions: [{ name: 'cmdline_proc_show', sympos: 0, replacement: 'beta_cmdline_proc_show' }], callbacks: none }],
    states: [],
    modinfo: { livepatch: 'Y', patchwise_vendor: 'beta', patchwise_version: '2.1.0', patchwise_tags: 'cmdline' },
    imports: ['klp_enable_patch', '__fentry__'],
  },
  acme_cumulative: {
    replace: true,
    objects: [
      {
        name: 'vmlinux',
        functions: [
          { name: 'cmdline_proc_show', sympos: 0, replacement: 'acme_cumulative_cmdline_show' },
          { name: 'version_proc_show', sympos: 0, replacement: 'acme_cumulative_version_show' },
        ],
        callbacks: none,
      },
    ],
    states: [
      { id: 1, version: 2 },
      { id: 7, version: 1 },
    ],
    modinfo: { livepatch: 'Y', patchwise_vendor: 'acme', patchwise_version: '1.1.0', patchwise_replace_set: 'acme', patchwise_provides: 'cmdline-fix@1.1.0' },
    imports: ['klp_enable_patch', '__fentry__'],
  },
  acme_target_fix: {
    replace: false,
    objects: [
      {
        name: 'pw_target',
        functions: [
          { name: 'pw_target_work', sympos: 0, replacement: 'acme_target_fix_work' },
          { name: 'pw_target_step', sympos: 2, replacement: 'acme_target_fix_step' },
        ],
        callbacks: none,
      },
    ],
    states: [],
    modinfo: { livepatch: 'Y', patchwise_vendor: 'acme', patchwise_requires: 'cmdline-fix@>=1.0.0', patchwise_conflicts: 'beta_cmdline@*' },
    imports: ['klp_enable_patch', 'msleep', 'kthread_should_stop'],
  },
  acme_callbacks: {
    replace: false,
    objects: [
      {
        name: 'vmlinux',
        functions: [{ name: 'loadavg_proc_show', sympos: 0, replacement: 'acme_callbacks_loadavg_show' }],
        callbacks: { prePatch: 'pre_patch', postPatch: 'post_patch', preUnpatch: 'pre_unpatch', postUnpatch: 'post_unpatch' },
      },
      {
        name: 'pw_target',
        functions: [{ name: 'pw_target_step', sympos: 1, replacement: 'acme_callbacks_step' }],
        callbacks: { prePatch: 'pre_patch', postPatch: null, preUnpatch: null, postUnpatch: 'post_unpatch' },
      },
    ],
    states: [],
    modinfo: { livepatch: 'Y', patchwise_vendor: 'acme', patchwise_version: '0.1.0', patchwise_tags: 'callbacks' },
    imports: ['klp_enable_patch', '_printk'],
  },
  acme_klpbuild: {
    replace: null,
    objects: [{ name: 'vmlinux', functions: [{ name: 'meminfo_proc_show', sympos: 0, replacement: 'acme_klpbuild_meminfo_show' }], callbacks: none }],
    states: [],
    modinfo: { livepatch: 'Y', patchwise_vendor: 'acme', patchwise_version: '0.2.0', patchwise_replace: 'false' },
    imports: ['klp_enable_patch', '__fentry__'],
  },
};

/** The signing certificate's subject CN (scripts/build-kernel-modules.sh). */
export const SIGNER = 'patchwise throwaway module signing key';
