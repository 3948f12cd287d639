/**
 * `patchwise replay`: run conformance cases on the simulated kernel.
 */
import { existsSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { Command, Option } from 'commander';
import { Diagnostic } from '@patchwise/diagnostics';
import {
  CASES_DIR,
  caseFiles,
  diffResult,
  EXTRA_CASES_DIR,
  loadCase,
  notApplicableOn,
  OPS,
  OWN_CASES_DIR,
  runCase,
  summaryLine,
  type CaseResult,
  type SelftestCase,
} from '@patchwise/kselftest';
import type { ReportScenario } from '@patchwise/report';
import { selftestModules } from '@patchwise/sim';
import { ExitCode } from '../exit-codes.js';
import { junitXml, type JunitCase } from '../junit.js';
import type { Output } from '../output.js';
import { pathValues } from '../paths.js';
import type { VmCaseOutcome } from './replay-vm.js';
import { REPORT_OPTION } from '../report-option.js';
import { refuseOverwritingInput } from '../safe-write.js';

function helpText(): string {
  const ops = OPS.map((op) => `  ${op.name.padEnd(19)} ${op.value}\n  ${''.padEnd(19)} ${op.summary}\n  ${''.padEnd(19)} logs: ${op.logs}`);
  const modules = selftestModules.map((m) => `  ${m.name.padEnd(26)} ${m.livepatch ? 'livepatch' : 'module   '}  ${m.description ?? ''}`);
  return `
Case format (YAML):
  id: group/name            # required
  title: the selftest's own title
  comment: what the case shows
  source: tools/testing/selftests/livepatch/test-*.sh
  patches:                  # optional: livepatch modules of the case's own (patch manifests)
    - {name: test_klp_pw_fix, functions: [{name: cmdline_proc_show, sympos: 2}]}
  ops:                      # performed in order; each a one-key map
    - load_lp: test_klp_livepatch
    - load_lp: {name: test_klp_atomic_replace, params: replace=1}
  expect: |                 # the filtered kernel log, exactly
    % insmod test_modules/test_klp_livepatch.ko
    livepatch: enabling patch 'test_klp_livepatch'
  notes: subtleties

The log is filtered as the selftests filter it: lines containing "livepatch:" or "test_klp",
without "tainting kernel"/"taints kernel" lines. Each case runs on a fresh simulated machine.

Ops:
${ops.join('\n')}

Modules:
${modules.join('\n')}

Examples:
  $ patchwise replay --check                  # every bundled case
  $ patchwise replay packages/kselftest/cases/livepatch--basic-function-patching.yaml
  $ patchwise replay --check my-cases/
  $ patchwise replay --check --format junit > selftests-junit.xml
  $ patchwise replay packages/kselftest/cases/livepatch--basic-function-patching.yaml --report basic.html

Exit codes: 0 all cases passed (or, without --check, all ran), 1 a case failed, 2 bad input.`;
}

/** Case files named on the command line: files, or folders of `*.yaml`. */
function resolveCaseFiles(paths: readonly string[]): string[] {
  if (paths.length === 0) return [...caseFiles(CASES_DIR), ...caseFiles(EXTRA_CASES_DIR), ...caseFiles(OWN_CASES_DIR)];
  return paths.flatMap((path) => {
    if (!existsSync(path)) {
      throw new Diagnostic({ code: 'PW_NO_SUCH_FILE', file: path, reason: 'no such file or folder', hint: 'check the path' });
    }
    return statSync(path).isDirectory() ? caseFiles(path) : [path];
  });
}

const display = (file: string) => {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
};

export interface ReplayOptions {
  readonly check?: boolean;
  readonly format?: 'text' | 'json' | 'junit';
  readonly vm?: boolean;
  readonly kernel?: string;
  /** Write the cases' runs as one HTML page. */
  readonly report?: string;
}

/** Passed: with --check, the log matched; without, the case ran to its end. */
const passedOf = (result: CaseResult, check: boolean | undefined) => (check ? result.passed : !result.failure);

function caseRecord(c: SelftestCase, result: CaseResult, check: boolean | undefined): object {
  return {
    type: 'case',
    id: c.id,
    title: c.title,
    file: c.file,
    passed: passedOf(result, check),
    ...(result.failure ? { failure: result.failure } : {}),
    log: result.output,
    ...(check && !result.passed ? { diff: diffResult(result) } : {}),
  };
}

function junitCase(c: SelftestCase, result: CaseResult, check: boolean | undefined): JunitCase {
  const failed = !passedOf(result, check);
  return {
    name: `${c.id}: ${c.title}`,
    classname: 'kselftest',
    file: c.file,
    timeSeconds: result.elapsedMs / 1000,
    ...(result.failure ? { error: result.failure.message } : failed ? { failure: diffResult(result) || 'the log differs from `expect`' } : {}),
    output: result.output.join('\n'),
  };
}

export async function replay(out: Output, paths: readonly string[], options: ReplayOptions): Promise<ExitCode> {
  // Parse every case before running any: bad input changes nothing and runs nothing.
  const cases: SelftestCase[] = resolveCaseFiles(paths).map((file) => loadCase(file, display(file)));
  if (options.report && (options.vm || options.kernel)) {
    throw new Diagnostic({ code: 'PW_USAGE', reason: '`--report` draws the simulator\'s runs of the newest kernel; with `--vm` or `--kernel` there is no trace to draw', hint: 'drop `--report`, or `--vm`/`--kernel`' });
  }
  // Loaded only when asked for, like `run --report`.
  const reporting = options.report ? await import('../report-file.js') : undefined;
  if (options.report) {
    reporting?.checkReportPath(options.report);
    refuseOverwritingInput(options.report, '--report', cases.map((c) => [c.file, 'a case file read'] as const));
  }
  const results: CaseResult[] = [];
  const reported: ReportScenario[] = [];
  // With --report, each case runs traced (the same run, observed) and is kept for the page.
  const runOne = async (c: SelftestCase): Promise<CaseResult> => {
    if (!reporting) return runCase(c);
    const traced = await reporting.traceCase(c);
    reported.push(reporting.caseReport(traced));
    return traced.result;
  };
  const writeReport = () => {
    if (reporting && options.report) reporting.writeReport(options.report, reported, 'patchwise replay');
  };
  if (options.format === 'json' || options.format === 'junit') {
    if (options.vm || options.kernel) {
      throw new Diagnostic({ code: 'PW_USAGE', reason: '`--format json|junit` is for the simulator without `--kernel`; `--vm` and `--kernel` print text', hint: 'drop `--format`, or `--vm`/`--kernel`' });
    }
    const junit: JunitCase[] = [];
    for (const c of cases) {
      const result = await runOne(c);
      results.push(result);
      if (options.format === 'json') out.out(JSON.stringify(caseRecord(c, result, options.check)));
      else junit.push(junitCase(c, result, options.check));
    }
    const passed = results.filter((r) => passedOf(r, options.check)).length;
    if (options.format === 'json') out.out(JSON.stringify({ type: 'summary', cases: results.length, passed, failed: results.length - passed }));
    else out.out(junitXml('patchwise replay', [{ name: 'kselftest livepatch', cases: junit }]));
    writeReport();
    return passed === results.length ? ExitCode.Ok : ExitCode.Failed;
  }
  const notApplicable: { id: string; reason: string }[] = [];
  const runs: VmCaseOutcome[] = [];
  if (options.vm) {
    // The VM machinery loads only for --vm: the simulator's replay stays as fast to start as before.
    await (await import('./replay-vm.js')).replayOnVm(out, cases, options.kernel ?? '6.12', (run) => show(run));
  } else {
    // --kernel on the simulator: the machine reports that release and drops what it lacked.
    const release = options.kernel === undefined ? undefined : simRelease(options.kernel);
    for (const c of cases) {
      const lacking = release === undefined ? undefined : notApplicableOn(c, release);
      runs.push(lacking ? { case: c, notApplicable: lacking } : { case: c, result: release ? await runCase(c, { machine: { release } }) : await runOne(c) });
    }
  }
  for (const run of runs) show(run);
  // Each case is reported as soon as it ran (a VM case takes seconds).
  function show(run: VmCaseOutcome): void {
    const c = run.case;
    const result = run.result;
    if (!result) {
      notApplicable.push({ id: c.id, reason: run.notApplicable ?? '' });
      out.out(`${out.style('yellow', 'n/a ')} ${c.id}: ${run.notApplicable}`);
      return;
    }
    results.push(result);
    if (!options.check) {
      if (cases.length > 1) out.out(out.style('bold', `# ${c.id}: ${c.title}`));
      if (result.output.length) out.out(result.output.join('\n'));
      if (result.failure) out.err(out.style('red', `${c.file}: ${result.failure.message}`));
      return;
    }
    if (result.passed) {
      out.out(`${out.style('green', 'pass')} ${c.id}`);
      return;
    }
    out.out(`${out.style('red', 'FAIL')} ${c.id} (${c.file})`);
    if (result.failure) out.out(`  ${result.failure.message}`);
    const diff = diffResult(result);
    if (diff) out.out(colorDiff(out, diff));
  }
  writeReport();
  if (!options.check) return results.some((r) => r.failure) ? ExitCode.Failed : ExitCode.Ok;
  const summary = `${summaryLine(results)}${options.vm || options.kernel ? `, ${notApplicable.length} not applicable` : ''}`;
  const allPassed = results.every((r) => r.passed);
  out.out(out.style(allPassed ? 'green' : 'red', summary));
  return allPassed ? ExitCode.Ok : ExitCode.Failed;
}

/** The release the simulated machine reports for `--kernel SERIES`. */
function simRelease(series: string): string {
  if (series !== '6.1' && series !== '6.12') {
    throw new Diagnostic({ code: 'PW_BAD_OPTION', reason: `unknown kernel \`${series}\``, hint: 'use `--kernel 6.1` or `--kernel 6.12`' });
  }
  return `${series}.0-patchwise`;
}

function colorDiff(out: Output, diff: string): string {
  if (!out.color) return diff.trimEnd();
  return diff
    .trimEnd()
    .split('\n')
    .map((line) =>
      line.startsWith('+') && !line.startsWith('+++')
        ? out.style('green', line)
        : line.startsWith('-') && !line.startsWith('---')
          ? out.style('red', line)
          : line.startsWith('@@')
            ? out.style('cyan', line)
            : line,
    )
    .join('\n');
}

export function replayCommand(run: (fn: () => Promise<ExitCode>) => Promise<void>, out: () => Output): Command {
  return new Command('replay')
    .summary("replay the kernel's livepatch selftests on the simulated kernel")
    .description(
      'Run conformance cases (the kernel selftests in a neutral YAML format) on the simulated kernel and print the filtered kernel log. With no CASE, runs every bundled case.',
    )
    .argument('[case...]', 'case files or folders of them', pathValues)
    .option('--check', "compare each case's log with its `expect`; print a unified diff per mismatch and `N passed, M failed`")
    .addOption(
      new Option('--format <format>', 'text; json: one record per case (log, passed, diff), then a summary; junit: JUnit XML for CI')
        .choices(['text', 'json', 'junit'])
        .default('text'),
    )
    .option('--vm', "replay on a real kernel under QEMU (Debian's, with the kernel's own test modules built from its source package)")
    .option('--kernel <series>', "the kernel release to behave as, `6.1` or `6.12` (with `--vm`: the kernel booted; default 6.12); without it the simulator follows the newest kernel")
    .option(...REPORT_OPTION)
    .addHelpText('after', helpText)
    .action((paths: string[], options: ReplayOptions) => run(() => replay(out(), paths, options)));
}
