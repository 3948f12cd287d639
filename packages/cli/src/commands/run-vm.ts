/**
 * `patchwise run --vm` and `run --compare`: scenarios on a real kernel (Debian's 6.1 or 6.12 under
 * QEMU), alone or side by side with the simulator. Every scenario's modules are generated and built
 * first (bad input and build failures before anything boots), then ONE guest runs the scenarios in
 * turn, rebooted only when a scenario leaves something it cannot clean (a forced unpatch pins its
 * module until reboot).
 */
import { Diagnostic } from '@patchwise/diagnostics';
import { bootGuest, fetchKernel, isKernelSeries, QemuError, realKernelUnavailable, type Guest, type Kernel, type PayloadFile } from '@patchwise/qemu';
import type { Scenario } from '@patchwise/scenario';
import type { PolicySet } from '../config-loading.js';
import { decisionLines } from '../format.js';
import type { Output } from '../output.js';
import { compareRuns, differenceKey, type Difference } from '../vm-run/compare.js';
import { GuestMachine } from '../vm-run/guest-machine.js';
import type { GeneratedModule, Modgen } from '../vm-run/modgen-contract.js';
import { planScenario, type ScenarioPlan } from '../vm-run/plan.js';
import { simulate, type SimRun } from '../vm-run/sim-side.js';
import { VmScenario, type VmRun } from '../vm-run/vm-scenario.js';

export interface VmRunOptions {
  readonly kernel?: string;
  readonly compare?: boolean;
  readonly format?: 'text' | 'json' | 'junit';
}

/** Where a scenario's modules are in the guest: one folder per scenario (two scenarios may name a patch alike). */
const guestDir = (i: number) => `/pw/scenarios/${i}`;

export function vmUnavailable(reason: string): Diagnostic {
  return new Diagnostic({ code: 'PW_VM_UNAVAILABLE', reason, hint: 'run scripts/setup-real-kernel.sh, or run without `--vm`/`--compare`' });
}

async function loadModgen(): Promise<Modgen> {
  // Loaded only here: the simulator's commands never need the C generator.
  return import('@patchwise/modgen');
}

/** Leaves the guest as a fresh one: no patch, none of the scenario's modules. False when it cannot (a forced unpatch pins its module). */
async function cleanScenario(guest: Guest, names: readonly string[]): Promise<boolean> {
  const list = names.join(' ');
  const r = await guest.exec(
    `for p in $(ls /sys/kernel/livepatch); do echo 0 > /sys/kernel/livepatch/$p/enabled; done 2>/dev/null
     i=0; while [ -n "$(ls /sys/kernel/livepatch)" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
     for m in ${list}; do grep -q "^$m " /proc/modules && rmmod $m 2>/dev/null; done
     [ -z "$(ls /sys/kernel/livepatch)" ] && for m in ${list}; do ! grep -q "^$m " /proc/modules || exit 1; done`,
    { timeoutMs: 120_000 },
  );
  return r.status === 0;
}

/**
 * Every scenario's modules in as few kbuild runs as names allow: one run builds one module of each
 * name, so two scenarios' different `acme_fix` go to two runs, and the same module twice is built once.
 */
async function buildAll(modgen: Modgen, plans: readonly ScenarioPlan[], kernel: Kernel): Promise<Map<string, string>[]> {
  const layers: GeneratedModule[][] = [];
  const where = new Map<string, number>();
  const keyOf = (m: GeneratedModule) => `${m.name}\0${JSON.stringify(m.files)}`;
  for (const plan of plans) {
    for (const m of plan.modules) {
      if (where.has(keyOf(m))) continue;
      let layer = layers.findIndex((l) => !l.some((other) => other.name === m.name));
      if (layer < 0) layer = layers.push([]) - 1;
      (layers[layer] as GeneratedModule[]).push(m);
      where.set(keyOf(m), layer);
    }
  }
  const built: Map<string, string>[] = [];
  for (const layer of layers) built.push(await modgen.buildModules(layer, { release: kernel.release, headersDir: kernel.headersDir }));
  return plans.map((plan) => new Map(plan.modules.map((m) => [m.name, (built[where.get(keyOf(m)) as number] as Map<string, string>).get(m.name) as string])));
}

interface Prepared {
  readonly scenario: Scenario;
  readonly policies: PolicySet;
  readonly plan: ScenarioPlan;
  readonly kos: Map<string, string>;
}

export interface VmOutcome {
  readonly vm: VmRun;
  readonly sim?: SimRun;
  readonly differences?: readonly Difference[];
}

