/**
 * Config files: discovery with cosmiconfig, and positions for error messages.
 */
import { existsSync, readFileSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { basename, dirname, extname, join } from 'node:path';
import { cosmiconfig, type CosmiconfigResult } from 'cosmiconfig';
import type { Loader } from 'cosmiconfig';
import { checkSize, checkValue, decodeUtf8, Diagnostic, refuseSpecialFile, YAML_LIMITS, YamlSource } from '@patchwise/diagnostics';
import { importModule, withinLoadTimeout } from './import.js';

export const MODULE_NAME = 'patchwise';

/** Where discovery looks, in each folder, in this order. */
export const SEARCH_PLACES = [
  '.patchwiserc',
  '.patchwiserc.json',
  '.patchwiserc.yaml',
  '.patchwiserc.yml',
  '.patchwiserc.js',
  '.patchwiserc.cjs',
  '.patchwiserc.mjs',
  'patchwise.config.ts',
  'patchwise.config.mts',
  'patchwise.config.js',
  'patchwise.config.mjs',
  'patchwise.config.cjs',
  'patchwise.config.json',
  'patchwise.config.yaml',
  'patchwise.config.yml',
  // Last: a config file of its own wins over a key in package.json in the same folder.
  'package.json',
];

/**
 * YAML and JSON go through the same parser as every other input: a size limit, an alias budget
 * (cosmiconfig's js-yaml keeps aliases as shared references, and printing a "billion laughs"
 * config then expands them), and errors with the line and column.
 */
const dataLoader = (filepath: string, content: string): unknown => {
  // Every package.json on the way up is read for its `patchwise` key: parse it as npm does (JSON,
  // duplicate keys tolerated) so that an unrelated quirk in it breaks nothing.
  // Its size is bounded like any input's; its `patchwise` value is checked in `located`.
  if (basename(filepath) === 'package.json') {
    checkSize(content, filepath);
    return JSON.parse(content) as unknown;
  }
  // The bytes again, decoded strictly: cosmiconfig's `content` has bytes that are not UTF-8
  // replaced by U+FFFD, silently.
  const source = YamlSource.parse(decodeUtf8(readFileSync(filepath), filepath), filepath);
  parsed.set(filepath, source);
  return source.toJS();
};
/**
 * TypeScript configs need jiti (cosmiconfig-typescript-loader): ~70 ms to import, so it is imported
 * only when a `.ts`/`.mts`/`.cts` config is actually loaded.
 */
const typescriptLoader: Loader = async (filepath, content) => {
  const { TypeScriptLoader } = (await importModule('cosmiconfig-typescript-loader')) as typeof import('cosmiconfig-typescript-loader');
  return withinLoadTimeout(Promise.resolve(TypeScriptLoader()(filepath, content)));
};

/** JS configs, as cosmiconfig loads them (their default export), through `importModule`. */
const javascriptLoader: Loader = async (filepath) => (await importModule(pathToFileURL(await realpath(filepath)).href)).default;

/**
 * cosmiconfig merges the files a config names under `$import` before it hands the config back,
 * outside `extends`' checks: no cycle detection (a file importing itself crashed the CLI), no
 * limits on the imported files, and every value attributed to the importing file. Configs compose
 * with `extends` only, so `$import` is refused before cosmiconfig sees it.
 */
function refusingImport(loader: Loader): Loader {
  return async (filepath, content) => {
    const config = (await loader(filepath, content)) as unknown;
    const inPackage = basename(filepath) === 'package.json';
    const own = inPackage && isRecord(config) ? config[MODULE_NAME] : config;
    if (isRecord(own) && Object.hasOwn(own, '$import')) {
      const path = inPackage ? [MODULE_NAME, '$import'] : ['$import'];
      throw new Diagnostic({
        code: 'PW_CONFIG',
        file: filepath,
        path: inPackage ? `${MODULE_NAME}.$import` : '$import',
        ...parsed.get(filepath)?.locate(path, { key: true }),
        reason: '`$import` is not supported',
        hint: 'name the files to build on under `extends`',
      });
    }
    return config;
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Sources the loader parsed, so that locating a value does not parse the file again. */
const parsed = new Map<string, YamlSource>();

const explorer = () =>
  cosmiconfig(MODULE_NAME, {
    searchPlaces: SEARCH_PLACES,
    // From the working folder up to the project root (the first folder with a package.json).
    searchStrategy: 'project',
    loaders: {
      '.js': refusingImport(javascriptLoader),
      '.mjs': refusingImport(javascriptLoader),
      '.cjs': refusingImport(javascriptLoader),
      '.ts': refusingImport(typescriptLoader),
      '.mts': refusingImport(typescriptLoader),
      '.cts': refusingImport(typescriptLoader),
      '.json': refusingImport(dataLoader),
      '.yaml': refusingImport(dataLoader),
      '.yml': refusingImport(dataLoader),
      noExt: refusingImport(dataLoader),
    },
    cache: false,
  });

export interface LoadedFile {
  readonly file: string;
  readonly config: unknown;
  /** Locates a path inside the file (YAML/JSON only); with `key`, the last key rather than its value. */
  readonly locate: (path: readonly (string | number)[], options?: { key?: boolean }) => { line: number; column: number } | undefined;
}

function located(result: NonNullable<CosmiconfigResult>): LoadedFile {
  const { filepath } = result;
  // A JS or TS config, or a package.json key, did not come through the YAML reader's limits.
  checkValue(result.config, filepath);
  const data = /\.(ya?ml|json)$/.test(filepath) || basename(filepath) === '.patchwiserc' ? sourceOf(filepath) : undefined;
  const inPackage = basename(filepath) === 'package.json';
  return {
    file: filepath,
    config: result.config,
    locate: (path, options) => data?.locate(inPackage ? [MODULE_NAME, ...path] : path, options),
  };
}

function sourceOf(file: string): YamlSource | undefined {
  const cached = parsed.get(file);
  if (cached) {
    parsed.delete(file);
    return cached;
  }
  try {
    return YamlSource.parse(readFileSync(file, 'utf8'), file);
  } catch {
    return undefined;
  }
}

/** Turn a loader's exception into a diagnostic naming the file (and the line, for YAML/JSON). */
function loadError(file: string, err: unknown): Diagnostic {
  if (err instanceof Diagnostic) return err;
  const ext = extname(file);
  if (ext === '' || ['.yaml', '.yml', '.json'].includes(ext)) {
    try {
      // YamlSource checks `.json` files (package.json included) as strict JSON first.
      YamlSource.parse(readFileSync(file, 'utf8'), file);
    } catch (syntax) {
      if (syntax instanceof Diagnostic) return syntax;
    }
  }
  // Loaders put the useful part on the second line ("failed to compile TypeScript:\nCannot find module ...").
  const lines = ((err as Error)?.message ?? String(err)).split('\n').filter((l) => l.trim() && !l.startsWith('Require stack') && !l.startsWith('- '));
  const message = lines.slice(0, 2).join(' ');
  return new Diagnostic({
    code: 'PW_CONFIG_LOAD',
    file,
    reason: `cannot load the config: ${message}`,
    hint: 'fix the file so it loads (run it with node for a JS/TS config to see the error)',
    cause: err,
  });
}

/**
 * cosmiconfig reads every candidate it finds on the way up, whole: a FIFO named like a config would
 * block discovery for good, and a file of gigabytes would be read into memory before our size check.
 * Look first, the way it searches (up to the first folder with a package.json).
 */
function refuseSpecialCandidates(cwd: string): void {
  for (let dir = cwd; ; dir = dirname(dir)) {
    for (const place of SEARCH_PLACES) {
      const file = join(dir, place);
      refuseSpecialFile(file, 'a config file discovery would read', file, YAML_LIMITS.maxSize);
    }
    if (['package.json', 'package.yaml'].some((f) => existsSync(join(dir, f))) || dirname(dir) === dir) return;
  }
}

/** Find the nearest config from `cwd` up to the project root; `undefined` when there is none. */
export async function discover(cwd: string): Promise<LoadedFile | undefined> {
  refuseSpecialCandidates(cwd);
  let result: CosmiconfigResult;
  try {
    result = await explorer().search(cwd);
  } catch (err) {
    const file = (err as { filepath?: string }).filepath;
    throw file ? loadError(file, err) : err;
  }
  return result ? located(result) : undefined;
}

/** Load a config file named explicitly (`--config FILE`, or an `extends` path). */
export async function loadFile(file: string): Promise<LoadedFile> {
  refuseSpecialFile(file, 'the config file', file, YAML_LIMITS.maxSize);
  try {
    const result = await explorer().load(file);
    if (!result) throw new Error('the file holds no configuration');
    return located(result);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Diagnostic({ code: 'PW_NO_SUCH_FILE', file, reason: 'no such config file', hint: 'check the path' });
    }
    throw loadError(file, err);
  }
}
