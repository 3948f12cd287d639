/**
 * Plugins named in a config: found, imported, and their failure to load explained.
 *
 * A name resolves from the config file's own project (its node_modules) first, then from
 * patchwise's own installation (the standard plugins). When the project's copy is the very package
 * patchwise itself depends on (npm hoists it there) and the running program registered a bundled
 * copy of it, the bundled copy is used: the same code, without loading it twice.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, isAbsolute, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Diagnostic, suggestion, type SourcePlace } from '@patchwise/diagnostics';
import { isPolicy, type Policy } from '@patchwise/policy';
import { registeredPlugin, STANDARD_PLUGINS, type PluginLoader, type PluginModule } from './builtins.js';
import { importModule, withinLoadTimeout } from './import.js';

const isPath = (specifier: string) => specifier.startsWith('.') || isAbsolute(specifier);

/** Short names: `vendor-tags` is `@patchwise/plugin-vendor-tags`, then `patchwise-plugin-vendor-tags`. */
function candidates(specifier: string): string[] {
  if (isPath(specifier) || specifier.startsWith('@') || specifier.includes('/')) return [specifier];
  return [`@patchwise/plugin-${specifier}`, `patchwise-plugin-${specifier}`, specifier];
}

/** `require.resolve` of `specifier` from `base` (a folder, or a file URL), or undefined. */
export function resolveFrom(specifier: string, base: string): string | undefined {
  try {
    return createRequire(base.startsWith('file:') ? base : pathToFileURL(`${base}/`).href).resolve(specifier);
  } catch {
    return undefined;
  }
}

/** A package from the project at `fromDir`, then from patchwise's own installation. */
export function resolvePackage(specifier: string, fromDir: string): string | undefined {
  return resolveFrom(specifier, fromDir) ?? resolveFrom(specifier, import.meta.url);
}

const real = (file: string) => {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
};

type Found = { readonly file: string } | { readonly load: PluginLoader };

function find(specifier: string, dir: string): Found | undefined {
  if (isPath(specifier)) {
    const path = resolvePath(dir, specifier);
    if (!existsSync(path)) return undefined;
    // A folder is a package of its own: its package.json `main`/`exports`, or index.js.
    if (statSync(path).isDirectory()) {
      const file = resolveFrom(path, dir);
      return file ? { file } : undefined;
    }
    return { file: path };
  }
  for (const candidate of candidates(specifier)) {
    const project = resolveFrom(candidate, dir);
    const load = registeredPlugin(candidate);
    if (project && !(load && real(project) === real(resolveFrom(candidate, import.meta.url) ?? ''))) return { file: project };
    if (load) return { load };
    const own = resolveFrom(candidate, import.meta.url);
    if (own) return { file: own };
  }
  return undefined;
}

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts']);

/** A plugin file: JavaScript with Node's `import()`, TypeScript through jiti (as TypeScript configs). */
async function importFile(file: string): Promise<PluginModule> {
  if (!TYPESCRIPT.has(extname(file))) return importModule(pathToFileURL(file).href);
  const { createJiti } = (await importModule('jiti')) as typeof import('jiti');
  // A TypeScript plugin's top-level await is held to the same load timeout as a JavaScript one's.
  return (await withinLoadTimeout(createJiti(pathToFileURL(file).href, { moduleCache: false }).import(file))) as PluginModule;
}

/** What a failed import could not find, from Node's message (`Cannot find package 'zod' imported from …`). */
function missingOf(err: unknown): string | undefined {
  const { code, message } = err as NodeJS.ErrnoException;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return undefined;
  return /Cannot find (?:package|module) '([^']+)'/.exec(String(message))?.[1] ?? 'a module';
}

/**
 * The policy a config names at `place`. Throws one `Diagnostic` saying which plugin and why: not
 * found (with the standard names), found but one of its own imports missing, failing to import, or
 * exporting no policy.
 */
export async function importPolicy(specifier: string, dir: string, place: SourcePlace): Promise<Policy> {
  const found = find(specifier, dir);
  if (!found) {
    throw new Diagnostic({
      code: 'PW_UNKNOWN_PLUGIN',
      ...place,
      reason: isPath(specifier)
        ? `unknown plugin \`${specifier}\`: no such file (${resolvePath(dir, specifier)})`
        : `unknown plugin \`${specifier}\`${suggestion(specifier, STANDARD_PLUGINS)}`,
      hint: isPath(specifier)
        ? 'the path is relative to the config file'
        : `install it in the project (\`npm install -D ${candidates(specifier).length > 1 ? `patchwise-plugin-${specifier}` : specifier}\`), or use a standard plugin (${STANDARD_PLUGINS.map((p) => `\`${p}\``).join(', ')})`,
    });
  }
  let mod: PluginModule;
  try {
    mod = 'load' in found ? await found.load() : await importFile(found.file);
  } catch (err) {
    const missing = missingOf(err);
    const from = 'file' in found ? ` (${found.file})` : '';
    throw new Diagnostic({
      code: missing ? 'PW_PLUGIN_DEPENDENCY' : 'PW_PLUGIN_LOAD',
      ...place,
      reason: missing
        ? `plugin \`${specifier}\`${from} was found but cannot load: it imports \`${missing}\`, which is not installed where the plugin can see it`
        : `plugin \`${specifier}\`${from} failed to load: ${String((err as Error).message).split('\n')[0]}`,
      hint: missing ? `install \`${missing}\` in the plugin's project, or fix the import` : 'fix the plugin so that it can be imported (--debug shows its stack)',
      cause: err,
    });
  }
  const policy = [mod.default, mod.policy, ...Object.values(mod)].find(isPolicy);
  if (!policy) {
    throw new Diagnostic({
      code: 'PW_NOT_A_POLICY',
      ...place,
      reason: `\`${specifier}\` exports no policy made with \`definePolicy\``,
      hint: 'export the policy as the default export',
    });
  }
  return policy;
}
