/**
 * Terminal output. Colour, strongest first: `--no-color`/`--color`, `NO_COLOR` (no-color.org: any
 * non-empty value), `FORCE_COLOR` (non-empty and not `0`; `0` turns it off), then a terminal that is
 * not `TERM=dumb`.
 */
import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

export interface Output {
  readonly color: boolean;
  /** `--debug`: stack traces (the command's and a failing policy's). */
  readonly debug: boolean;
  out(text: string): void;
  err(text: string): void;
  style(style: Style, text: string): string;
}

export interface OutputOptions {
  readonly color?: boolean;
  readonly debug?: boolean;
  readonly stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr?: NodeJS.WritableStream;
  readonly env?: NodeJS.ProcessEnv;
}

/** Whether to colour, from the environment and the stream (without a `--color` flag). */
export function colorFromEnv(env: NodeJS.ProcessEnv, isTTY: boolean | undefined): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return Boolean(isTTY) && env.TERM !== 'dumb';
}

export function createOutput(options: OutputOptions = {}): Output {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const color = options.color ?? colorFromEnv(options.env ?? process.env, stdout.isTTY);
  return {
    color,
    debug: options.debug ?? false,
    out: (text) => void stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => void stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    // validateStream: false: we decided about color ourselves.
    style: (style, text) => (color ? styleText(style, text, { validateStream: false }) : text),
  };
}

/** Output into `lines`, uncoloured (a report that embeds what the terminal would show). */
export function captureOutput(lines: string[]): Output {
  return { color: false, debug: false, out: (text) => void lines.push(text), err: (text) => void lines.push(text), style: (_style, text) => text };
}
