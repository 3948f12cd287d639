/**
 * `patchwise run SCENARIO...`: run scenarios on the simulated kernel with the config's policies.
 */
import { mkdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Command, Option } from 'commander';
import { Diagnostic } from '@patchwise/diagnostics';
import { loadScenario, runScenario, saveState, SCENARIO_STEPS, stackLine, type Scenario, type ScenarioResult } from '@patchwise/scenario';
import { commandPolicies, recordContext, scenarioPolicies, type ConfigOptions, type PolicySet } from '../config-loading.js';
import { appendDecisions, DECISIONS_OPTION } from '../audit-log.js';
import { fleetRecord, LABEL_OPTION, simulatedHost, type RecordContext } from '../decision-records.js';
import { ExitCode } from '../exit-codes.js';
import { decisionLines, findingLogText, logLine } from '../format.js';
import { junitXml, type JunitCase, type JunitSuite } from '../junit.js';
import { captureOutput, type Output } from '../output.js';
import { Progress } from '../progress.js';
import { displayPath, expandFiles, pathValue, pathValues, SCENARIO_FILE } from '../paths.js';
import { REPORT_OPTION } from '../report-option.js';
import { refuseOverwritingInput, writeFileAtomic } from '../safe-write.js';

export interface RunOptions extends ConfigOptions {
  /** Show every patched function's stack whenever a step changes them. */
  readonly stacks?: boolean;
  readonly decisions?: string;
  readonly format?: 'text' | 'json' | 'junit';
  readonly saveState?: string;
  /** Write the runs as one HTML page. */
  readonly report?: string;
  /** Run on a real kernel under QEMU. */
  readonly vm?: boolean;
  /** Run on the simulator and on a real kernel, and print every difference. */
  readonly compare?: boolean;
  /** `6.1` or `6.12` (with `--vm` or `--compare`). */
  readonly kernel?: string;
}

/** The options `--vm` and `--compare` cannot honour, refused before anything runs. */
function refuseWithVm(options: RunOptions): void {
  const flag = options.compare ? '--compare' : '--vm';
  const clash = (
    [
      ['--save-state', options.saveState],
      ['--decisions', options.decisions],
      ['--report', options.report],
      ['--stacks', options.stacks],
      ['--format junit', options.format === 'junit' ? true : undefined],
    ] as const
  ).find(([, v]) => v !== undefined && v !== false);
  if (clash) throw new Diagnostic({ code: 'PW_USAGE', reason: `\`${clash[0]}\` is not available with \`${flag}\``, hint: `drop \`${clash[0]}\`, or run on the simulator alone` });
  if (options.kernel !== undefined && !options.vm && !options.compare) throw new Diagnostic({ code: 'PW_USAGE', reason: '`--kernel` chooses the real kernel of `--vm` or `--compare`', hint: 'add `--vm` or `--compare`' });
}

async function runVm(out: Output, scenarios: readonly Scenario[], sets: readonly PolicySet[], options: RunOptions): Promise<ExitCode> {
  const vm = await import('./run-vm.js');
  let failed = 0;
  let different = 0;
  let differences = 0;
  await vm.runOnVm(out, scenarios, sets, { ...(options.kernel ? { kernel: options.kernel } : {}), compare: options.compare === true }, (o, i) => {
    if (!o.vm.passed) failed += 1;
    if (o.differences?.length) {
      different += 1;
      differences += o.differences.length;
    }
    if (options.format === 'json') for (const line of vm.vmJson(o)) out.out(JSON.stringify(line));
    else if (options.compare) vm.printDifferences(out, o);
    else vm.printVmRun(out, o.vm, sets[i] as PolicySet);
  });
  const n = scenarios.length;
  const plural = n === 1 ? '' : 's';
  if (options.compare) {
    if (options.format === 'json') out.out(JSON.stringify({ type: 'summary', scenarios: n, same: n - different, different, differences }));
    else out.out(out.style(different ? 'red' : 'green', `${n} scenario${plural}: ${n - different} the same on the simulator and the kernel, ${different} different (${differences} difference${differences === 1 ? '' : 's'})`));
    return different ? ExitCode.Failed : ExitCode.Ok;
  }
  if (options.format === 'json') out.out(JSON.stringify({ type: 'summary', scenarios: n, passed: n - failed, failed }));
  else out.out(out.style(failed ? 'red' : 'green', `${n} scenario${plural} on a real kernel: ${n - failed} passed, ${failed} failed`));
  return failed ? ExitCode.Failed : ExitCode.Ok;
}

