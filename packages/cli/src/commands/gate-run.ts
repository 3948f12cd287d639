/**
 * The gate on a real machine: decide with the config's policies on the installed-state snapshot
 * read from the machine, then act through the machine's loader and sysfs, and observe what the
 * kernel did. A refused or undecidable step never touches the kernel.
 */
import { patchInfo, type Decision } from '@patchwise/core';
import { Diagnostic } from '@patchwise/diagnostics';
import { patchDefinition, type PatchManifest } from '@patchwise/manifest';
import type { SavedState } from '@patchwise/scenario';
import type { RealMachine, SystemSnapshot } from '@patchwise/sysfs';
import { appendDecisions } from '../audit-log.js';
import { commandPolicies, recordContext, type ConfigOptions, type PolicySet } from '../config-loading.js';
import { realHost } from '../decision-records.js';
import { ExitCode } from '../exit-codes.js';
import { decisionLines } from '../format.js';
import type { Output } from '../output.js';
import { transitionPolicies, watchTransition, type WatchOptions } from './gate-watch.js';
import { kernelErrorText } from './kernel-errors.js';
import { decisionCopy } from './real-decisions.js';

export interface GateOptions extends ConfigOptions {
  readonly dryRun?: boolean;
  readonly decisions?: string;
  readonly patchDir?: string;
  /** Seconds to wait for a transition. */
  readonly timeout?: string;
}

/** What the gate works with: a machine of kind `real`, and how to read patch modules. */
export interface GateEnv {
  readonly machine: RealMachine;
  /** The manifest a livepatch module carries (its `patchwise_*` metadata and what it patches). */
  readonly moduleManifest: (file: string) => PatchManifest;
  /** The installed patches' own modules in the patch directory, by patch name. */
  readonly patchModules: (dir: string | undefined, names: readonly string[]) => Map<string, PatchManifest>;
  readonly watch?: Partial<WatchOptions>;
}

interface Prepared {
  readonly snapshot: SystemSnapshot;
  readonly state: SavedState;
  readonly policies: PolicySet;
  readonly sim: Awaited<ReturnType<typeof import('@patchwise/scenario').restoreState>>;
}

/** The machine as the simulator's snapshot, restored with the config's policies applied. */
async function prepare(out: Output, env: GateEnv, options: GateOptions, candidate?: PatchManifest): Promise<Prepared> {
  const snapshot = env.machine.read();
  if (!snapshot.livepatch) {
    throw new Diagnostic({ code: 'PW_NO_LIVEPATCH', file: `${env.machine.root}`, reason: 'this kernel has no /sys/kernel/livepatch (CONFIG_LIVEPATCH off, or sysfs not mounted)', hint: 'run on a kernel with livepatch support' });
  }
  const modules = env.patchModules(options.patchDir, snapshot.patches.map((p) => p.name));
  const policies = await commandPolicies(options);
  // The candidate joins the restored machine as a module, unless a patch of its name is installed.
  const { state, unknown, sim } = await decisionCopy(snapshot, modules, policies, new Date(), candidate ? [candidate] : []);
  for (const line of unknown) out.err(out.style('yellow', `note: not known: ${line}`));
  return { snapshot, state, policies, sim };
}

function report(out: Output, decisions: readonly Decision[], options: GateOptions, prepared: Prepared): boolean {
  for (const d of decisions) for (const line of decisionLines(out, d, '')) out.out(line);
  const host = realHost(prepared.snapshot.release ?? prepared.sim.release, prepared.snapshot.bootId);
  if (options.decisions) appendDecisions(options.decisions, decisions, recordContext(prepared.policies, options, host));
  return decisions.every((d) => d.allowed);
}

function watchOptions(env: GateEnv, options: GateOptions): WatchOptions {
  const seconds = options.timeout === undefined ? 60 : Number(options.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Diagnostic({ code: 'PW_USAGE', reason: `\`--timeout ${options.timeout}\` is not a number of seconds`, hint: 'e.g. `--timeout 60`' });
  }
  return { timeoutMs: seconds * 1000, pollMs: 100, ...env.watch };
}

const step = (out: Output, text: string) => out.out(`${out.style('cyan', 'gate')} ${text}`);

