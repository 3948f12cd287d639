/**
 * `patchwise print-config`: the resolved config, and where each value came from.
 */
import { Command, Option } from 'commander';
import { formatConfig, loadConfig, printableConfig } from '@patchwise/config';
import { ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';
import { pathValue } from '../paths.js';
// A config may name the standard plugins: register the command's own copies.
import '../standard-plugins.js';

export async function printConfig(out: Output, options: { config?: string; format?: string }): Promise<ExitCode> {
  const config = await loadConfig(options.config === undefined ? {} : { configFile: options.config });
  out.out(options.format === 'json' ? JSON.stringify(printableConfig(config), null, 2) : formatConfig(config));
  return ExitCode.Ok;
}

export function printConfigCommand(runner: (fn: () => Promise<ExitCode>) => Promise<void>, out: () => Output): Command {
  return new Command('print-config')
    .summary('print the resolved config, with where each value came from')
    .description(
      'Print the config a command would run with: the plugins after `extends` and merging, each one\'s severity and validated options (defaults applied), and which file, preset or default set each value.',
    )
    .option('-c, --config <file>', 'use this config file instead of discovering one', pathValue)
    .addOption(new Option('--format <format>', 'text, or json: the resolved config with the origin of each value').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      `
Discovery looks in the working folder, then up to the project root (the first folder with a
package.json): patchwise.config.{ts,mts,js,mjs,cjs,json,yaml,yml}, .patchwiserc (JSON or YAML),
.patchwiserc.{json,yaml,yml,js,cjs,mjs}, and a "patchwise" key in package.json. The nearest wins.

Examples:
  $ patchwise print-config
  $ patchwise print-config --config examples/config-driven/patchwise.config.yaml --format json

Exit codes: 0 printed, 2 the config is invalid (the message names the file and the place).`,
    )
    .action((options: { config?: string; format?: string }) => runner(() => printConfig(out(), options)));
}
