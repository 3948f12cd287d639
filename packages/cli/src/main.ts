/**
 * The `patchwise` command.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isDiagnostic } from '@patchwise/diagnostics';
import { ExitCode } from './exit-codes.js';
import { createOutput, type Output, type OutputOptions } from './output.js';

export interface MainOptions extends OutputOptions {}

type MakeCommand = (run: (fn: () => Promise<number>) => Promise<void>, out: () => Output) => Command;

/**
 * The verbs, in the order help lists them, each loaded on demand. Perf: startup is dominated by
 * module loading (hundreds of files: zod, yaml, cosmiconfig, the simulator, the selftests), so a
 * command line imports only the module of its own verb; help, `help VERB` and an unknown verb load
 * them all (the full program, as before).
 */
const VERBS: Readonly<Record<string, () => Promise<MakeCommand>>> = {
  run: async () => (await import('./commands/run.js')).runCommand,
  check: async () => (await import('./commands/check.js')).checkCommand,
  replay: async () => (await import('./commands/replay.js')).replayCommand,
  'print-config': async () => (await import('./commands/print-config.js')).printConfigCommand,
  init: async () => (await import('./commands/init.js')).initCommand,
  keygen: async () => (await import('./commands/keys.js')).keygenCommand,
  sign: async () => (await import('./commands/keys.js')).signCommand,
  inspect: async () => (await import('./commands/inspect.js')).inspectCommand,
  status: async () => (await import('./commands/status.js')).statusCommand,
  load: async () => (await import('./commands/state-ops.js')).loadCommand,
  disable: async () => (await import('./commands/state-ops.js')).disableCommand,
  unload: async () => (await import('./commands/state-ops.js')).unloadCommand,
};

/** This package's version (the bundle and the build both sit in dist/, beside nothing else). */
export function version(): string {
  try {
    return String((JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown }).version);
  } catch {
    return 'unknown';
  }
}

/** `--color`/`--no-color`, the last one given winning; undefined when neither is. */
function colorFlag(argv: readonly string[]): boolean | undefined {
  const last = argv.findLastIndex((arg) => arg === '--color' || arg === '--no-color');
  return last < 0 ? undefined : argv[last] === '--color';
}

/** The verb of a command line: its first argument that is not an option (no global option takes a value). */
function verbOf(argv: readonly string[]): string | undefined {
  const verb = argv.find((arg) => !arg.startsWith('-'));
  return verb !== undefined && Object.hasOwn(VERBS, verb) ? verb : undefined;
}

/** Run the command line `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  let output: Output | undefined;
  const debug = argv.includes('--debug');
  const out = () => {
    const flag = colorFlag(argv);
    output ??= createOutput({ ...options, debug, ...(flag === undefined ? {} : { color: flag }) });
    return output;
  };
  const run = async (fn: () => Promise<number>) => {
    exitCode = await fn();
  };
  const program = new Command('patchwise')
    .description('Policy-driven live patching: the Linux livepatch lifecycle, simulated exactly.')
    .version(version(), '-V, --version', 'print the version')
    .option('--color', 'color the output even when it is not a terminal (also: FORCE_COLOR=1)')
    .option('--no-color', 'never color the output (also: NO_COLOR=1)')
    .option('--debug', "print stack traces: of internal errors, of bad input, and of a policy that throws")
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => out().out(text.trimEnd()),
      writeErr: (text) => out().err(text.trimEnd()),
    });
  const verb = verbOf(argv);
  const makers = await Promise.all((verb ? [verb] : Object.keys(VERBS)).map((name) => (VERBS[name] as () => Promise<MakeCommand>)()));
  for (const make of makers) program.addCommand(make(run, out));
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
      // A plugin that failed to load: its own error, where it was thrown.
      if (debug && err.cause instanceof Error && err.cause.stack) out().err(`caused by: ${err.cause.stack}`);
      return ExitCode.BadInput;
    }
    const error = err as Error;
    out().err(`${out().style('red', 'internal error')} ${error.message}`);
    out().err(debug ? String(error.stack) : 'run again with --debug for the stack trace, and report it');
    return 70;
  }
}
