/**
 * From a config file to the resolved policy set: `extends` followed (presets, files, packages;
 * cycles refused), plugins imported and merged by policy name, options validated, and where every
 * value came from remembered.
 */
import { dirname, isAbsolute, relative as relativePath, resolve as resolvePath } from 'node:path';
import { describeIssue, Diagnostic, formatPath, issuePlace, pickIssue, suggestion, type IssuePlace } from '@patchwise/diagnostics';
import { validateOptions, type Policy, type PolicyEntry } from '@patchwise/policy';
import type { z } from 'zod';
import { resolveFileOptions } from './file-options.js';
import { importPolicy, resolvePackage } from './plugins.js';
import { PRESETS, type Preset } from './presets.js';
import { ConfigSchema, type PatchwiseConfig, type PluginSetting, type Severity } from './schema.js';
import { loadFile, type LoadedFile } from './source.js';

/** Where a value came from: a file, a preset, or the default. */
export type Origin = string;

export interface ResolvedPlugin {
  readonly name: string;
  readonly version?: string;
  readonly policy: Policy;
  /** How it was named (package, path, `inline`). */
  readonly specifier: string;
  readonly severity: Severity;
  /** Validated, defaults applied (`undefined` when off). */
  readonly options: unknown;
  readonly failOpen: boolean;
  readonly timeoutMs: number;
  /** Where the plugin was first named (file, path, line), for errors raised when it is applied. */
  readonly source: { readonly file?: string; readonly path?: string; readonly line?: number; readonly column?: number };
  readonly origin: {
    readonly plugin: Origin;
    readonly severity: Origin;
    readonly options: Origin;
    /** Per option key: the layer that set it (keys not listed come from the plugin's defaults). */
    readonly optionKeys: Readonly<Record<string, Origin>>;
  };
}

export interface ResolvedConfig {
  /** The config file used, or `null` (no config: no policies, the kernel's behaviour). */
  readonly file: string | null;
  readonly audit: boolean;
  readonly gateTimeoutMs: number;
  readonly plugins: readonly ResolvedPlugin[];
  /** Every layer's `labels`, a later layer's key winning. */
  readonly labels: Readonly<Record<string, string>>;
  readonly origin: { readonly audit: Origin; readonly gateTimeoutMs: Origin };
}

export const DEFAULT_GATE_TIMEOUT_MS = 5000;
const DEFAULT: Origin = 'default';

/** A layer of configuration: one file or preset, already validated. */
interface Layer {
  readonly config: PatchwiseConfig;
  readonly origin: Origin;
  /** Where relative paths and package names resolve from. */
  readonly dir: string;
  readonly locate: LoadedFile['locate'];
  /** Where the config sits inside its file, when it is part of another document (a scenario's `config`). */
  readonly prefix?: readonly (string | number)[];
}

function where(layer: Layer, path: (string | number)[], options: { key?: boolean } = {}) {
  const isFile = layer.origin !== DEFAULT && !layer.origin.startsWith('patchwise:');
  return { ...(isFile ? { file: layer.origin } : {}), path: formatPath([...(layer.prefix ?? []), ...path]), ...layer.locate(path, options) };
}

/** What a plugin entry is, for when it is neither a string nor an object. */
const PLUGIN_FORMS = 'a plugin is a name or path, or `{ plugin, options?, severity?, failOpen?, timeoutMs? }`';
const PLUGIN_VALUE = 'a package name, a relative path, or a policy made with `definePolicy`';

/**
 * The config's own words where zod's say less: an entry of `plugins` that is neither form, and a
 * `plugin` value that is missing or of no form it takes (zod can name no type for a policy object).
 */
function pluginReason(issue: z.core.$ZodIssue, place: IssuePlace): string | undefined {
  const { path } = place;
  if (path[0] !== 'plugins' || place.key === 'unknown') return undefined;
  if (issue.code === 'invalid_union' && path.length === 2) return PLUGIN_FORMS;
  // A string too short is said by zod; a value of no form it takes (union, custom check) here.
  if (path.length !== 3 || path[2] !== 'plugin' || (issue.code !== 'invalid_union' && issue.code !== 'custom')) return undefined;
  return place.key === 'missing' ? `missing key \`plugin\`: ${PLUGIN_VALUE}` : `expected ${PLUGIN_VALUE}`;
}

