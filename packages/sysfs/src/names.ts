/**
 * What a name in a system tree may look like. A name outside these shapes cannot come from the
 * kernel (it would be refused by the module loader or by klp_init_patch), so it is refused here.
 */

/** `MODULE_NAME_LEN` is 56 with the trailing NUL on 64-bit kernels; livepatch names are module names. */
const MODULE_NAME = /^[A-Za-z0-9_-]{1,55}$/;
/** `KSYM_NAME_LEN` is 512 since 6.1 (128 before). */
const FUNC_DIR = /^([A-Za-z_.$][\w.$]{0,510}),(\d{1,10})$/;

export const isModuleName = (name: string): boolean => MODULE_NAME.test(name);

/** `NAME,POS` of a function directory, or undefined when it is not one. */
export function parseFuncDir(entry: string): { name: string; sympos: number } | undefined {
  const m = FUNC_DIR.exec(entry);
  if (!m) return undefined;
  const sympos = Number(m[2]);
  return Number.isSafeInteger(sympos) && sympos <= 0xffffffff ? { name: m[1] as string, sympos } : undefined;
}

/** Printable form of a hostile name for an error message (control characters escaped, length capped). */
export function shownName(name: string): string {
  const escaped = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
  return escaped.slice(1, -1);
}
