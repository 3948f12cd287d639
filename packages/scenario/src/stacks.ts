/**
 * The per-function patch stacks of a machine, as experiments watch them change: for each patched
 * function, the patches on its stack, newest first (the one that runs for a patched task first).
 */
import type { Machine } from '@patchwise/sim';

export interface FunctionStack {
  /** `object:function`, e.g. `vmlinux:cmdline_proc_show`. */
  readonly function: string;
  /** Newest first; `nop` for an atomic replace's fall-back to the original, `transition` while it moves. */
  readonly patches: readonly { readonly patch: string; readonly nop: boolean; readonly transition: boolean }[];
}

export function functionStacks(machine: Machine): FunctionStack[] {
  const stacks: FunctionStack[] = [];
  for (const [address, funcs] of machine.livepatch.funcStacks()) {
    const entry = machine.kallsyms.entry(address);
    stacks.push({
      function: entry ? `${entry.object}:${entry.name}` : address,
      patches: funcs.map((f) => ({ patch: f.patchName, nop: f.nop, transition: f.transition })),
    });
  }
  return stacks.sort((a, b) => a.function.localeCompare(b.function));
}

/** `vmlinux:cmdline_proc_show: beta_fix* → acme_fix` (`*` in transition, `(nop)` for a nop). */
export function stackLine(stack: FunctionStack): string {
  const patches = stack.patches.map((p) => `${p.patch}${p.nop ? ' (nop)' : ''}${p.transition ? '*' : ''}`);
  return `${stack.function}: ${patches.join(' → ')}`;
}