/** A scenario as a JUnit suite: one test case per expectation, an error for a step that died. */
function junitSuite(result: ScenarioResult, policies: PolicySet): JunitSuite {
  const { scenario } = result;
  const log: string[] = [];
  printText(captureOutput(log), result, policies);
  const cases: JunitCase[] = result.expectations.map((e) => ({
    name: `step ${e.step + 1}: ${e.message.split('\n')[0]}`,
    classname: scenario.name,
    file: scenario.file,
    ...(e.passed ? {} : { failure: `${e.message}${e.line ? ` (${scenario.file}:${e.line})` : ''}` }),
  }));
  if (result.failure) cases.push({ name: `step ${result.failure.step + 1}`, classname: scenario.name, file: scenario.file, error: result.failure.message });
  // A scenario without expectations still reports that it ran.
  if (cases.length === 0) cases.push({ name: 'runs', classname: scenario.name, file: scenario.file });
  const last = cases[cases.length - 1] as JunitCase;
  cases[cases.length - 1] = { ...last, output: log.join('\n') };
  return { name: scenario.name, file: scenario.file, cases };
}

function printText(out: Output, result: ScenarioResult, policies: PolicySet): void {
  const { scenario } = result;
  out.out(out.style('bold', `▶ ${scenario.name}`) + out.style('dim', `  (${scenario.file}; policies: ${policies.source})`));
  const hidden = new Set<string>();
  for (const event of result.events) {
    if (event.type === 'decision') {
      for (const f of event.decision.findings) hidden.add(findingLogText(f));
      for (const line of decisionLines(out, event.decision, '    ')) out.out(line);
    } else if (event.type === 'log') {
      if (event.record.text.includes('tainting kernel')) continue;
      if (event.record.site === 'patchwise' && hidden.delete(event.record.text)) continue;
      out.out(`  ${logLine(out, event.record)}`);
    } else if (event.type === 'stacks') {
      const lines = event.stacks.length ? event.stacks.map(stackLine) : ['(no function patched)'];
      lines.forEach((line, i) => out.out(out.style('cyan', `    ${i === 0 ? '≡ stacks' : '        '}  ${line}`)));
    } else if (event.type === 'expect') {
      const { passed, message, line } = event.result;
      const where = line ? out.style('dim', ` (${scenario.file}:${line})`) : '';
      out.out(`    ${passed ? out.style('green', '✓ expect') : out.style('red', '✗ expect')} ${message}${where}`);
    }
  }
  if (result.failure) out.out(`    ${out.style('red', '✗ stopped:')} ${result.failure.message}`);
  const held = result.expectations.filter((e) => e.passed).length;
  const verdict = result.passed ? out.style('green', 'PASS') : out.style('red', 'FAIL');
  out.out(`  ${verdict} ${scenario.name}: ${held}/${result.expectations.length} expectations held, ${result.decisions.length} decisions\n`);
}

function printJson(out: Output, result: ScenarioResult, context: RecordContext): void {
  const { scenario } = result;
  const emit = (value: object) => out.out(JSON.stringify(value));
  emit({ type: 'scenario', name: scenario.name, file: scenario.file, policies: result.policies.map((p) => ({ name: p.name, version: p.version, severity: p.severity })) });
  for (const event of result.events) {
    if (event.type === 'log') emit({ type: 'log', time: event.record.time, level: event.record.level, text: event.record.text });
    else if (event.type === 'decision') emit({ type: 'decision', ...fleetRecord(event.decision, context) });
    else if (event.type === 'expect') emit({ type: 'expect', ...event.result });
    else if (event.type === 'stacks') emit({ type: 'stacks', stacks: event.stacks });
  }
  emit({ type: 'result', name: scenario.name, passed: result.passed, ...(result.failure ? { failure: result.failure } : {}) });
}

/**
 * Where `--save-state` writes: the one file for one scenario; for several, a folder (existing, or
 * written with a trailing `/`) that gets `NAME.state.json` per scenario file `NAME.scenario.yaml`.
 */