/** Runs the scenarios on a real kernel (and, with `compare`, on the simulator keyed to its release). */
export async function runOnVm(out: Output, scenarios: readonly Scenario[], sets: readonly PolicySet[], options: VmRunOptions, onOutcome: (o: VmOutcome, i: number) => void): Promise<void> {
  const series = options.kernel ?? '6.12';
  if (!isKernelSeries(series)) throw new Diagnostic({ code: 'PW_BAD_OPTION', reason: `unknown kernel \`${series}\``, hint: 'use `--kernel 6.1` or `--kernel 6.12`' });
  const missing = await realKernelUnavailable();
  if (missing) throw vmUnavailable(`cannot boot a real kernel here: ${missing}`);
  const modgen = await loadModgen();
  let kernel: Kernel;
  const prepared: Prepared[] = [];
  const payload: PayloadFile[] = [];
  try {
    const t = Date.now();
    kernel = await fetchKernel(series);
    const plans = scenarios.map((scenario, i) => planScenario(scenario, modgen, { policies: (sets[i] as PolicySet).entries.length > 0 }));
    const built = await buildAll(modgen, plans, kernel);
    for (const [i, scenario] of scenarios.entries()) {
      const kos = new Map<string, string>();
      for (const [name, file] of built[i] as Map<string, string>) {
        const path = `${guestDir(i)}/${name}.ko`;
        payload.push({ path, source: file });
        kos.set(name, path);
      }
      prepared.push({ scenario, policies: sets[i] as PolicySet, plan: plans[i] as ScenarioPlan, kos });
    }
    out.err(`kernel ${kernel.release} and ${payload.length} generated modules ready in ${Math.round((Date.now() - t) / 1000)} s`);
  } catch (err) {
    if (err instanceof QemuError) throw vmUnavailable(err.message);
    throw err;
  }
  let guest: Guest | undefined;
  try {
    for (const [i, p] of prepared.entries()) {
      if (!guest) {
        guest = await bootGuest({ kernel, payload, bootTimeoutMs: 300_000, execTimeoutMs: 300_000 });
        out.err(`booted ${kernel.release} in ${(guest.bootMs / 1000).toFixed(1)} s`);
      }
      const env = { guest, machine: new GuestMachine(guest), release: kernel.release, kos: p.kos, modgen };
      const vm = await new VmScenario(env, p.scenario, p.plan, p.policies).run();
      const sim = options.compare ? await simulate(p.scenario, p.policies, kernel.release) : undefined;
      onOutcome({ vm, ...(sim ? { sim, differences: compareRuns(sim.steps, vm.steps) } : {}) }, i);
      const names = [...p.scenario.patches.map((m) => m.name), ...p.scenario.modules.map((m) => m.name)];
      if (!(await cleanScenario(guest, names))) {
        await guest.close();
        guest = undefined;
      }
    }
  } catch (err) {
    if (err instanceof QemuError) throw vmUnavailable(err.message);
    throw err;
  } finally {
    await guest?.close();
  }
}

/** `run --vm`'s text: the guest's log, the host's decisions and notes, what could not be performed, the expectations. */
export function printVmRun(out: Output, run: VmRun, policies: PolicySet): void {
  const { scenario } = run;
  out.out(out.style('bold', `▶ ${scenario.name}`) + out.style('dim', `  (${scenario.file}; policies: ${policies.source}; kernel ${run.release})`));
  for (const event of run.events) {
    if (event.type === 'log') {
      if (!/taints kernel|tainting kernel/.test(event.text)) out.out(`  ${event.text}`);
    } else if (event.type === 'decision') {
      for (const line of decisionLines(out, event.decision, '    ')) out.out(line);
    } else if (event.type === 'note') out.out(out.style('cyan', `    ${event.text}`));
    else if (event.type === 'not-performable') out.out(`    ${out.style('yellow', '⚠')} step ${event.step === 0 ? 'setup' : event.step}: ${event.reason}`);
    else if (event.type === 'expect') {
      const { passed, message, line } = event.result;
      const where = line ? out.style('dim', ` (${scenario.file}:${line})`) : '';
      out.out(`    ${passed ? out.style('green', '✓ expect') : out.style('red', '✗ expect')} ${message}${where}`);
    }
  }
  if (run.failure) out.out(`    ${out.style('red', '✗ stopped:')} ${run.failure.message}`);
  const held = run.expectations.filter((e) => e.passed).length;
  const np = run.notPerformable.length ? `, ${run.notPerformable.length} not performable on ${run.release}` : '';
  out.out(`  ${run.passed ? out.style('green', 'PASS') : out.style('red', 'FAIL')} ${scenario.name}: ${held}/${run.expectations.length} expectations held, ${run.decisions.length} decisions${np}\n`);
}

export function printDifferences(out: Output, o: VmOutcome): void {
  const { scenario } = o.vm;
  const differences = o.differences ?? [];
  out.out(out.style('bold', `▶ ${scenario.name}`) + out.style('dim', `  (${scenario.file}; simulator as ${o.vm.release} vs the real ${o.vm.release})`));
  for (const d of differences) {
    out.out(`  ${out.style('yellow', differenceKey(d))}`);
    for (const line of d.lines) out.out(`    ${line.startsWith('- ') ? out.style('red', line) : line.startsWith('+ ') ? out.style('green', line) : line}`);
  }
  out.out(`  ${differences.length === 0 ? out.style('green', 'SAME') : out.style('red', 'DIFFERENT')} ${scenario.name}: ${differences.length} difference${differences.length === 1 ? '' : 's'}\n`);
}

export function vmJson(o: VmOutcome): object[] {
  const { vm } = o;
  const lines: object[] = [{ type: 'scenario', name: vm.scenario.name, file: vm.scenario.file, kernel: vm.release }];
  for (const e of vm.events) {
    if (e.type === 'log') lines.push({ type: 'log', source: e.source, text: e.text });
    else if (e.type === 'decision') lines.push({ type: 'decision', operation: e.decision.operation, patch: e.decision.patch, gate: e.decision.gate, allowed: e.decision.allowed, findings: e.decision.findings.map((f) => ({ policy: f.policy, code: f.code, severity: f.severity, message: f.message })) });
    else if (e.type === 'expect') lines.push({ type: 'expect', ...e.result });
    else if (e.type === 'not-performable') lines.push({ type: 'not-performable', step: e.step, reason: e.reason });
    else if (e.type === 'note') lines.push({ type: 'note', text: e.text });
  }
  for (const d of o.differences ?? []) lines.push({ type: 'difference', key: differenceKey(d), step: d.step, name: d.name, kind: d.kind, lines: d.lines });
  lines.push({ type: 'result', name: vm.scenario.name, passed: vm.passed, notPerformable: vm.notPerformable.length, ...(o.differences ? { differences: o.differences.length } : {}), ...(vm.failure ? { failure: vm.failure } : {}) });
  return lines;
}
