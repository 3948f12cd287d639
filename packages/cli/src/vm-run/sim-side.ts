/**
 * The simulator's side of `run --compare`: the scenario run as `patchwise run` runs it, on a machine
 * that reports the guest's kernel release (as `replay --kernel` keys behaviour by release), observed
 * after every step through the same reader the real side uses: the simulated /sys/kernel/livepatch
 * and module list are written to a temporary root and read by `@patchwise/sysfs`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errnoName } from '@patchwise/core';
import { runScenario, scenarioMachine, type Scenario, type ScenarioResult } from '@patchwise/scenario';
import type { PolicyEntry } from '@patchwise/policy';
import { LIVEPATCH_SYSFS, type Machine } from '@patchwise/sim';
import type { SystemSnapshot } from '@patchwise/sysfs';
import { readWrittenSystem } from './temporary-root.js';
import { compareLog, patchedFunctions, stateLines, summarizeDecision, type StepObservation } from './observation.js';

const MODULE_STATE: Readonly<Record<string, string>> = { LIVE: 'Live', COMING: 'Loading', GOING: 'Unloading', UNFORMED: 'Loading' };

/** Copies the simulated livepatch tree (the write-only `force` as an empty file) and writes a /proc/modules, newest first. */
async function writeSimTree(machine: Machine, root: string): Promise<void> {
  const walk = async (path: string): Promise<void> => {
    const entry = machine.fs.stat(path);
    if (!entry) return;
    const target = join(root, path);
    if (entry.kind === 'dir') {
      await mkdir(target, { recursive: true });
      for (const name of machine.fs.readdir(path)) await walk(`${path}/${name}`);
      return;
    }
    let text = '';
    try {
      text = machine.fs.read(path);
    } catch {
      // write-only (`force`): present, never read
    }
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, text);
  };
  await walk(LIVEPATCH_SYSFS);
  const modules = machine.modules
    .loaded()
    .reverse()
    .map((m) => `${m.name} 16384 ${m.refcount} - ${MODULE_STATE[m.state] ?? 'Live'} 0x0000000000000000${m.livepatch ? ' (OEK)' : ' (OE)'}`);
  await mkdir(join(root, 'proc/sys/kernel'), { recursive: true });
  await writeFile(join(root, 'proc/modules'), modules.length ? `${modules.join('\n')}\n` : '');
  await writeFile(join(root, 'proc/sys/kernel/osrelease'), `${machine.release}\n`);
}

/** The simulated machine as `@patchwise/sysfs` reads a real one. */
export async function readSimulated(machine: Machine): Promise<SystemSnapshot> {
  return readWrittenSystem('patchwise-sim-sysfs-', (root) => writeSimTree(machine, root));
}

/** Who a new task runs for each function: the head of its stack (`original` for a nop or none); none during a transition. */
export function simOwners(machine: Machine, functions: readonly string[]): Record<string, string> {
  if (machine.livepatch.transitionPatch) return {};
  const owners: Record<string, string> = {};
  for (const fn of functions) {
    const [object = '', name = ''] = fn.split(':');
    const addr = machine.kallsyms.address(object, name);
    if (!addr) continue;
    const head = machine.livepatch.funcStack(addr)[0];
    owners[fn] = !head || head.nop ? 'original' : head.patchName;
  }
  return owners;
}

/** The steps whose result (`expect: {result}`) is compared. */
export const RESULT_STEPS = new Set(['load', 'disable', 'unload', 'force', 'reverse']);

export const resultName = (ret: number): string => (ret === 0 ? 'ok' : errnoName(ret));

export interface SimRun {
  readonly result: ScenarioResult;
  /** The set-up (index -1) and every step. */
  readonly steps: readonly StepObservation[];
}

/** Runs `scenario` on the simulator as the kernel `release`, observing each step. */
export async function simulate(scenario: Scenario, policies: { entries: readonly PolicyEntry[]; audit: boolean }, release: string): Promise<SimRun> {
  const keyed: Scenario = { ...scenario, machine: { ...scenario.machine, release } };
  const names = [...scenario.patches.map((p) => p.name), ...scenario.modules.map((m) => m.name)];
  const functions = patchedFunctions(scenario.patches);
  const results = new Map<number, string>();
  const after = new Map<number, { state: string[]; owners: Record<string, string> }>();
  const observe = async (machine: Machine) => ({ state: stateLines(await readSimulated(machine), names), owners: simOwners(machine, functions) });
  after.set(-1, await observe(await scenarioMachine(keyed)));
  const result = await runScenario(keyed, {
    policies: policies.entries,
    audit: policies.audit,
    onStep: async (index, h) => {
      after.set(index, await observe(h.machine));
      if (RESULT_STEPS.has(scenario.steps[index]?.name ?? '') && h.lastResult !== undefined) results.set(index, resultName(h.lastResult));
    },
  });
  // The events between two `step` events belong to the first; those before any step to the set-up.
  const logs = new Map<number, string[]>([[-1, []]]);
  const decisions = new Map<number, StepObservation['decisions'][number][]>([[-1, []]]);
  let at = -1;
  for (const event of result.events) {
    if (event.type === 'step') {
      at = event.index;
      logs.set(at, []);
      decisions.set(at, []);
    } else if (event.type === 'log') logs.get(at)?.push(event.record.text);
    else if (event.type === 'decision') decisions.get(at)?.push(summarizeDecision(event.decision));
  }
  const steps: StepObservation[] = [{ index: -1, name: 'setup', log: compareLog(logs.get(-1) ?? [], names), decisions: decisions.get(-1) ?? [], ...(after.get(-1) as { state: string[]; owners: Record<string, string> }) }];
  for (const step of scenario.steps) {
    const seen = after.get(step.index);
    if (!seen) break;
    steps.push({
      index: step.index,
      name: step.name,
      ...(step.line ? { line: step.line } : {}),
      log: compareLog(logs.get(step.index) ?? [], names),
      decisions: decisions.get(step.index) ?? [],
      ...seen,
      ...(results.has(step.index) ? { result: results.get(step.index) } : {}),
    });
  }
  return { result, steps };
}
