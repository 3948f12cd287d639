/**
 * `patchwise init`: a starter config and an example scenario, ready to run.
 */
import { lstatSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { Diagnostic } from '@patchwise/diagnostics';
import { ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';
import { displayPath, pathValue } from '../paths.js';
import { commitTogether, stageFile, type Staged } from '../safe-write.js';

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

const SCENARIO = `# An example scenario: run it with \`patchwise run scenarios/example.scenario.yaml\`.
name: two vendors patch one function
description: acme's fix loads; beta's fix of the same function is refused by vendor-tags.
patches:
  - name: acme_fix
    vendor: acme
    version: 1.0.0
    functions: [cmdline_proc_show]
  - name: beta_fix
    vendor: beta
    version: 2.1.0
    functions: [cmdline_proc_show]
steps:
  - load: acme_fix
  - expect: {decision: allowed, owner: {function: cmdline_proc_show, patch: acme_fix}}
  - load: beta_fix
  - expect: {decision: denied, codes: [vendor-tags/function-vendor-mismatch], result: EPERM}
  - disable: acme_fix
  - expect: {order: []}
`;

export function init(out: Output, options: { force?: boolean; dir?: string }): ExitCode {
  const dir = options.dir ?? process.cwd();
  const files = [
    [join(dir, 'patchwise.config.yaml'), CONFIG],
    [join(dir, 'scenarios', 'example.scenario.yaml'), SCENARIO],
  ] as const;
  // lstat: a link is there even when it points nowhere.
  const existing = files.filter(([file]) => lstatSync(file, { throwIfNoEntry: false })).map(([file]) => file);
  if (existing.length && !options.force) {
    throw new Diagnostic({ code: 'PW_EXISTS', file: existing[0], reason: 'already exists; nothing was written', hint: 'pass --force to overwrite' });
  }
  // Both files written first, then both put in place: a failure leaves the folder as it was.
  const staged: Staged[] = [];
  try {
    for (const [file, text] of files) {
      mkdirSync(dirname(file), { recursive: true });
      staged.push(stageFile(file, text));
    }
  } catch (err) {
    for (const s of staged) s.discard();
    throw err;
  }
  commitTogether(staged);
  for (const [file] of files) out.out(`wrote ${file}`);
  out.out(`next: patchwise run ${displayPath(join(dir, 'scenarios', 'example.scenario.yaml'))}`);
  return ExitCode.Ok;
}

export function initCommand(runner: (fn: () => Promise<ExitCode>) => Promise<void>, out: () => Output): Command {
  return new Command('init')
    .summary('write a starter config and an example scenario')
    .option('--force', 'overwrite existing files')
    .option('--dir <dir>', 'where to write them (default: the working folder)', pathValue)
    .addHelpText('after', '\nExamples:\n  $ patchwise init && patchwise run scenarios\n\nExit codes: 0 written, 2 a file exists (nothing written).')
    .action((options: { force?: boolean; dir?: string }) => runner(async () => init(out(), options)));
}
