/**
 * Step by step, what differs between a scenario's run on the simulator and on a real kernel: a
 * step the kernel could not perform, log lines only one side wrote, the sysfs state, the live owner
 * of a function, the decisions (verdict and findings), and a tolerant step's result.
 */
import { diffArrays } from 'diff';
import { decisionText, type StepObservation } from './observation.js';

export const DIFFERENCE_KINDS = ['not-performable', 'log', 'state', 'owner', 'decision', 'result'] as const;
export type DifferenceKind = (typeof DIFFERENCE_KINDS)[number];

export interface Difference {
  /** 1-based step number; 0 for the scenario's set-up (its tasks and modules). */
  readonly step: number;
  /** The step's name (`load`, `advance`, ...), `setup` for step 0. */
  readonly name: string;
  readonly kind: DifferenceKind;
  /** `- ` lines: the simulator only; `+ ` lines: the real kernel only; otherwise a phrase. */
  readonly lines: readonly string[];
}

/** `- line` for what only `a` has, `+ line` for what only `b` has, in order; empty when equal. */
export function lineDiff(a: readonly string[], b: readonly string[]): string[] {
  if (a.length === b.length && a.every((l, i) => l === b[i])) return [];
  return diffArrays([...a], [...b]).flatMap((part) => (part.added ? part.value.map((l) => `+ ${l}`) : part.removed ? part.value.map((l) => `- ${l}`) : []));
}

function ownerDiff(sim: StepObservation, vm: StepObservation): string[] {
  const lines: string[] = [];
  for (const fn of Object.keys(sim.owners).sort()) {
    const a = sim.owners[fn];
    const b = vm.owners[fn];
    if (b !== undefined && a !== b) lines.push(`${fn}: simulator runs ${a}, kernel runs ${b}`);
  }
  return lines;
}

/** Every difference, in step order; `sim` and `vm` are the same scenario's steps (set-up first when present). */
export function compareRuns(sim: readonly StepObservation[], vm: readonly StepObservation[]): Difference[] {
  const out: Difference[] = [];
  const vmAt = new Map(vm.map((o) => [o.index, o]));
  for (const a of sim) {
    const b = vmAt.get(a.index);
    const step = a.index + 1;
    const add = (kind: DifferenceKind, lines: readonly string[]) => {
      if (lines.length) out.push({ step, name: step === 0 ? 'setup' : a.name, kind, lines });
    };
    if (!b) {
      // The kernel run died at an earlier step: said once, not for every step after it.
      add('not-performable', ['the kernel run stopped before this step']);
      break;
    }
    if (b.notPerformable) add('not-performable', [b.notPerformable]);
    add('log', lineDiff(a.log, b.log));
    add('state', lineDiff(a.state, b.state));
    add('owner', ownerDiff(a, b));
    add('decision', lineDiff(a.decisions.map(decisionText), b.decisions.map(decisionText)));
    if (a.result !== b.result) add('result', [`simulator ${a.result ?? 'none'}, kernel ${b.result ?? 'none'}`]);
  }
  return out;
}

/** `step 3 \`load\` log`: how a difference is named (and listed in an example's README). */
export function differenceKey(d: Pick<Difference, 'step' | 'name' | 'kind'>): string {
  return `step ${d.step} \`${d.name}\` ${d.kind}`;
}