function stateTargets(target: string, files: readonly string[]): string[] {
  const folder = target.endsWith('/') || statSync(target, { throwIfNoEntry: false })?.isDirectory() === true;
  if (!folder) {
    if (files.length === 1) return [target];
    throw new Diagnostic({
      code: 'PW_USAGE',
      reason: `\`--save-state ${target}\` is one file, and ${files.length} scenarios run`,
      hint: 'give a folder (`--save-state states/`) to save each scenario\'s final state as NAME.state.json',
    });
  }
  const targets = files.map((file) => join(target, `${basename(file).replace(/\.scenario\.(ya?ml|json)$|\.(ya?ml|json)$/, '')}.state.json`));
  const twice = targets.find((t, i) => targets.indexOf(t) !== i);
  if (twice) {
    throw new Diagnostic({ code: 'PW_USAGE', reason: `two scenario files would both save their state as ${displayPath(twice)}`, hint: 'run them with separate `--save-state` folders' });
  }
  mkdirSync(target, { recursive: true });
  return targets;
}

export async function run(out: Output, paths: readonly string[], options: RunOptions): Promise<ExitCode> {
  // Read every scenario and config before running any: bad input runs nothing.
  if (options.vm || options.compare || options.kernel !== undefined) refuseWithVm(options);
  const files = expandFiles(paths, SCENARIO_FILE, 'scenario files end with `.scenario.yaml`');
  const scenarios: Scenario[] = files.map((file) => loadScenario(file, displayPath(file)));
  let discovered: Promise<PolicySet> | undefined;
  const fallback = () => (discovered ??= commandPolicies(options));
  const sets = await Promise.all(scenarios.map((s) => scenarioPolicies(s, fallback, options.audit)));
  if (options.vm || options.compare) return runVm(out, scenarios, sets, options);
  // Outputs never overwrite what was read (nor each other): refused before anything runs.
  const inputs = [...files.map((f) => [f, 'a scenario run'] as const), ...sets.map((s) => [s.file, 'a config file read'] as const)];
  if (options.decisions) refuseOverwritingInput(options.decisions, '--decisions', inputs);
  const stateFiles = options.saveState === undefined ? [] : stateTargets(options.saveState, files);
  for (const target of stateFiles) refuseOverwritingInput(target, '--save-state', [...inputs, [options.decisions, 'the `--decisions` log']]);
  // Loaded only when asked for: the page's script is large, and most runs print text only.
  const reporting = options.report ? await import('../report-file.js') : undefined;
  if (options.report) {
    reporting?.checkReportPath(options.report);
    refuseOverwritingInput(options.report, '--report', [...inputs, [options.decisions, 'the `--decisions` log'], ...stateFiles.map((f) => [f, 'a `--save-state` file'] as const)]);
  }
  const suites: JunitSuite[] = [];
  const progress = new Progress(options.format !== 'text' && options.format !== undefined ? undefined : (process.stderr as NodeJS.WriteStream), scenarios.length);
  const results: ScenarioResult[] = [];
  for (const [i, scenario] of scenarios.entries()) {
    const set = sets[i] as PolicySet;
    progress.update(i, scenario.name);
    const result = await runScenario(scenario, { policies: set.entries, audit: set.audit, stacks: options.stacks === true, trace: reporting !== undefined });
    progress.clear();
    results.push(result);
    const context = recordContext(set, options, simulatedHost(result.machine.release));
    if (options.decisions) appendDecisions(options.decisions, result.decisions, context);
    if (options.format === 'json') printJson(out, result, context);
    else if (options.format === 'junit') suites.push(junitSuite(result, set));
    else printText(out, result, set);
  }
  // Each scenario's final state, once every scenario has run (a bad state file is never half the set).
  stateFiles.forEach((target, i) => {
    const result = results[i] as ScenarioResult;
    writeFileAtomic(target, `${JSON.stringify(saveState(result.machine, result.scenario.patches), null, 2)}\n`);
  });
  if (reporting && options.report) reporting.writeReport(options.report, results.map(reporting.scenarioReport), 'patchwise run');
  const passed = results.filter((r) => r.passed).length;
  const expectations = results.flatMap((r) => r.expectations);
  const held = expectations.filter((e) => e.passed).length;
  const summary = `${results.length} scenario${results.length === 1 ? '' : 's'}: ${passed} passed, ${results.length - passed} failed; ${held}/${expectations.length} expectations held`;
  if (options.format === 'json') out.out(JSON.stringify({ type: 'summary', scenarios: results.length, passed, failed: results.length - passed, expectations: expectations.length, held }));
  else if (options.format === 'junit') out.out(junitXml('patchwise run', suites));
  else out.out(out.style(passed === results.length ? 'green' : 'red', summary));
  return passed === results.length ? ExitCode.Ok : ExitCode.Failed;
}

