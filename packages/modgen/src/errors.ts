/**
 * A part of a scenario that cannot become a real kernel module: `subject` names it (a function, a
 * callback, a name), the message says why and what can be generated instead.
 */
export class UnsupportedOnKernel extends Error {
  override readonly name = 'UnsupportedOnKernel';
  readonly code = 'PW_MODGEN_UNSUPPORTED';
  constructor(
    readonly subject: string,
    reason: string,
  ) {
    super(`${subject}: ${reason}`);
  }
}

/** kbuild refused the generated sources (its output says why), or the build left no `.ko`. */
export class ModuleBuildFailed extends Error {
  override readonly name = 'ModuleBuildFailed';
  readonly code = 'PW_MODGEN_BUILD';
}
