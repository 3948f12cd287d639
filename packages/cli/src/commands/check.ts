/**
 * `patchwise check PATCH...`: would loading these patches (or disabling one) be allowed? A dry run
 * of the config's policies and of the kernel's own rules, on an empty machine or a saved state.
 */
import { Command, Option } from 'commander';
import { Diagnostic } from '@patchwise/diagnostics';
import type { Decision } from '@patchwise/core';
import { kernelFunctionsOf, loadManifestFile, manifestModule, patchDefinition, type PatchManifest } from '@patchwise/manifest';
import { applyPolicies } from '@patchwise/policy';
import { Machine } from '@patchwise/sim';
import { commandPolicies, recordContext, type ConfigOptions } from '../config-loading.js';
import { appendDecisions, DECISIONS_OPTION } from '../audit-log.js';
import { fleetRecord, LABEL_OPTION, simulatedHost } from '../decision-records.js';
import { ExitCode } from '../exit-codes.js';
import { decisionLines } from '../format.js';
import type { Output } from '../output.js';
import { displayPath, pathValue, pathValues } from '../paths.js';
import { refuseOverwritingInput } from '../safe-write.js';

export interface CheckOptions extends ConfigOptions {
  readonly decisions?: string;
  readonly state?: string;
  /** `uname -r` of the machine checked against (without --state). */
  readonly kernel?: string;
  /** The machine's wall-clock time, ISO 8601 (without --state). */
  readonly time?: string;
  readonly disable?: string[];
  readonly format?: 'text' | 'json';
}

export async function check(out: Output, paths: readonly string[], options: CheckOptions): Promise<ExitCode> {
  const manifests: PatchManifest[] = paths.map((p) => loadManifestFile(p, displayPath(p)));
  // Two manifests of one name are one livepatch module twice: bad input, not a kernel refusal.
  const named = new Map<string, string>();
  manifests.forEach((m, i) => {
    const file = displayPath(paths[i] ?? '');
    const first = named.get(m.name);
    if (first !== undefined) {
      throw new Diagnostic({ code: 'PW_DUPLICATE_PATCH', file, path: 'name', reason: `patch '${m.name}' is also defined by ${first}`, hint: 'give each patch its own name' });
    }
    named.set(m.name, file);
  });
  const disables = options.disable ?? [];
  if (manifests.length === 0 && disables.length === 0) {
    throw new Diagnostic({ code: 'PW_USAGE', reason: 'nothing to check', hint: 'pass patch manifests, or `--disable NAME`' });
  }
  const policies = await commandPolicies(options);
  if (options.decisions) {
    refuseOverwritingInput(options.decisions, '--decisions', [
      ...paths.map((p) => [p, 'a patch manifest checked'] as const),
      [options.state, 'the state file'],
      [policies.file, 'the config file'],
    ]);
  }
  // Perf: the scenario package (saved states) is imported only for --state.
  const scenario = options.state ? await import('@patchwise/scenario') : undefined;
  const state = options.state && scenario ? scenario.readState(options.state) : undefined;
  // Time-dependent policies judge now, as a real `check` before a rollout would; --time pins it.
  const epoch = options.time === undefined ? (state ? undefined : Date.now()) : Date.parse(options.time);
  if (epoch !== undefined && Number.isNaN(epoch)) {
    throw new Diagnostic({ code: 'PW_USAGE', reason: `\`--time ${options.time}\` is not a date`, hint: 'use ISO 8601, e.g. 2026-11-24T10:00:00Z' });
  }
  const machine =
    state && scenario
      ? await scenario.restoreState(state, manifests)
      : new Machine({
          kernelFunctions: kernelFunctionsOf(manifests),
          ...(options.kernel ? { release: options.kernel } : {}),
          ...(epoch !== undefined ? { epoch } : {}),
        });
  if (!state) for (const m of manifests) machine.addModule(manifestModule(m));
  applyPolicies(machine.livepatch, policies.entries, { audit: policies.audit });
  const context = recordContext(policies, options, simulatedHost(machine.release));
  const decisions: Decision[] = [];
  const report = (list: readonly Decision[]) => {
    decisions.push(...list);
    for (const d of list) {
      if (options.format === 'json') out.out(JSON.stringify({ type: 'decision', ...fleetRecord(d, context) }));
      else for (const line of decisionLines(out, d, '')) out.out(line);
    }
  };
  // Each allowed patch is loaded, so the next one is checked against it.
  for (const manifest of manifests) {
    const verdict = await machine.livepatch.check({ operation: 'enable', name: manifest.name, patch: patchDefinition(manifest) });
    report(verdict);
    if (verdict.every((d) => d.allowed)) {
      // The same policies on the same machine at the same time: the load is allowed again.
      await machine.insmod(manifest.name);
      machine.advance(1000);
    }
  }
  for (const name of disables) report(await machine.livepatch.check({ operation: 'disable', name }));
  const denied = decisions.filter((d) => !d.allowed).length;
  if (options.decisions) appendDecisions(options.decisions, decisions, context);
  // What was judged against: the first decision's time (later ones are after the loads before them).
  const at = new Date(decisions[0]?.time ?? machine.now).toISOString();
  if (options.format === 'json') {
    out.out(JSON.stringify({ type: 'summary', decisions: decisions.length, allowed: decisions.length - denied, denied, time: at, kernel: machine.release }));
  } else {
    const summary = `${decisions.length} decision${decisions.length === 1 ? '' : 's'}: ${decisions.length - denied} allowed, ${denied} denied (policies: ${policies.source}; at ${at}, kernel ${machine.release})`;
    out.out(out.style(denied ? 'red' : 'green', summary));
  }
  return denied ? ExitCode.Failed : ExitCode.Ok;
}

