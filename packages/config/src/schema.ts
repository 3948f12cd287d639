/**
 * The config file's shape, and `defineConfig` for typed TypeScript configs.
 */
import { MAX_TIMEOUT_MS, type Policy } from '@patchwise/policy';
import * as z from 'zod';

export type Severity = 'error' | 'warn' | 'off';

/** One policy plugin: by package name, by relative path, or inline (a `definePolicy` object). */
export interface PluginSetting {
  /** `@scope/package`, a short name (`vendor-tags` = `@patchwise/plugin-vendor-tags`), `./path.js`, or a policy. */
  readonly plugin: string | Policy;
  /** The policy's options (validated against its schema). */
  readonly options?: unknown;
  /** `error` (default) denies, `warn` reports, `off` does not run. */
  readonly severity?: Severity;
  /** A throwing, rejecting or timed-out policy allows instead of denying. */
  readonly failOpen?: boolean;
  /** Gate timeout for this policy, in ms. */
  readonly timeoutMs?: number;
}

export interface PatchwiseConfig {
  /** Presets (`patchwise:recommended`) and other config files or packages, applied first, in order. */
  readonly extends?: string | readonly string[];
  /** Plugins in order; a plugin named again (here or in an extended config) is configured again. */
  readonly plugins?: readonly (string | PluginSetting)[];
  /** Report every error as a warning: a dry run of the policy set. */
  readonly audit?: boolean;
  /** Default gate timeout for every policy, in ms (default 5000). */
  readonly gateTimeoutMs?: number;
  /**
   * Labels every decision record carries (`--decisions`, `--format json`): where a fleet's log
   * pipeline files it, e.g. `{ ring: beta, site: fra1 }`. `--label key=value` adds or overrides.
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Typed config for `patchwise.config.ts`. */
export function defineConfig(config: PatchwiseConfig): PatchwiseConfig {
  return config;
}

const severity = z.enum(['error', 'warn', 'off']);
const policyObject = z.custom<Policy>(
  (v) => typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'patchwise-policy',
  'expected a package name, a relative path or a policy made with `definePolicy`',
);

/** A timeout in ms: a timer cannot wait longer than 2^31-1 ms (Node would fire it after 1 ms). */
const timeoutMs = z.number().int().positive().max(MAX_TIMEOUT_MS, `at most ${MAX_TIMEOUT_MS} ms (the longest a timer can wait)`);

export const PluginSettingSchema = z.union([
  z.string().min(1),
  z.strictObject({
    plugin: z.union([z.string().min(1), policyObject]),
    options: z.unknown().optional(),
    severity: severity.optional(),
    failOpen: z.boolean().optional(),
    timeoutMs: timeoutMs.optional(),
  }),
]);

/** Label keys: letters, digits, `_`, `-`, `.` and `/`, as log pipelines and Kubernetes take them. */
export const LABEL_KEY = /^[A-Za-z0-9](?:[A-Za-z0-9_./-]{0,62})$/;
export const LabelsSchema = z.record(z.string(), z.string().max(256, 'a label value is at most 256 characters')).superRefine((labels, ctx) => {
  // Checked here rather than by the record's key schema, whose failure zod words as "Invalid key in record".
  for (const key of Object.keys(labels)) {
    if (!LABEL_KEY.test(key)) {
      ctx.addIssue({ code: 'custom', path: [key], message: `label key \`${key}\`: 1 to 63 letters, digits, \`_\`, \`-\`, \`.\` or \`/\`, starting with a letter or digit` });
    }
  }
});

export const ConfigSchema = z.strictObject({
  extends: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  plugins: z.array(PluginSettingSchema).optional(),
  audit: z.boolean().optional(),
  gateTimeoutMs: timeoutMs.optional(),
  labels: LabelsSchema.optional(),
});

export const CONFIG_KEYS = Object.keys(ConfigSchema.shape);
