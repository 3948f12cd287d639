/**
 * Per-object callbacks in C. Each declarative step does what packages/manifest's `runActions` does
 * on the simulator: `log` prints `<patch>: <text>` at KERN_INFO (the simulator's `print` with its
 * default level), `fail` returns its errno from `pre_patch` and ends the steps of the others, the
 * shadow steps call the kernel's shadow variable API.
 */
import { errnoValue, type Action, type ObjectCallbacksSpec } from '@patchwise/manifest';
import { cString } from './c-literal.js';
import { UnsupportedOnKernel } from './errors.js';

export const STAGES = ['prePatch', 'postPatch', 'preUnpatch', 'postUnpatch'] as const;
export type Stage = (typeof STAGES)[number];

/** klp_callbacks' field for each stage. */
export const C_STAGE: Record<Stage, string> = { prePatch: 'pre_patch', postPatch: 'post_patch', preUnpatch: 'pre_unpatch', postUnpatch: 'post_unpatch' };

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const U64 = (1n << 64n) - 1n;

/**
 * The pointer a shadow variable's `obj` becomes. The simulator keys shadow variables by value (the
 * string `"5"` and the number 5 are two objects); in the kernel the key is a pointer that is never
 * dereferenced, so each value maps to a fixed 64-bit FNV-1a hash of its type and value: the same
 * in every generated module (one patch allocates, another frees), distinct for distinct values.
 */
export function shadowKey(obj: string | number): string {
  let hash = FNV_OFFSET;
  for (const byte of Buffer.from(`${typeof obj === 'string' ? 's' : 'n'}:${String(obj)}`, 'utf8')) {
    hash ^= BigInt(byte);
    hash = (hash * FNV_PRIME) & U64;
  }
  return `(void *)0x${hash.toString(16).padStart(16, '0')}UL`;
}

function shadowId(id: number, where: string): string {
  if (!Number.isSafeInteger(id) || id < 0) {
    throw new UnsupportedOnKernel(where, `shadow variable id ${id} is not an integer from 0 to 2^53 - 1 (the kernel's id is an unsigned long)`);
  }
  return `${id}UL`;
}

function shadowObj(obj: unknown, where: string): string {
  if (typeof obj === 'string' || (typeof obj === 'number' && Number.isFinite(obj))) return shadowKey(obj);
  throw new UnsupportedOnKernel(where, `a shadow variable's \`obj\` must be a string or a finite number, not ${JSON.stringify(obj)}`);
}

/** C statements for `steps`; a `fail` ends them (its errno returned when `returns`). */
function statements(steps: readonly Action[], patchName: string, returns: boolean, where: string): string {
  let out = '';
  for (const [i, step] of steps.entries()) {
    const at = `${where}[${i}]`;
    if (step === null || typeof step !== 'object') throw new UnsupportedOnKernel(at, 'a step must be an object');
    if ('log' in step) {
      if (typeof step.log !== 'string') throw new UnsupportedOnKernel(at, '`log` takes a string');
      out += `\tprintk(KERN_INFO "%s\\n", ${cString(`${patchName}: ${step.log}`)});\n`;
    } else if ('fail' in step) {
      const errno = errnoValue(step.fail);
      if (!Number.isSafeInteger(errno) || errno >= 0 || errno < -4095) throw new UnsupportedOnKernel(at, `\`fail\` must be a negative errno from -1 to -4095, not ${JSON.stringify(step.fail)}`);
      // The simulator ignores the value outside `prePatch` but still stops there.
      return `${out}\treturn${returns ? ` ${errno}` : ''};\n`;
    } else if ('shadowAlloc' in step) {
      const { obj, id } = step.shadowAlloc;
      out += `\tklp_shadow_alloc(${shadowObj(obj, at)}, ${shadowId(id, at)}, 8, GFP_KERNEL, NULL, NULL);\n`;
    } else if ('shadowFree' in step) {
      out += `\tklp_shadow_free(${shadowObj(step.shadowFree.obj, at)}, ${shadowId(step.shadowFree.id, at)}, NULL);\n`;
    } else if ('shadowFreeAll' in step) {
      out += `\tklp_shadow_free_all(${shadowId(step.shadowFreeAll.id, at)}, NULL);\n`;
    } else {
      throw new UnsupportedOnKernel(at, `unknown step ${JSON.stringify(Object.keys(step))}: expected \`log\`, \`fail\`, \`shadowAlloc\`, \`shadowFree\` or \`shadowFreeAll\``);
    }
  }
  return returns ? `${out}\treturn 0;\n` : out;
}

/** The C functions of one object's callbacks, named `<prefix>_<stage>`, and the klp_callbacks initialiser. */
export function objectCallbacks(
  spec: ObjectCallbacksSpec | undefined,
  patchName: string,
  prefix: string,
  where: string,
): { code: string; initializer: string } {
  let code = '';
  const fields: string[] = [];
  for (const stage of STAGES) {
    const steps = spec?.[stage];
    if (steps === undefined) continue;
    const at = `${where}.${stage}`;
    if (typeof steps === 'function') {
      throw new UnsupportedOnKernel(at, 'a TypeScript function cannot be compiled into a kernel module: write the callback as steps (`log`, `fail`, `shadowAlloc`, `shadowFree`, `shadowFreeAll`)');
    }
    if (!Array.isArray(steps)) throw new UnsupportedOnKernel(at, 'expected a list of steps');
    const name = `${prefix}_${C_STAGE[stage]}`;
    const returns = stage === 'prePatch';
    code += `static ${returns ? 'int' : 'void'} ${name}(struct klp_object *obj)\n{\n${statements(steps as Action[], patchName, returns, at)}}\n\n`;
    fields.push(`\t\t\t.${C_STAGE[stage]} = ${name},\n`);
  }
  return { code, initializer: fields.length ? `\t\t.callbacks = {\n${fields.join('')}\t\t},\n` : '' };
}
