/**
 * Terminal output: colors only on a terminal, never with `NO_COLOR` or `--no-color`.
 */
import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

export interface Output {
  readonly color: boolean;
  out(text: string): void;
  err(text: string): void;
  style(style: Style, text: string): string;
}

export interface OutputOptions {
  readonly color?: boolean;
  readonly stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr?: NodeJS.WritableStream;
  readonly env?: NodeJS.ProcessEnv;
}

export function createOutput(options: OutputOptions = {}): Output {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const env = options.env ?? process.env;
  const color =
    // no-color.org: NO_COLOR set to a non-empty value turns color off.
    options.color ?? (Boolean(stdout.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb');
  return {
    color,
    out: (text) => void stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => void stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    // validateStream: false: we decided about color ourselves.
    style: (style, text) => (color ? styleText(style, text, { validateStream: false }) : text),
  };
}
