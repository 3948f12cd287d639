/**
 * The livepatch core's kernel-log catalog (semantics §2.0), word for word.
 *
 * Every line the core prints comes from here, so the exact texts the selftests compare live in one
 * place. The `livepatch: ` prefix is the kernel's `pr_fmt`.
 */

/** printk levels, most to least severe. */
export type LogLevel = 'emerg' | 'alert' | 'crit' | 'err' | 'warn' | 'notice' | 'info' | 'debug';

export const LOG_PREFIX = 'livepatch: ';

/** Where kernel log lines go: the machine's log buffer. */
export interface LogSink {
  /**
   * @param site the kernel function that prints the line, so a machine can model dynamic debug
   *   (the selftests enable `pr_debug` for the livepatch core but not for `klp_try_switch_task`).
   */
  printk(level: LogLevel, line: string, site: string): void;
}

type Direction = 'patching' | 'unpatching';

const lp = (text: string): string => LOG_PREFIX + text;

/** The catalog, keyed by the ids of semantics §2.0. */
export const messages = {
  M1_enabling: (patch: string) => lp(`enabling patch '${patch}'`),
  M2_initializing: (patch: string, dir: Direction) => lp(`'${patch}': initializing ${dir} transition`),
  M3_starting: (patch: string, dir: Direction) => lp(`'${patch}': starting ${dir} transition`),
  M4_completing: (patch: string, dir: Direction) => lp(`'${patch}': completing ${dir} transition`),
  M5_complete: (patch: string, dir: Direction) => lp(`'${patch}': ${dir} complete`),
  M6_canceling: (patch: string) => lp(`'${patch}': canceling patching transition, going to unpatch`),
  M7_reversing: (patch: string, from: Direction) =>
    lp(
      `'${patch}': reversing transition from ${from === 'patching' ? 'patching to unpatching' : 'unpatching to patching'}`,
    ),
  M8_prePatchFailed: (object: string) => lp(`pre-patch callback failed for object '${object}'`),
  M9_failedToPatchObject: (object: string) => lp(`failed to patch object '${object}'`),
  M10_failedToEnable: (patch: string) => lp(`failed to enable patch '${patch}'`),
  M11_applyingToLoading: (patch: string, mod: string) => lp(`applying patch '${patch}' to loading module '${mod}'`),
  M12_revertingOnUnloading: (patch: string, mod: string) =>
    lp(`reverting patch '${patch}' on unloading module '${mod}'`),
  M13_refusingModule: (patch: string, mod: string) =>
    lp(`patch '${patch}' failed for module '${mod}', refusing to load module '${mod}'`),
  M14_failedToInitForModule: (patch: string, mod: string, err: number) =>
    lp(`failed to initialize patch '${patch}' for module '${mod}' (${err})`),
  M15_failedToApplyToModule: (patch: string, mod: string, err: number) =>
    lp(`failed to apply patch '${patch}' to module '${mod}' (${err})`),
  M16_incompatible: (patch: string) =>
    lp(`Livepatch patch (${patch}) is not compatible with the already installed livepatches.`),
  M17_notLivepatchModule: (mod: string) => lp(`module ${mod} is not marked as a livepatch module`),
  M18_noReliableStack: () => [
    lp(`This architecture doesn't have support for the livepatch consistency model.`),
    lp(`The livepatch transition may never complete.`),
  ],
  M19_forcing: () => lp('forcing remaining tasks to the patched state'),
  M20_signaling: () => lp('signaling remaining tasks'),
  M21_ftraceRegister: (func: string, err: number) =>
    lp(`failed to register ftrace handler for function '${func}' (${err})`),
  M21_ftraceFilter: (func: string, err: number) => lp(`failed to set ftrace filter for function '${func}' (${err})`),
  M21_ftraceLocation: (func: string) => lp(`failed to find location for function '${func}'`),
  M22_symbolNotFound: (symbol: string) => lp(`symbol '${symbol}' not found in symbol table`),
  // The kernel prints the object name with %s, so vmlinux (a NULL name) prints as "(null)".
  M22_ambiguous: (symbol: string, object: string | null) =>
    lp(`unresolvable ambiguity for symbol '${symbol}' in object '${object ?? '(null)'}'`),
  M22_sympos: (sympos: number, symbol: string, object: string) =>
    lp(`symbol position ${sympos} for symbol '${symbol}' in object '${object}' not found`),
  M22_sizeLookup: (symbol: string) => lp(`kallsyms size lookup failed for '${symbol}'`),
  M22_sizeLookupReplacement: (symbol: string) => lp(`kallsyms size lookup failed for '${symbol}' replacement`),
  M23_vmlinuxModule: () => lp('vmlinux.ko: invalid module name'),
  M24_running: (comm: string, pid: number) => lp(`klp_try_switch_task: ${comm}:${pid} is running`),
  M24_unreliable: (comm: string, pid: number) => lp(`klp_try_switch_task: ${comm}:${pid} has an unreliable stack`),
  M24_sleeping: (comm: string, pid: number, func: string) =>
    lp(`klp_try_switch_task: ${comm}:${pid} is sleeping on function ${func}`),
} as const;

export type MessageId = keyof typeof messages;