/** Check a raw config object against the schema. */
export function validateConfig(raw: unknown, layer: Omit<Layer, 'config'>): PatchwiseConfig {
  const result = ConfigSchema.safeParse(raw);
  if (result.success) return result.data as PatchwiseConfig;
  // An unknown key explains more than the errors it causes elsewhere: it comes first.
  const issue = pickIssue(result.error.issues) as z.core.$ZodIssue;
  const place = issuePlace(issue);
  // An unknown or missing key is named in the reason; any other problem is said of its place.
  const at = place.path.length && !place.key ? `\`${formatPath(place.path)}\`: ` : '';
  throw new Diagnostic({
    code: 'PW_CONFIG',
    ...where({ ...layer, config: {} }, place.path, { key: place.key === 'unknown' }),
    reason: `invalid config: ${at}${pluginReason(issue, place) ?? describeIssue(issue, ConfigSchema)}`,
    hint: 'see "The config file" in the @patchwise/config README',
  });
}

const asList = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

/** Load `entry` of `extends` (a preset, a path, a package) as a layer. */
async function extendLayer(entry: string, from: Layer, loaded: Map<string, Promise<LoadedFile>>): Promise<{ layer: Layer; id: string } | Preset> {
  if (entry.startsWith('patchwise:')) {
    const preset = PRESETS[entry];
    if (!preset) {
      throw new Diagnostic({
        code: 'PW_CONFIG_EXTENDS',
        ...where(from, ['extends']),
        reason: `unknown preset \`${entry}\`${suggestion(entry, Object.keys(PRESETS))}`,
        hint: `the presets are ${Object.keys(PRESETS).map((p) => `\`${p}\``).join(', ')}`,
      });
    }
    return preset;
  }
  const file = entry.startsWith('.') || isAbsolute(entry) ? resolvePath(from.dir, entry) : resolvePackage(entry, from.dir);
  if (!file) {
    throw new Diagnostic({
      code: 'PW_CONFIG_EXTENDS',
      ...where(from, ['extends']),
      reason: `cannot find \`${entry}\` to extend`,
      hint: 'use a preset (`patchwise:recommended`), a relative path, or an installed package',
    });
  }
  // Each file is read once, however many configs extend it.
  if (!loaded.has(file)) loaded.set(file, loadFile(file));
  let config: LoadedFile;
  try {
    config = await (loaded.get(file) as Promise<LoadedFile>);
  } catch (err) {
    // The extending file holds the mistake: point at its `extends`, and name what is missing.
    if (!(err instanceof Diagnostic) || err.code !== 'PW_NO_SUCH_FILE' || err.file !== file) throw err;
    throw new Diagnostic({
      code: 'PW_CONFIG_EXTENDS',
      ...where(from, ['extends']),
      reason: `cannot find \`${entry}\` to extend: no such file (${file})`,
      hint: 'the path is relative to the extending file',
    });
  }
  const base = { origin: config.file, dir: dirname(config.file), locate: config.locate };
  return { layer: { ...base, config: validateConfig(config.config, base) }, id: file };
}

/**
 * Layers in application order (extended first). Each file is loaded once and applied once, where it
 * is first extended: a diamond (two configs extending one base) applies the base once, and a chain
 * of configs each extending the next twice costs one load per file, not two to the power of its
 * length. A cycle is refused, named by its chain of files.
 */
async function flatten(root: Layer, rootId: string): Promise<Layer[]> {
  const layers: Layer[] = [];
  const applied = new Set<string>();
  const loaded = new Map<string, Promise<LoadedFile>>();
  const visit = async (layer: Layer, id: string, chain: readonly string[]): Promise<void> => {
    const path = [...chain, id];
    for (const entry of asList(layer.config.extends)) {
      const next = await extendLayer(entry, layer, loaded);
      if (!('layer' in next)) {
        layers.push({ config: next.config, origin: next.name, dir: layer.dir, locate: () => undefined });
        continue;
      }
      const start = path.indexOf(next.id);
      if (start >= 0) {
        const cycle = [...path.slice(start), next.id];
        const base = dirname(next.id);
        throw new Diagnostic({
          code: 'PW_CONFIG_CIRCULAR',
          ...where(layer, ['extends']),
          reason: `circular \`extends\`: ${cycle.map((file) => relativePath(base, file)).join(' → ')}`,
          hint: 'remove one of the `extends` entries in the cycle',
        });
      }
      if (applied.has(next.id)) continue;
      await visit(next.layer, next.id, path);
    }
    applied.add(id);
    layers.push(layer);
  };
  await visit(root, rootId, []);
  return layers;
}

