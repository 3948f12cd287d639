/**
 * Which parts of a scenario a real kernel can perform, decided before anything boots: the modules
 * generated for its patches and target modules (with kernel threads for tasks that sleep in a
 * module's function), and for each step either how it runs or why it cannot. Nothing is dropped:
 * a step that cannot run is reported as "not performable on RELEASE: REASON".
 */
import { vmOpLine } from '@patchwise/kselftest';
import { moduleFunctionsOf, parseFunctionRef, VMLINUX, type PatchManifest } from '@patchwise/manifest';
import type { Scenario } from '@patchwise/scenario';
import type { GeneratedModule, Modgen, TargetTask } from './modgen-contract.js';

/** The steps `run --vm` performs itself; any other step is a selftest op, run by the replay's shell library. */
export const VM_STEPS = new Set(['load', 'disable', 'unload', 'advance', 'timer', 'force', 'reverse', 'wake', 'sleep', 'expect']);

export interface ScenarioPlan {
  readonly modules: readonly GeneratedModule[];
  /** Patches and modules with no module on the kernel, and why. */
  readonly missing: ReadonlyMap<string, string>;
  /** Tasks that exist on the kernel (kernel threads of a target module), by scenario name. */
  readonly threads: ReadonlyMap<string, { readonly comm: string; readonly module: string }>;
  /** Tasks that cannot exist on the kernel, and why. */
  readonly absentTasks: ReadonlyMap<string, string>;
  /** Per step index: why it cannot be performed (absent: it can). */
  readonly steps: ReadonlyMap<number, string>;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The names a step's arguments refer to: patches and modules (`modules` of the op), tasks. */
function stepTasks(name: string, args: unknown): string[] {
  if (name === 'wake' && typeof args === 'string') return [args];
  if (name === 'sleep' && typeof args === 'object' && args) return [(args as { task: string }).task];
  return [];
}

function sleepTarget(name: string, args: unknown): { task: string; in: string } | undefined {
  return name === 'sleep' && typeof args === 'object' && args ? (args as { task: string; in: string }) : undefined;
}

export function planScenario(scenario: Scenario, modgen: Pick<Modgen, 'livepatchModule' | 'targetModule'>, options: { policies: boolean }): ScenarioPlan {
  const modules: GeneratedModule[] = [];
  const missing = new Map<string, string>();
  const threads = new Map<string, { comm: string; module: string }>();
  const absentTasks = new Map<string, string>();
  for (const t of scenario.tasks) {
    if (!t.sleepsIn) continue;
    const ref = parseFunctionRef(t.sleepsIn);
    if (ref.object === VMLINUX) {
      absentTasks.set(t.name, `task \`${t.name}\` sleeps in vmlinux's \`${ref.name}\`: on a real kernel only a function of a generated target module can hold a kernel thread asleep`);
    }
  }
  // A task that starts awake and is sent to sleep later becomes an idle thread of the module it
  // first sleeps in (a thread stays in its module: sleeping elsewhere later is not performable).
  const firstSleep = new Map<string, string>();
  for (const step of scenario.steps) {
    const asleep = sleepTarget(step.name, step.args);
    if (asleep && !firstSleep.has(asleep.task)) firstSleep.set(asleep.task, parseFunctionRef(asleep.in).object);
  }
  const moduleNames = new Set(scenario.modules.map((m) => m.name));
  const fromPatches = moduleFunctionsOf(scenario.patches);
  for (const m of scenario.modules) {
    const tasks: TargetTask[] = scenario.tasks.flatMap((t) => {
      const comm = t.comm ? { comm: t.comm } : {};
      if (!t.sleepsIn) return firstSleep.get(t.name) === m.name && moduleNames.has(m.name) ? [{ name: t.name, ...comm }] : [];
      const ref = parseFunctionRef(t.sleepsIn);
      return ref.object === m.name ? [{ name: t.name, ...comm, sleepsIn: ref.name }] : [];
    });
    try {
      modules.push(modgen.targetModule({ name: m.name, functions: [...new Set([...m.functions, ...(fromPatches.get(m.name) ?? [])])] }, tasks));
      for (const t of tasks) threads.set(t.name, { comm: t.comm ?? t.name, module: m.name });
    } catch (err) {
      missing.set(m.name, `module \`${m.name}\`: ${reasonOf(err)}`);
      for (const t of tasks) absentTasks.set(t.name, `task \`${t.name}\` sleeps in module \`${m.name}\`, which cannot be built: ${reasonOf(err)}`);
    }
  }
  for (const p of scenario.patches) {
    try {
      modules.push(modgen.livepatchModule(p as PatchManifest));
    } catch (err) {
      missing.set(p.name, `patch \`${p.name}\`: ${reasonOf(err)}`);
    }
  }
  const steps = new Map<number, string>();
  for (const step of scenario.steps) {
    const names = step.spec.modules?.(step.args) ?? [];
    const reasons = [
      ...names.flatMap((n) => (missing.has(n) ? [missing.get(n) as string] : [])),
      ...stepTasks(step.name, step.args).flatMap((t) => (absentTasks.has(t) ? [absentTasks.get(t) as string] : [])),
    ];
    const asleep = sleepTarget(step.name, step.args);
    if (asleep && !absentTasks.has(asleep.task)) {
      const thread = threads.get(asleep.task);
      const ref = parseFunctionRef(asleep.in);
      if (!thread) reasons.push(`task \`${asleep.task}\` has no kernel thread on a real kernel: only tasks that sleep in a target module's functions do`);
      else if (ref.object !== thread.module) reasons.push(`task \`${asleep.task}\` is a kernel thread of module \`${thread.module}\`: it can sleep only in that module's functions (or their replacements), not in \`${asleep.in}\``);
    }
    if (step.name === 'wake' && typeof step.args === 'string' && !absentTasks.has(step.args) && !threads.has(step.args)) {
      reasons.push(`task \`${step.args}\` has no kernel thread on a real kernel, so nothing sleeps to be woken`);
    }
    if (step.name === 'reverse' && options.policies) reasons.push('a `reverse` step is gated, and the host cannot dry-run a reverse against a real kernel\'s state (the core\'s check knows enable and disable)');
    const known = new Set([...scenario.patches.map((p) => p.name), ...scenario.modules.map((m) => m.name)]);
    const selftest = names.filter((n) => !known.has(n));
    if (selftest.length) reasons.push(`the kernel's selftest modules (${selftest.join(', ')}) are not part of \`run --vm\`'s payload; use \`replay --vm\``);
    else if (!VM_STEPS.has(step.name)) {
      const line = vmOpLine(step);
      if ('unsupported' in line) reasons.push(line.unsupported);
    }
    if (reasons.length) steps.set(step.index, reasons.join('; '));
  }
  return { modules, missing, threads, absentTasks, steps };
}
