/** One generated module: its name and its source files (file name -> contents). */
export interface GeneratedModule {
  /** The name it was generated for: the `.ko` file is `<name>.ko`. */
  readonly name: string;
  /** The name the loaded module has (`/sys/module`, `/sys/kernel/livepatch`, `lsmod`): `-` becomes `_`. */
  readonly kernelName: string;
  readonly files: Readonly<Record<string, string>>;
  readonly kind: 'livepatch' | 'target';
}

/** How to observe in the guest which patch (or the original) runs a function: a shell command whose stdout identifies it. */
export interface FunctionProbe {
  /** `vmlinux` or a module. */
  readonly object: string;
  readonly function: string;
  readonly command: string;
}

/**
 * A kernel thread of a target module that sleeps inside one of its functions from the moment the
 * module is loaded (or, without `sleepsIn`, waits outside them until told `sleep FN`).
 */
export interface TargetTask {
  /** How the task is named: its control file is `/proc/patchwise_<module>/tasks/<name>`. */
  readonly name: string;
  /** Its command name (default: `name`), at most 15 bytes as the kernel keeps it. */
  readonly comm?: string;
  /** A function of this module (`fn` or `module:fn`); none: the thread starts idle. */
  readonly sleepsIn?: string;
}
