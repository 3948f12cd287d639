export { DEFAULT_LOAD_TIMEOUT_MS, LOAD_TIMEOUT_ENV } from './import.js';
export { loadConfig } from './load.js';
export { PRESETS } from './presets.js';
export { formatConfig, printableConfig } from './print.js';
export { BUILTIN_PLUGINS, registerPlugins, STANDARD_PLUGINS } from './builtins.js';
export { resolvePackage } from './plugins.js';
export { DEFAULT_GATE_TIMEOUT_MS, policyEntries, resolveConfig, validateConfig } from './resolve.js';
export { CONFIG_KEYS, ConfigSchema, defineConfig, LABEL_KEY, LabelsSchema } from './schema.js';
export { MODULE_NAME, SEARCH_PLACES } from './source.js';

export type { PluginLoader, PluginModule } from './builtins.js';
export type { LoadConfigOptions } from './load.js';
export type { Preset } from './presets.js';
export type { PrintedConfig } from './print.js';
export type { Origin, ResolvedConfig, ResolvedPlugin } from './resolve.js';
export type { PatchwiseConfig, PluginSetting, Severity } from './schema.js';
