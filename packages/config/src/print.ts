/**
 * `patchwise print-config`: the resolved config, with where each value came from.
 */
import { relative } from 'node:path';
import { redactSecrets } from './redact.js';
import type { Origin, ResolvedConfig } from './resolve.js';

export interface PrintedConfig {
  readonly file: string | null;
  readonly audit: { readonly value: boolean; readonly from: Origin };
  readonly gateTimeoutMs: { readonly value: number; readonly from: Origin };
  readonly plugins: readonly {
    readonly name: string;
    readonly version?: string;
    readonly plugin: { readonly value: string; readonly from: Origin };
    readonly severity: { readonly value: string; readonly from: Origin };
    readonly options: { readonly value: unknown; readonly from: Readonly<Record<string, Origin>> };
    readonly failOpen: boolean;
    readonly timeoutMs: number;
  }[];
}

/** The JSON form (`print-config --format json`). */
export function printableConfig(config: ResolvedConfig, cwd = process.cwd()): PrintedConfig {
  const from = (origin: Origin) => (origin.startsWith('/') ? relative(cwd, origin) || origin : origin);
  return {
    file: config.file ? from(config.file) : null,
    audit: { value: config.audit, from: from(config.origin.audit) },
    gateTimeoutMs: { value: config.gateTimeoutMs, from: from(config.origin.gateTimeoutMs) },
    plugins: config.plugins.map((p) => ({
      name: p.name,
      ...(p.version ? { version: p.version } : {}),
      plugin: { value: p.specifier, from: from(p.origin.plugin) },
      severity: { value: p.severity, from: from(p.origin.severity) },
      options: {
        value: redactSecrets(p.options),
        from: Object.fromEntries(
          Object.keys((p.options ?? {}) as object).map((key) => {
            const origin = p.origin.optionKeys[key];
            return [key, origin ? from(origin) : 'defaults of the plugin'];
          }),
        ),
      },
      failOpen: p.failOpen,
      timeoutMs: p.timeoutMs,
    })),
  };
}

/** The text form: aligned, one value per line, its origin on the right. */
export function formatConfig(config: ResolvedConfig, cwd = process.cwd()): string {
  const printed = printableConfig(config, cwd);
  const rows: [string, string][] = [
    ['config file', printed.file ?? '(none found: no policies)'],
    ['audit', `${printed.audit.value}`],
    ['gateTimeoutMs', `${printed.gateTimeoutMs.value}`],
  ];
  const origins = ['', printed.audit.from, printed.gateTimeoutMs.from];
  for (const p of printed.plugins) {
    rows.push([`plugin ${p.name}${p.version ? `@${p.version}` : ''}`, p.plugin.value]);
    origins.push(p.plugin.from);
    rows.push(['  severity', p.severity.value]);
    origins.push(p.severity.from);
    for (const [key, value] of Object.entries((p.options.value ?? {}) as Record<string, unknown>)) {
      rows.push([`  options.${key}`, JSON.stringify(value)]);
      origins.push(p.options.from[key] ?? 'defaults of the plugin');
    }
    if (p.failOpen) {
      rows.push(['  failOpen', 'true']);
      origins.push('');
    }
  }
  const keyWidth = Math.max(...rows.map(([k]) => k.length));
  const valueWidth = Math.min(60, Math.max(...rows.map(([, v]) => v.length)));
  return rows
    .map(([key, value], i) => {
      const origin = origins[i] ? `  (${origins[i]})` : '';
      return `${key.padEnd(keyWidth)}  ${value.padEnd(valueWidth)}${origin}`.trimEnd();
    })
    .join('\n');
}
