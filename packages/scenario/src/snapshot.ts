/**
 * The whole observable state of a simulated machine, as plain data, so that `expect: {unchanged:
 * true}` can say "the machine is exactly as it was before the step" and, when it is not, name what
 * moved. Time is left out on purpose: a refused step still lets the clock run.
 */
import type { Machine } from '@patchwise/sim';
import { functionStacks, stackLine } from './stacks.js';

export interface MachineSnapshot {
  readonly patches: readonly string[];
  readonly stacks: readonly string[];
  readonly modules: readonly string[];
  readonly tasks: readonly string[];
  readonly shadow: readonly string[];
}

export function snapshotMachine(machine: Machine): MachineSnapshot {
  const lp = machine.livepatch;
  const symbol = (addr: string) => {
    const entry = machine.kallsyms.entry(addr);
    return entry ? `${entry.object}:${entry.name}` : addr;
  };
  return {
    patches: lp.patches.map(
      (p) => `'${p.name}' enabled=${p.enabled ? 1 : 0}${lp.transitionPatch === p ? ' in transition' : ''}${p.forced ? ' forced' : ''}`,
    ),
    stacks: functionStacks(machine).map(stackLine),
    modules: machine.modules.loaded().map((m) => `${m.name} ${m.state} refcnt=${m.refcount}`),
    tasks: machine.scheduler
      .list()
      .map((t) => `${t.pid} ${t.comm} patch_state=${t.patchState}${t.patchPending ? ' pending' : ''} stack=[${t.stack.map(symbol).join(' ')}]`),
    shadow: lp.shadow.entries().map((e) => `<${String(e.obj)}, ${e.id}> ${JSON.stringify(e.data) ?? String(e.data)}`),
  };
}

/** What differs between two snapshots, one phrase per part that moved (empty when identical). */
export function snapshotDifferences(before: MachineSnapshot, after: MachineSnapshot): string[] {
  const parts = ['patches', 'stacks', 'modules', 'tasks', 'shadow'] as const;
  return parts.flatMap((part) => {
    const gone = before[part].filter((line) => !after[part].includes(line));
    const added = after[part].filter((line) => !before[part].includes(line));
    if (gone.length === 0 && added.length === 0) return [];
    const said = [...gone.map((l) => `- ${l}`), ...added.map((l) => `+ ${l}`)];
    return [`${part}: ${said.join('; ')}`];
  });
}