/** `gate load MODULE.ko`. */
export async function gateLoad(out: Output, env: GateEnv, file: string, options: GateOptions): Promise<ExitCode> {
  const manifest = env.moduleManifest(file);
  const watch = watchOptions(env, options);
  const prepared = await prepare(out, env, options, manifest);
  const { snapshot, policies, sim } = prepared;
  const definition = patchDefinition(manifest);
  const loaded = snapshot.modules.some((m) => m.name === manifest.name);
  const decisions = await sim.livepatch.check({ operation: 'enable', name: manifest.name, patch: definition, loaded });
  if (!report(out, decisions, options, prepared)) {
    step(out, `refused: '${manifest.name}' not loaded; the kernel was not touched`);
    return ExitCode.Failed;
  }
  if (options.dryRun) {
    step(out, `dry run: would load ${file} and wait for '${manifest.name}' to be patched`);
    return ExitCode.Ok;
  }
  step(out, `load ${file}`);
  const result = await env.machine.load(file);
  if (!result.ok) {
    out.err(`${out.style('red', 'kernel error')} load '${manifest.name}': ${kernelErrorText('load', result)}`);
    return ExitCode.Failed;
  }
  const before = snapshot.patches.map((p) => p.name);
  const outcome = await watchTransition(env.machine, patchInfo(manifest.name, definition), 'patched', transitionPolicies(policies.entries), (line) => step(out, line), watch);
  const after = env.machine.read().patches.map((p) => p.name);
  const gone = before.filter((name) => !after.includes(name));
  if (gone.length) step(out, `replaced: ${gone.map((n) => `'${n}'`).join(', ')} no longer installed`);
  const live = outcome === 'complete' || outcome === 'forced';
  step(out, out.style(live ? 'green' : 'red', live ? `'${manifest.name}' is live` : `'${manifest.name}' is not live (${outcome})`));
  return live ? ExitCode.Ok : ExitCode.Failed;
}

/** `gate disable NAME` and the first half of `gate unload NAME`. */
async function disable(out: Output, env: GateEnv, name: string, options: GateOptions, verb: 'disable' | 'unload'): Promise<ExitCode | 'gone'> {
  const watch = watchOptions(env, options);
  const prepared = await prepare(out, env, options);
  const { snapshot, state, policies, sim } = prepared;
  const patch = snapshot.patches.find((p) => p.name === name);
  if (!patch) return 'gone';
  const decisions = await sim.livepatch.check({ operation: 'disable', name });
  if (!report(out, decisions, options, prepared)) {
    step(out, `refused: '${name}' not ${verb === 'disable' ? 'disabled' : 'unloaded'}; the kernel was not touched`);
    return ExitCode.Failed;
  }
  if (options.dryRun) {
    step(out, `dry run: would write 0 to /sys/kernel/livepatch/${name}/enabled${verb === 'unload' ? ` and remove module '${name}'` : ''}`);
    return ExitCode.Ok;
  }
  step(out, `write 0 to /sys/kernel/livepatch/${name}/enabled`);
  const result = env.machine.write(name, 'enabled', '0');
  if (!result.ok) {
    out.err(`${out.style('red', 'kernel error')} disable '${name}': ${kernelErrorText('disable', result)}`);
    return ExitCode.Failed;
  }
  const installed = state.patches.find((p) => p.manifest.name === name)?.manifest;
  if (!installed) throw new Error(`the snapshot lacks '${name}'`);
  const info = patchInfo(name, patchDefinition(installed));
  const outcome = await watchTransition(env.machine, info, 'unpatched', transitionPolicies(policies.entries), (line) => step(out, line), watch);
  const done = outcome === 'complete' || outcome === 'forced';
  step(out, out.style(done ? 'green' : 'red', done ? `'${name}' disabled` : `'${name}' is still installed (${outcome})`));
  return done ? ExitCode.Ok : ExitCode.Failed;
}

export async function gateDisable(out: Output, env: GateEnv, name: string, options: GateOptions): Promise<ExitCode> {
  const result = await disable(out, env, name, options, 'disable');
  if (result !== 'gone') return result;
  out.err(`${out.style('red', 'kernel error')} disable '${name}': ${kernelErrorText('disable', { ok: false, errno: 'ENOENT', detail: `no /sys/kernel/livepatch/${name}` })}`);
  return ExitCode.Failed;
}

/** `gate unload NAME`: disable it (through the gate) if installed, then remove its module. */
export async function gateUnload(out: Output, env: GateEnv, name: string, options: GateOptions): Promise<ExitCode> {
  const disabled = await disable(out, env, name, options, 'unload');
  if (disabled !== 'gone' && disabled !== ExitCode.Ok) return disabled;
  if (options.dryRun) {
    if (disabled === 'gone') step(out, `dry run: would remove module '${name}'`);
    return ExitCode.Ok;
  }
  step(out, `remove module '${name}'`);
  const result = await env.machine.unload(name);
  if (!result.ok) {
    out.err(`${out.style('red', 'kernel error')} unload '${name}': ${kernelErrorText('unload', result)}`);
    return ExitCode.Failed;
  }
  step(out, out.style('green', `'${name}' unloaded`));
  return ExitCode.Ok;
}
