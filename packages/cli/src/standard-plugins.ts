/**
 * The standard plugins, shipped with the command: registered with @patchwise/config on import, so
 * that a config naming one (`vendor-tags`) gets the command's own (bundled) copy and a project need
 * not install it. Adding a standard plugin is one line here and one dependency.
 */
import { registerPlugins } from '@patchwise/config';

registerPlugins({
  '@patchwise/plugin-vendor-tags': () => import('@patchwise/plugin-vendor-tags'),
  '@patchwise/plugin-scoped-callbacks': () => import('@patchwise/plugin-scoped-callbacks'),
  '@patchwise/plugin-semver-deps': () => import('@patchwise/plugin-semver-deps'),
  '@patchwise/plugin-transition-timeout': () => import('@patchwise/plugin-transition-timeout'),
  '@patchwise/plugin-rollout': () => import('@patchwise/plugin-rollout'),
});
