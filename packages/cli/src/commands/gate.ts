/**
 * `patchwise gate load|disable|unload|status`: the policies in front of a real kernel's livepatch
 * operations. Each verb decides on the snapshot read from the machine, then acts through its module
 * loader and sysfs, and reports what the kernel did.
 */
import { Command, Option } from 'commander';
import { realMachine } from '@patchwise/sysfs';
import { DECISIONS_OPTION } from '../audit-log.js';
import { LABEL_OPTION } from '../decision-records.js';
import type { ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';
import { gateDisable, gateLoad, gateUnload, type GateEnv, type GateOptions } from './gate-run.js';
import { gateStatus } from './gate-status.js';
import { moduleManifest, patchModules } from './patch-module.js';

interface GateCommandOptions extends GateOptions {
  readonly system?: string;
  readonly format?: 'text' | 'json';
}

function env(options: GateCommandOptions): GateEnv {
  return { machine: realMachine(options.system ?? '/'), moduleManifest, patchModules };
}

type Runner = (fn: () => Promise<ExitCode>) => Promise<void>;

function withMachineOptions(command: Command, acting: boolean): Command {
  command
    .option('--system <root>', 'the machine: its /sys and /proc under ROOT', '/')
    .option('--patch-dir <dir>', "where the installed patches' modules are, for their vendor, version and states")
    .option('--dry-run', 'decide and say what would be done; never touch the kernel');
  if (acting) {
    command
      .option('-c, --config <file>', 'use this config file instead of discovering one (`none`: no policies)')
      .option(...DECISIONS_OPTION)
      .option(...LABEL_OPTION)
      .option('--timeout <seconds>', 'how long to watch a transition', '60')
      .option('--audit', 'report every policy error as a warning');
  }
  return command;
}

export function gateCommand(runner: Runner, out: () => Output): Command {
  const gate = new Command('gate')
    .summary('decide, then load, disable or unload livepatch modules on a real kernel')
    .description(
      "Put the config's policies in front of a real kernel: each operation is decided on the installed patches read from /sys/kernel/livepatch (and their modules in --patch-dir), and only an allowed one reaches the kernel. Transitions are watched through sysfs and the transition policies applied.",
    )
    .addHelpText(
      'after',
      `
Examples:
  $ patchwise gate load acme-cmdline.ko --patch-dir /var/lib/patchwise/$(uname -r)
  $ patchwise gate status --format json
  $ patchwise gate disable acme_cmdline --dry-run
  $ patchwise gate unload acme_cmdline --decisions audit.jsonl

Exit codes: 0 done (or allowed, with --dry-run), 1 refused or the kernel failed, 2 bad input.`,
    );
  gate.addCommand(
    withMachineOptions(new Command('load').summary('decide, insmod, and watch the transition').argument('<module>', 'a livepatch module (.ko)'), true).action(
      (file: string, options: GateCommandOptions) => runner(() => gateLoad(out(), env(options), file, options)),
    ),
  );
  gate.addCommand(
    withMachineOptions(new Command('disable').summary('decide (preUnpatch), then write 0 to enabled').argument('<name>', 'an installed patch'), true).action(
      (name: string, options: GateCommandOptions) => runner(() => gateDisable(out(), env(options), name, options)),
    ),
  );
  gate.addCommand(
    withMachineOptions(new Command('unload').summary('disable it through the gate if installed, then remove its module').argument('<name>', 'a patch module'), true).action(
      (name: string, options: GateCommandOptions) => runner(() => gateUnload(out(), env(options), name, options)),
    ),
  );
  gate.addCommand(
    withMachineOptions(new Command('status').summary('the installed patches, as the kernel shows them'), false)
      .addOption(new Option('--format <format>', 'text, or json: one object').choices(['text', 'json']).default('text'))
      .action((options: GateCommandOptions) => runner(async () => gateStatus(out(), env(options), options))),
  );
  return gate;
}
