/**
 * `patchwise load PATCH`, `disable NAME`, `unload NAME` with `--state FILE`: one operation on a saved
 * machine, judged by the config's policies, without writing a scenario. An allowed operation writes
 * the new state back (atomically); a refused one leaves the file as it was and exits 1.
 */
import { Command, Option } from 'commander';
import { errnoName, type Decision } from '@patchwise/core';
import { Diagnostic } from '@patchwise/diagnostics';
import { loadManifestFile, type PatchManifest } from '@patchwise/manifest';
import { applyPolicies } from '@patchwise/policy';
import { readState, restoreState, saveState } from '@patchwise/scenario';
import { LIVEPATCH_SYSFS, type LogRecord, type Machine } from '@patchwise/sim';
import { appendDecisions, DECISIONS_OPTION } from '../audit-log.js';
import { commandPolicies, recordContext, type ConfigOptions } from '../config-loading.js';
import { fleetRecord, LABEL_OPTION, simulatedHost } from '../decision-records.js';
import { ExitCode } from '../exit-codes.js';
import { decisionLines, logLine } from '../format.js';
import type { Output } from '../output.js';
import { displayPath, pathValue } from '../paths.js';
import { refuseOverwritingInput, writeFileAtomic } from '../safe-write.js';

export interface StateOpOptions extends ConfigOptions {
  readonly state: string;
  readonly decisions?: string;
  readonly format?: 'text' | 'json';
}

type Operation = 'load' | 'disable' | 'unload';

/** Machine time a transition may take before the command gives up waiting (tasks retry every second). */
const SETTLE_LIMIT_MS = 60_000;

function settle(machine: Machine): void {
  for (let waited = 0; machine.livepatch.transitionPatch && waited < SETTLE_LIMIT_MS; waited += 1000) machine.advance(1000);
}

async function perform(machine: Machine, op: Operation, name: string): Promise<number> {
  const installed = machine.livepatch.findPatch(name);
  if (op === 'load') return machine.insmod(name);
  if (installed) {
    const ret = await machine.write(`${LIVEPATCH_SYSFS}/${name}/enabled`, '0');
    if (ret) return ret;
    settle(machine);
  }
  return op === 'unload' ? machine.rmmod(name) : 0;
}

export async function stateOp(out: Output, op: Operation, target: string, options: StateOpOptions): Promise<ExitCode> {
  const state = readState(options.state);
  const known = state.patches.map((p) => p.manifest);
  let added: PatchManifest | undefined;
  if (op === 'load') {
    added = loadManifestFile(target, displayPath(target));
    const name = added.name;
    if (known.some((m) => m.name === name)) {
      throw new Diagnostic({ code: 'PW_USAGE', file: target, path: 'name', reason: `patch '${name}' is already installed in ${displayPath(options.state)}`, hint: 'give the new patch its own name, or `patchwise unload` the old one first' });
    }
  } else if (!known.some((m) => m.name === target)) {
    throw new Diagnostic({
      code: 'PW_USAGE',
      file: options.state,
      reason: `no patch '${target}' in this state`,
      hint: known.length ? `installed: ${known.map((m) => m.name).join(', ')}` : 'the state has no patches installed',
    });
  }
  const name = added?.name ?? target;
  const policies = await commandPolicies(options);
  if (options.decisions) {
    refuseOverwritingInput(options.decisions, '--decisions', [
      [options.state, 'the state file'],
      [added ? target : undefined, 'the patch manifest'],
      [policies.file, 'the config file'],
    ]);
  }
  const machine = await restoreState(state, added ? [added] : []);
  const log: LogRecord[] = [];
  const decisions: Decision[] = [];
  machine.log.subscribe((record) => log.push(record));
  machine.livepatch.hooks.decision.tap({ name: 'cli-state-op', order: 'post' }, (d) => void decisions.push(d));
  applyPolicies(machine.livepatch, policies.entries, { audit: policies.audit });
  const ret = await perform(machine, op, name);
  if (!ret) settle(machine);
  const done = ret === 0;
  const context = recordContext(policies, options, simulatedHost(machine.release));
  if (options.decisions) appendDecisions(options.decisions, decisions, context);
  if (done) writeFileAtomic(options.state, `${JSON.stringify(saveState(machine, added ? [...known, added] : known), null, 2)}\n`);
  const result = done ? `${op} '${name}': done, ${displayPath(options.state)} updated` : `${op} '${name}' refused (${errnoName(ret)}); ${displayPath(options.state)} unchanged`;
  if (options.format === 'json') {
    for (const record of log) out.out(JSON.stringify({ type: 'log', time: record.time, level: record.level, text: record.text }));
    for (const d of decisions) out.out(JSON.stringify({ type: 'decision', ...fleetRecord(d, context) }));
    out.out(JSON.stringify({ type: 'result', operation: op, patch: name, done, ...(done ? {} : { error: errnoName(ret) }), state: options.state }));
  } else {
    for (const record of log) if (!record.text.includes('tainting kernel')) out.out(logLine(out, record));
    for (const d of decisions) if (d.policies.length || d.findings.length) for (const line of decisionLines(out, d, '')) out.out(line);
    out.out(out.style(done ? 'green' : 'red', `${result} (policies: ${policies.source})`));
  }
  return done ? ExitCode.Ok : ExitCode.Failed;
}

function stateOpCommand(op: Operation, summary: string, argument: [string, string], examples: string) {
  return (runner: (fn: () => Promise<ExitCode>) => Promise<void>, out: () => Output): Command =>
    new Command(op)
      .summary(summary)
      .description(
        `${summary[0]?.toUpperCase()}${summary.slice(1)}, on the machine saved in --state, judged by the config's policies. Allowed: the state file is rewritten (atomically) with the result. Refused: the decision and its reasons are printed and the file is left as it was.`,
      )
      .argument(...argument)
      .requiredOption('--state <file>', 'the saved machine state (from `run --save-state`), read and written back', pathValue)
      .option('-c, --config <file>', 'use this config file instead of discovering one (`none`: no policies, the kernel alone)', pathValue)
      .addOption(new Option('--format <format>', 'text, or json: log lines, decision records, then a result').choices(['text', 'json']).default('text'))
      .option(...DECISIONS_OPTION)
      .option(...LABEL_OPTION)
      .option('--audit', 'report every policy error as a warning (nothing is refused)')
      .addHelpText('after', `\nExamples:\n${examples}\n\nExit codes: 0 done (state written), 1 refused (state unchanged), 2 bad input.`)
      .action((arg: string, options: StateOpOptions) => runner(() => stateOp(out(), op, arg, options)));
}

export const loadCommand = stateOpCommand(
  'load',
  'load and enable a patch on a saved state',
  ['<patch>', 'the patch manifest (YAML or JSON)'],
  '  $ patchwise load patches/acme-2.yaml --state prod.state.json\n  $ patchwise load patches/beta.yaml --state prod.state.json --format json',
);
export const disableCommand = stateOpCommand(
  'disable',
  'disable an installed patch of a saved state',
  ['<name>', 'the patch name'],
  '  $ patchwise disable acme-base --state prod.state.json',
);
export const unloadCommand = stateOpCommand(
  'unload',
  'disable (if enabled) and remove a patch from a saved state, like `kpatch unload`',
  ['<name>', 'the patch name'],
  '  $ patchwise unload acme-base --state prod.state.json',
);