const STEP_HELP = () =>
  SCENARIO_STEPS.map((s) => `  ${s.name.padEnd(19)} ${s.value}\n  ${''.padEnd(19)} ${s.summary}`).join('\n');

export function runCommand(runner: (fn: () => Promise<ExitCode>) => Promise<void>, out: () => Output): Command {
  return new Command('run')
    .summary('run scenarios on the simulated kernel, with decisions and their reasons')
    .description(
      'Run scenario files on the simulated kernel with the discovered config (or --config, or the scenario\'s own `config`). Prints the kernel log with every decision and the reason of every finding interleaved, and the outcome of each expectation. With --vm the same scenarios run on a real kernel under QEMU; with --compare on both, printing every difference.',
    )
    .argument('<scenario...>', 'scenario files (YAML or JSON) or folders of them', pathValues)
    .option('-c, --config <file>', 'use this config file instead of discovering one (`none`: no policies, the kernel alone)', pathValue)
    .addOption(
      new Option('--format <format>', 'text; json: one JSON object per line (log lines, decision records, expectations); junit: JUnit XML for CI')
        .choices(['text', 'json', 'junit'])
        .default('text'),
    )
    .option('--save-state <path>', "write the final machine state (for `check --state`): a file for one scenario; for several, a folder (NAME.state.json each)", pathValue)
    .option(...DECISIONS_OPTION)
    .option(...LABEL_OPTION)
    .option(...REPORT_OPTION)
    .option('--stacks', "after every step that changes them, show each patched function's stack of patches (newest first; * in transition)")
    .option('--audit', 'report every policy error as a warning (nothing is refused)')
    .option('--vm', "run on a real kernel under QEMU (Debian's; each manifest and scenario module generated as C and built against its headers); policies decide on the host from the guest's real state")
    .option('--compare', 'run on the simulator (as the real kernel\'s release) and on a real kernel, and print step by step every difference in log lines, sysfs state, live function owners and decisions')
    .option('--kernel <series>', 'with `--vm` or `--compare`: the real kernel, `6.1` or `6.12` (default 6.12)')
    .addHelpText(
      'after',
      () => `
Scenario format (YAML or JSON):
  name: two vendors, one function
  machine: {release: 6.8.0-45-generic, cpus: 2, time: "2026-11-24T10:00:00Z"}
  config: ./patchwise.config.yaml      # or an inline config, or \`none\` (the kernel alone)
  patches:                             # patch manifests, inline or {file: path}
    - {name: acme-fix, vendor: acme, version: 1.0.0, functions: [cmdline_proc_show]}
    - file: patches/beta-fix.yaml
  modules: [{name: acme_drv, functions: [acme_read], loaded: true}]
  tasks: [{name: worker, kthread: true, sleepsIn: cmdline_proc_show}]
  steps:
    - load: acme-fix
    - load: beta-fix
    - expect: {decision: denied, codes: [vendor-tags/function-vendor-mismatch], result: EPERM}

Steps (the selftest ops, plus):
${STEP_HELP()}

Examples:
  $ patchwise run examples/experiments
  $ patchwise run my-scenario.yaml --config strict.config.yaml
  $ patchwise run my-scenario.yaml --format json | jq 'select(.type == "decision")'
  $ patchwise run scenarios --format junit > patchwise-junit.xml
  $ patchwise run examples/experiments/02-two-vendors-one-function --report two-vendors.html
  $ patchwise run --vm examples/experiments/02-two-vendors-one-function        # on Debian's real 6.12
  $ patchwise run --compare --kernel 6.1 examples/experiments/04-block-disable  # every difference, step by step

On a real kernel (--vm): steps the kernel cannot perform (a task asleep in a vmlinux function, what
the module generator cannot express) are reported as "not performable on RELEASE: REASON" and fail
the scenario; nothing is silently dropped. --compare exits 0 when the two runs agree, 1 on any
difference.

Exit codes: 0 every expectation held, 1 one failed (or a step died, or --compare found a
difference), 2 bad input or no real kernel here (nothing ran).`,
    )
    .action((paths: string[], options: RunOptions) => runner(() => run(out(), paths, options)));
}