interface Pending {
  policy: Policy;
  specifier: string;
  severity?: Severity;
  options?: unknown;
  failOpen?: boolean;
  timeoutMs?: number;
  origin: { plugin: Origin; severity: Origin; options: Origin; optionKeys: Record<string, Origin> };
  optionsWhere: ReturnType<typeof where>;
  pluginWhere: ReturnType<typeof where>;
}

/** Resolve a validated config (and what it extends) into the policy set. */
export async function resolveConfig(
  config: PatchwiseConfig,
  top: { file: string | null; dir: string; locate?: LoadedFile['locate']; origin?: Origin; prefix?: readonly (string | number)[] },
): Promise<ResolvedConfig> {
  const root: Layer = {
    config,
    origin: top.origin ?? top.file ?? DEFAULT,
    dir: top.dir,
    locate: top.locate ?? (() => undefined),
    ...(top.prefix ? { prefix: top.prefix } : {}),
  };
  const layers = await flatten(root, top.file ?? '<inline>');
  let audit: { value: boolean; origin: Origin } = { value: false, origin: DEFAULT };
  let timeout: { value: number; origin: Origin } = { value: DEFAULT_GATE_TIMEOUT_MS, origin: DEFAULT };
  const byName = new Map<string, Pending>();
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer.config.labels ?? {})) labels[key] = value;
    if (layer.config.audit !== undefined) audit = { value: layer.config.audit, origin: layer.origin };
    if (layer.config.gateTimeoutMs !== undefined) timeout = { value: layer.config.gateTimeoutMs, origin: layer.origin };
    for (const [index, raw] of (layer.config.plugins ?? []).entries()) {
      const setting: PluginSetting = typeof raw === 'string' ? { plugin: raw } : raw;
      const path = typeof raw === 'string' ? ['plugins', index] : ['plugins', index, 'plugin'];
      const policy = typeof setting.plugin === 'string' ? await importPolicy(setting.plugin, layer.dir, where(layer, path)) : setting.plugin;
      const specifier = typeof setting.plugin === 'string' ? setting.plugin : 'inline';
      const previous = byName.get(policy.name);
      const next: Pending = previous ?? {
        policy,
        specifier,
        origin: { plugin: layer.origin, severity: DEFAULT, options: DEFAULT, optionKeys: {} },
        optionsWhere: where(layer, ['plugins', index, 'options']),
        pluginWhere: where(layer, path),
      };
      if (setting.severity !== undefined) {
        next.severity = setting.severity;
        next.origin.severity = layer.origin;
      }
      if (setting.options !== undefined) {
        next.options = resolveFileOptions(next.policy, setting.options, layer.dir);
        next.origin.options = layer.origin;
        next.origin.optionKeys =
          typeof setting.options === 'object' && setting.options !== null
            ? Object.fromEntries(Object.keys(setting.options).map((key) => [key, layer.origin]))
            : {};
        next.optionsWhere = where(layer, ['plugins', index, 'options']);
      }
      if (setting.failOpen !== undefined) next.failOpen = setting.failOpen;
      if (setting.timeoutMs !== undefined) next.timeoutMs = setting.timeoutMs;
      byName.set(policy.name, next);
    }
  }
  const plugins = [...byName.values()].map((p): ResolvedPlugin => {
    const severity = p.severity ?? 'error';
    return {
      name: p.policy.name,
      ...(p.policy.version ? { version: p.policy.version } : {}),
      policy: p.policy,
      specifier: p.specifier,
      severity,
      options: severity === 'off' ? p.options : validateOptions(p.policy, p.options, p.optionsWhere),
      failOpen: p.failOpen ?? false,
      timeoutMs: p.timeoutMs ?? timeout.value,
      source: p.pluginWhere,
      origin: p.origin,
    };
  });
  return {
    file: top.file,
    audit: audit.value,
    gateTimeoutMs: timeout.value,
    plugins,
    labels: { ...labels },
    origin: { audit: audit.origin, gateTimeoutMs: timeout.origin },
  };
}

/** The resolved config as `applyPolicies` entries. */
export function policyEntries(config: ResolvedConfig): PolicyEntry[] {
  return config.plugins.map((p) => ({
    policy: p.policy,
    options: p.options,
    severity: p.severity,
    failOpen: p.failOpen,
    timeoutMs: p.timeoutMs,
    source: p.source,
  }));
}
