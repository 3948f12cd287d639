/**
 * Observing which implementation of a function runs, from a shell in the guest.
 */
import { VMLINUX } from '@patchwise/manifest';
import { kernelModuleName } from './c-literal.js';
import { kernelFunction } from './kernel-functions.js';
import type { FunctionProbe } from './module.js';
import { procDir } from './target-abi.js';

const MODULE = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,54}$/;
const FUNCTION = /^[A-Za-z_][A-Za-z0-9_]{0,126}$/;

/**
 * How to call `fn` of `object` and see who runs it: for the table's /proc show functions and every
 * function of a generated target module, a `cat` printing the original's or a replacement's text;
 * undefined for a function whose replacement behaves as the original (`__x64_sys_getpid`,
 * `tcp_sendmsg`), and for names that are not valid.
 */
export function probeFor(object: string, fn: string): FunctionProbe | undefined {
  if (typeof object !== 'string' || typeof fn !== 'string' || !FUNCTION.test(fn)) return undefined;
  if (object === VMLINUX) {
    const probe = kernelFunction(fn)?.probe;
    return probe ? { object, function: fn, command: probe } : undefined;
  }
  if (!MODULE.test(object)) return undefined;
  return { object, function: fn, command: `cat /proc/${procDir(kernelModuleName(object))}/functions/${fn}` };
}
