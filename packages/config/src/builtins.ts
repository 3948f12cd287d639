/**
 * The standard plugins: the ones the `patchwise` command ships with. This package does not depend
 * on them (a library user installs only what it names); whoever ships them registers them here
 * (the command does, see @patchwise/cli), so the bundled command resolves a standard name to its own
 * copy and a project need not install them. Without a registration a standard name resolves like
 * any other package name.
 */
export type PluginModule = Record<string, unknown>;
export type PluginLoader = () => Promise<PluginModule>;

/** The standard plugins by short name (`vendor-tags` is `@patchwise/plugin-vendor-tags`). */
export const STANDARD_PLUGINS = ['vendor-tags', 'scoped-callbacks', 'semver-deps', 'transition-timeout', 'rollout'] as const;

/** Kept for compatibility: the short names of the standard plugins. */
export const BUILTIN_PLUGINS: readonly string[] = STANDARD_PLUGINS;

const registered = new Map<string, PluginLoader>();

/**
 * Make plugins importable by package name without resolving them from the config's folder: a
 * program that bundles them registers `{'@patchwise/plugin-vendor-tags': () => import(...)}`.
 */
export function registerPlugins(loaders: Readonly<Record<string, PluginLoader>>): void {
  for (const [name, load] of Object.entries(loaders)) registered.set(name, load);
}

export function registeredPlugin(name: string): PluginLoader | undefined {
  return registered.get(name);
}
