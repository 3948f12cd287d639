/**
 * `loadConfig`: find (or take) the config file, validate it, resolve it.
 */
import { dirname, resolve } from 'node:path';
import { Diagnostic } from '@patchwise/diagnostics';
import { resolveConfig, validateConfig, type ResolvedConfig } from './resolve.js';
import type { PatchwiseConfig } from './schema.js';
import { discover, loadFile } from './source.js';

export interface LoadConfigOptions {
  /** Where discovery starts (default: the working folder). */
  readonly cwd?: string;
  /** Use this file instead of discovering one (`--config FILE`). */
  readonly configFile?: string;
  /** Use this config object instead of any file (a program's own config). */
  readonly config?: PatchwiseConfig;
  /** Where `config` was written (a scenario's `config:`): its errors then name that file and place. */
  readonly source?: {
    readonly file: string;
    /** The path of `config` inside that file. */
    readonly path: readonly (string | number)[];
    readonly locate?: (path: readonly (string | number)[]) => { line: number; column: number } | undefined;
  };
}

/**
 * The resolved config. With no config file anywhere up to the project root, the set is empty:
 * no policies, the kernel's own behaviour. Throws a `Diagnostic` naming the file and the place for
 * anything invalid.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<ResolvedConfig> {
  const cwd = resolve(options.cwd ?? process.cwd());
  if (options.config) {
    const source = options.source;
    const at = source
      ? { origin: source.file, prefix: source.path, locate: (path: readonly (string | number)[]) => source.locate?.([...source.path, ...path]) }
      : { origin: '<inline>', locate: () => undefined };
    return resolveConfig(validateConfig(options.config, { ...at, dir: cwd }), { file: null, dir: cwd, ...at });
  }
  if (options.configFile === '') {
    // An empty path (an unset variable) is a mistake, never "discover one" or "no config".
    throw new Diagnostic({ code: 'PW_USAGE', reason: 'the config file is an empty string, not a path', hint: 'name the config file, or leave the option out to discover one' });
  }
  const loaded = options.configFile === undefined ? await discover(cwd) : await loadFile(resolve(cwd, options.configFile));
  if (!loaded) return resolveConfig({}, { file: null, dir: cwd });
  const layer = { origin: loaded.file, dir: dirname(loaded.file), locate: loaded.locate };
  const config = validateConfig(loaded.config ?? {}, layer);
  return resolveConfig(config, { file: loaded.file, dir: layer.dir, locate: loaded.locate });
}
