/**
 * `patchwise init`: a starter config and an example scenario, ready to run.
 */
import { lstatSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, Option } from 'commander';
import { Diagnostic } from '@patchwise/diagnostics';
import { ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';
import { displayPath, pathValue } from '../paths.js';
import { commitTogether, stageFile, type Staged } from '../safe-write.js';
import { initPolicy } from './init-policy.js';

const CONFIG = `# patchwise config: which policies judge what the livepatch lifecycle may do.
# Severities: error (refuse), warn (report), off. See \`patchwise print-config\`.
extends: patchwise:recommended

plugins:
  - plugin: vendor-tags
    options:
      sameFunction: same-vendor   # two vendors may not patch one function
      replace: same-vendor        # a cumulative patch replaces only its own vendor's patches
  - plugin: semver-deps
    severity: warn                # report dependency problems, do not refuse yet
`;

const ACME_FIX = `# A patch manifest: what a livepatch module patches, and who ships it.
name: acme_fix
vendor: acme
version: 1.0.0
functions: [cmdline_proc_show]
`;

const BETA_FIX = `name: beta_fix
vendor: beta
version: 2.1.0
functions: [cmdline_proc_show]
`;

const SCENARIO = `# An example scenario: run it with \`patchwise run scenarios\`.
name: two vendors patch one function
description: acme's fix loads; beta's fix of the same function is refused by vendor-tags.
patches:
  - file: ../patches/acme-fix.yaml
  - file: ../patches/beta-fix.yaml
steps:
  - load: acme_fix
  - expect: {decision: allowed, owner: {function: cmdline_proc_show, patch: acme_fix}}
  - load: beta_fix
  - expect: {decision: denied, result: EPERM}
  - disable: acme_fix
  - expect: {order: []}
`;

/** What `init` wrote (paths as shown), what else it did, and the commands to run next. */
export interface InitReport {
  readonly written: string[];
  readonly notes: string[];
  readonly next: string[];
}

export function init(options: { force?: boolean; dir?: string }): InitReport {
  const dir = options.dir ?? process.cwd();
  const files = [
    [join(dir, 'patchwise.config.yaml'), CONFIG],
    [join(dir, 'scenarios', 'example.scenario.yaml'), SCENARIO],
    [join(dir, 'patches', 'acme-fix.yaml'), ACME_FIX],
    [join(dir, 'patches', 'beta-fix.yaml'), BETA_FIX],
  ] as const;
  // lstat: a link is there even when it points nowhere.
  const existing = files.filter(([file]) => lstatSync(file, { throwIfNoEntry: false })).map(([file]) => file);
  if (existing.length && !options.force) {
    throw new Diagnostic({ code: 'PW_EXISTS', file: existing[0], reason: 'already exists; nothing was written', hint: 'pass --force to overwrite' });
  }
  // Every file written first, then all put in place: a failure leaves the folder as it was.
  const staged: Staged[] = [];
  try {
    for (const [file, text] of files) {
      mkdirSync(dirname(file), { recursive: true });
      staged.push(stageFile(file, text));
    }
  } catch (err) {
    for (const f of staged) f.discard();
    throw err;
  }
  commitTogether(staged);
  return {
    written: files.map(([file]) => displayPath(file)),
    notes: [],
    next: [
      `patchwise run ${displayPath(join(dir, 'scenarios'))}`,
      `patchwise check ${displayPath(join(dir, 'patches', 'acme-fix.yaml'))} ${displayPath(join(dir, 'patches', 'beta-fix.yaml'))}`,
    ],
  };
}

function printReport(out: Output, report: InitReport, format: string | undefined): ExitCode {
  if (format === 'json') {
    out.out(JSON.stringify({ type: 'init', ...report }));
    return ExitCode.Ok;
  }
  for (const file of report.written) out.out(`wrote ${file}`);
  for (const note of report.notes) out.out(note);
  report.next.forEach((command, i) => out.out(`${i === 0 ? 'next:' : '     '} ${command}`));
  return ExitCode.Ok;
}

export function initCommand(runner: (fn: () => Promise<ExitCode>) => Promise<void>, out: () => Output): Command {
  return new Command('init')
    .summary('write a starter config and an example scenario, or (--policy) a policy of your own')
    .description(
      'Write patchwise.config.yaml, scenarios/example.scenario.yaml and the two patches it loads (patches/) in the working folder. With --policy NAME, write policies/NAME/ instead: the policy (definePolicy with messages and an options schema), its PolicyTester tests (run against the source), a README, and its entry in patchwise.config.yaml.',
    )
    .option('--policy <name>', 'scaffold a policy package in policies/NAME and enable it in the config')
    .option('--force', 'overwrite existing files')
    .option('--dir <dir>', 'where to write them (default: the working folder)', pathValue)
    .addOption(new Option('--format <format>', 'text, or json: the files written and what to run next').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      '\nExamples:\n  $ patchwise init && patchwise run scenarios\n  $ patchwise init --policy vendor-allowlist && npx vitest run policies\n\nExit codes: 0 written, 2 a file exists (nothing written).',
    )
    .action((options: { force?: boolean; dir?: string; policy?: string; format?: string }) =>
      runner(async () => printReport(out(), options.policy === undefined ? init(options) : initPolicy(options.policy, options), options.format)),
    );
}
