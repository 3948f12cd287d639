/**
 * `patchwise status --state FILE`: what a saved machine has installed, like `kpatch list`: each
 * patch, its state, the functions it owns (whose calls it gets), its vendor and version.
 */
import { Command, Option } from 'commander';
import { functionStacks, readState, restoreState } from '@patchwise/scenario';
import { ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';
import { pathValue } from '../paths.js';

export interface StatusOptions {
  readonly state: string;
  readonly format?: 'text' | 'json';
}

export interface PatchStatus {
  readonly name: string;
  readonly state: 'enabled' | 'disabled' | 'transition';
  readonly vendor?: string;
  readonly version?: string;
  /** Functions this patch's code runs for (the top of their stack). */
  readonly owns: readonly string[];
  /** Functions it patches that a newer patch owns now. */
  readonly shadowed: readonly string[];
}

export async function status(out: Output, options: StatusOptions): Promise<ExitCode> {
  const state = readState(options.state);
  const machine = await restoreState(state);
  const stacks = functionStacks(machine);
  const patches: PatchStatus[] = state.patches.map((p) => {
    const mine = stacks.filter((s) => s.patches.some((f) => f.patch === p.manifest.name && !f.nop));
    const owns = mine.filter((s) => s.patches[0]?.patch === p.manifest.name).map((s) => s.function);
    return {
      name: p.manifest.name,
      state: p.transition ? 'transition' : p.enabled ? 'enabled' : 'disabled',
      ...(p.manifest.vendor === undefined ? {} : { vendor: String(p.manifest.vendor) }),
      ...(p.manifest.version === undefined ? {} : { version: String(p.manifest.version) }),
      owns,
      shadowed: mine.map((s) => s.function).filter((f) => !owns.includes(f)),
    };
  });
  if (options.format === 'json') {
    out.out(JSON.stringify({ type: 'status', release: state.release, time: state.time, patches, modules: state.modules.map((m) => m.name) }));
    return ExitCode.Ok;
  }
  out.out(`kernel ${state.release}, saved at ${state.time}`);
  if (patches.length === 0) out.out('no patches installed');
  for (const p of patches) {
    const who = [p.vendor && `vendor ${p.vendor}`, p.version && `version ${p.version}`].filter(Boolean).join(', ');
    const mark = p.state === 'enabled' ? out.style('green', p.state) : out.style('yellow', p.state);
    out.out(`${out.style('bold', p.name)}  ${mark}${who ? `  (${who})` : ''}`);
    for (const f of p.owns) out.out(`  owns      ${f}`);
    for (const f of p.shadowed) out.out(out.style('dim', `  shadowed  ${f} (a newer patch owns it)`));
  }
  if (state.modules.length) out.out(`modules: ${state.modules.map((m) => m.name).join(', ')}`);
  return ExitCode.Ok;
}

export function statusCommand(runner: (fn: () => Promise<ExitCode>) => Promise<void>, out: () => Output): Command {
  return new Command('status')
    .summary('list the patches of a saved state: their state, the functions each owns, vendors, versions')
    .description(
      'Like `kpatch list`: the patches installed in a state saved by `run --save-state` (or changed by `load`, `disable`, `unload`), in load order, with the functions whose calls each one gets and those a newer patch took over.',
    )
    .requiredOption('--state <file>', 'the saved machine state', pathValue)
    .addOption(new Option('--format <format>', 'text, or json: one status object').choices(['text', 'json']).default('text'))
    .addHelpText('after', '\nExamples:\n  $ patchwise status --state prod.state.json\n  $ patchwise status --state prod.state.json --format json\n\nExit codes: 0 listed, 2 bad input.')
    .action((options: StatusOptions) => runner(() => status(out(), options)));
}
