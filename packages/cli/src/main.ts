/**
 * The `patchwise` command.
 */
import { Command, CommanderError } from 'commander';
import { isDiagnostic } from '@patchwise/diagnostics';
import { ExitCode } from './exit-codes.js';
import { createOutput, type Output, type OutputOptions } from './output.js';
import { checkCommand } from './commands/check.js';
import { initCommand } from './commands/init.js';
import { keygenCommand, signCommand } from './commands/keys.js';
import { printConfigCommand } from './commands/print-config.js';
import { replayCommand } from './commands/replay.js';
import { runCommand } from './commands/run.js';

export interface MainOptions extends OutputOptions {}

/** Run the command line `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  let output: Output | undefined;
  const debug = argv.includes('--debug');
  const out = () => {
    output ??= createOutput({ ...options, ...(argv.includes('--no-color') ? { color: false } : {}) });
    return output;
  };
  const run = async (fn: () => Promise<number>) => {
    exitCode = await fn();
  };
  const program = new Command('patchwise')
    .description('Policy-driven live patching: the Linux livepatch lifecycle, simulated exactly.')
    .option('--no-color', 'never color the output (also: NO_COLOR=1)')
    .option('--debug', 'print stack traces of internal errors')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => out().out(text.trimEnd()),
      writeErr: (text) => out().err(text.trimEnd()),
    });
  for (const make of [runCommand, checkCommand, replayCommand, printConfigCommand, initCommand, keygenCommand, signCommand]) {
    program.addCommand(make(run, out));
  }
  for (const command of program.commands) command.exitOverride().configureOutput(program.configureOutput());
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? ExitCode.Ok : ExitCode.BadInput;
    }
    if (isDiagnostic(err)) {
      out().err(`${out().style('red', 'error')} ${err.message}`);
      if (debug && err.stack) out().err(err.stack);
      return ExitCode.BadInput;
    }
    const error = err as Error;
    out().err(`${out().style('red', 'internal error')} ${error.message}`);
    out().err(debug ? String(error.stack) : 'run again with --debug for the stack trace, and report it');
    return 70;
  }
}
