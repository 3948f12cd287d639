/**
 * `gate status`: the installed patches as the kernel shows them (like `kpatch list`), with the
 * vendor and version their modules carry where the module is found. Read-only.
 */
import type { PatchManifest } from '@patchwise/manifest';
import type { SystemSnapshot } from '@patchwise/sysfs';
import { ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';
import type { GateEnv } from './gate-run.js';

export interface StatusRecord {
  readonly release: string | null;
  readonly patches: readonly {
    readonly name: string;
    readonly enabled: boolean;
    readonly transition: boolean;
    /** null: this kernel does not show it. */
    readonly replace: boolean | null;
    readonly stackOrder: number | null;
    readonly vendor: string | null;
    readonly version: string | null;
    readonly objects: readonly { readonly name: string; readonly patched: boolean; readonly functions: readonly { readonly name: string; readonly sympos: number }[] }[];
  }[];
  /** Loaded livepatch modules (taint `K`) with no sysfs directory: disabled, still loaded. */
  readonly disabledModules: readonly string[];
  readonly unknown: readonly string[];
}

export function statusRecord(snapshot: SystemSnapshot, modules: ReadonlyMap<string, PatchManifest>): StatusRecord {
  const installed = new Set(snapshot.patches.map((p) => p.name));
  return {
    release: snapshot.release ?? null,
    patches: snapshot.patches.map((p) => ({
      name: p.name,
      enabled: p.enabled,
      transition: p.transition,
      replace: p.replace ?? null,
      stackOrder: p.stackOrder ?? null,
      vendor: modules.get(p.name)?.vendor ?? null,
      version: modules.get(p.name)?.version ?? null,
      objects: p.objects.map((o) => ({ name: o.name, patched: o.patched, functions: o.functions.map((f) => ({ name: f.name, sympos: f.sympos })) })),
    })),
    disabledModules: snapshot.modules.filter((m) => m.taint.includes('K') && !installed.has(m.name)).map((m) => m.name),
    unknown: snapshot.unknown,
  };
}

const yesNo = (v: boolean | null) => (v === null ? '?' : v ? 'yes' : 'no');

export function statusLines(out: Output, record: StatusRecord): string[] {
  const lines = [`kernel ${record.release ?? '(release unknown)'}`];
  lines.push(record.patches.length ? 'Installed patches (oldest first):' : 'No installed patches.');
  for (const p of record.patches) {
    const state = p.transition ? out.style('yellow', `${p.enabled ? 'enabled' : 'disabled'}, in transition`) : p.enabled ? out.style('green', 'enabled') : 'disabled';
    const known = [p.vendor ? `vendor ${p.vendor}` : '', p.version ? `version ${p.version}` : ''].filter(Boolean).join(', ');
    lines.push(`  ${p.name} [${state}] replace: ${yesNo(p.replace)}${known ? `; ${known}` : ''}`);
    for (const o of p.objects) {
      lines.push(`    ${o.name}${o.patched ? '' : ' (not loaded)'}: ${o.functions.map((f) => `${f.name},${f.sympos}`).join(' ')}`);
    }
  }
  if (record.disabledModules.length) lines.push(`Loaded, disabled patch modules: ${record.disabledModules.join(', ')}`);
  for (const u of record.unknown) lines.push(out.style('dim', `not known: ${u}`));
  return lines;
}

export function gateStatus(out: Output, env: GateEnv, options: { patchDir?: string; format?: 'text' | 'json' }): ExitCode {
  const snapshot = env.machine.read();
  const record = statusRecord(snapshot, env.patchModules(options.patchDir, snapshot.patches.map((p) => p.name)));
  if (options.format === 'json') out.out(JSON.stringify(record));
  else for (const line of statusLines(out, record)) out.out(line);
  return ExitCode.Ok;
}
