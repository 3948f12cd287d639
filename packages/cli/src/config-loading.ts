/**
 * The config a command runs with: `--config FILE`, or the one discovered from the working folder.
 */
import { dirname } from 'node:path';
import { loadConfig, policyEntries, type ResolvedConfig } from '@patchwise/config';
import { Diagnostic } from '@patchwise/diagnostics';
import type { PolicyEntry } from '@patchwise/policy';
import type { Scenario } from '@patchwise/scenario';
import { policyRevision, type HostFacts, type RecordContext } from './decision-records.js';
import { displayPath } from './paths.js';
// A config may name the standard plugins: register the command's own copies.
import './standard-plugins.js';

export interface ConfigOptions {
  readonly config?: string;
  readonly audit?: boolean;
  /** `--label key=value`: added to (and overriding) the config's labels in decision records. */
  readonly label?: Readonly<Record<string, string>>;
}

/** What every decision record of a command run with `set` on a machine of `host` carries. */
export function recordContext(set: PolicySet, options: ConfigOptions, host: HostFacts): RecordContext {
  return { labels: { ...set.labels, ...options.label }, policyRevision: set.revision, host };
}

export interface PolicySet {
  readonly entries: readonly PolicyEntry[];
  readonly audit: boolean;
  /** Where it came from, for the output. */
  readonly source: string;
  /** The config file read, if any (outputs must not overwrite it). */
  readonly file?: string;
  /** The config's `labels`, for decision records. */
  readonly labels: Readonly<Record<string, string>>;
  /** A hash of what decides (see `policyRevision`). */
  readonly revision: string;
}

/** No policies: the kernel alone. */
const NONE: PolicySet = { entries: [], audit: false, source: 'none (the kernel alone)', labels: {}, revision: policyRevision(undefined) };

const fromResolved = (config: ResolvedConfig, source: string, audit?: boolean): PolicySet => ({
  entries: policyEntries(config),
  audit: audit ?? config.audit,
  source,
  ...(config.file ? { file: config.file } : {}),
  labels: config.labels,
  revision: policyRevision({ plugins: config.plugins, audit: audit ?? config.audit }),
});

/** The discovered (or `--config`) policy set. */
export async function commandPolicies(options: ConfigOptions, cwd = process.cwd()): Promise<PolicySet> {
  if (options.config === 'none') return NONE;
  const config = await loadConfig({ cwd, ...(options.config === undefined ? {} : { configFile: options.config }) });
  return fromResolved(config, config.file ? displayPath(config.file) : 'no config (no policies)', options.audit);
}

/** A scenario's own `config` wins over the command's. */
export async function scenarioPolicies(scenario: Scenario, fallback: () => Promise<PolicySet>, audit?: boolean): Promise<PolicySet> {
  const own = scenario.config;
  if (own === undefined) return fallback();
  if (own === 'none') return NONE;
  if ('file' in own) {
    try {
      return fromResolved(await loadConfig({ configFile: own.file }), displayPath(own.file), audit);
    } catch (err) {
      // A config file that is not there is the scenario's mistake: point at its `config`.
      if (!(err instanceof Diagnostic) || err.code !== 'PW_NO_SUCH_FILE' || err.file !== own.file) throw err;
      throw new Diagnostic({
        code: err.code,
        file: scenario.file,
        path: 'config',
        ...scenario.locate?.(['config']),
        reason: `no such config file \`${displayPath(own.file)}\``,
        hint: 'the path is relative to the scenario; `config: none` runs without policies',
      });
    }
  }
  const source = { file: scenario.file, path: ['config'], ...(scenario.locate ? { locate: scenario.locate } : {}) };
  return fromResolved(await loadConfig({ config: own.inline, cwd: dirname(scenario.file), source }), 'inline in the scenario', audit);
}
