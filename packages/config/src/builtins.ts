/**
 * The standard plugins ship with patchwise. They are imported by name here, not resolved from the
 * user's folder, so the bundled `patchwise` command carries them (a config naming one never pays
 * for a second copy of its dependencies) and a project need not install them.
 */
type PluginModule = Record<string, unknown>;

/**
 * Looked up by the name a config gives: no prototype, so `constructor` or `toString` is an unknown
 * plugin rather than a function of `Object.prototype` called as a loader.
 */
export const BUILTIN_LOADERS: Readonly<Record<string, () => Promise<PluginModule>>> = Object.assign(Object.create(null) as Record<string, () => Promise<PluginModule>>, {
  '@patchwise/plugin-vendor-tags': () => import('@patchwise/plugin-vendor-tags'),
  '@patchwise/plugin-scoped-callbacks': () => import('@patchwise/plugin-scoped-callbacks'),
  '@patchwise/plugin-semver-deps': () => import('@patchwise/plugin-semver-deps'),
  '@patchwise/plugin-transition-timeout': () => import('@patchwise/plugin-transition-timeout'),
  '@patchwise/plugin-rollout': () => import('@patchwise/plugin-rollout'),
});

/** Short names of the standard plugins (`vendor-tags` is `@patchwise/plugin-vendor-tags`). */
export const BUILTIN_PLUGINS = Object.keys(BUILTIN_LOADERS).map((name) => name.replace('@patchwise/plugin-', ''));