export function checkCommand(runner: (fn: () => Promise<ExitCode>) => Promise<void>, out: () => Output): Command {
  return new Command('check')
    .summary('dry run: would loading these patches (or a disable) be allowed, and why not?')
    .description(
      "Check patch manifests against the config's policies and the kernel's own rules, without changing anything. Each allowed patch counts as loaded for the next one. Starts from an empty machine, or from a state saved by `run --save-state`.",
    )
    .argument('[patch...]', 'patch manifests (YAML or JSON)', pathValues)
    .option('-c, --config <file>', 'use this config file instead of discovering one (`none`: no policies, the kernel alone)', pathValue)
    .option('--state <file>', 'start from this saved machine state (it carries its own kernel release and time)', pathValue)
    // A saved state carries its own release and time: these would be silently ignored with it.
    .addOption(new Option('--kernel <release>', 'the kernel release (`uname -r`) to check against, without --state').conflicts('state'))
    .addOption(new Option('--time <iso>', "the machine's time (ISO 8601), for time-dependent policies (default: now), without --state").conflicts('state'))
    .option('--disable <name>', 'check disabling this installed patch (repeatable)', (v: string, all: string[] = []) => [...all, v])
    .addOption(new Option('--format <format>', 'text, or json: one decision record per line, then a summary').choices(['text', 'json']).default('text'))
    .option(...DECISIONS_OPTION)
    .option(...LABEL_OPTION)
    .option('--audit', 'report every policy error as a warning')
    .addHelpText(
      'after',
      `
Examples:
  $ patchwise check patches/acme-fix.yaml patches/beta-fix.yaml
  $ patchwise check --kernel 6.8.0-45-generic patches/acme-base.yaml
  $ patchwise check --state prod.state.json patches/acme-2.yaml
  $ patchwise check --state prod.state.json --disable acme-base --format json

The summary names the time and the kernel release judged at.

Exit codes: 0 allowed, 1 denied, 2 bad input.`,
    )
    .action((paths: string[], options: CheckOptions) => runner(() => check(out(), paths, options)));
}
