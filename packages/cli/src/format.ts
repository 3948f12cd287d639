/**
 * How decisions, findings and log lines read on a terminal: aligned, colored when it helps.
 */
import type { Decision, Finding } from '@patchwise/core';
import type { LogRecord } from '@patchwise/sim';
import type { Output } from './output.js';

const OPERATION: Record<Decision['operation'], string> = {
  enable: 'enable',
  disable: 'disable',
  reverse: 'reverse',
  'load-module': 'load module',
};

/** `[    1.250]`: machine time since boot, as dmesg shows it. */
export function timestamp(ms: number): string {
  return `[${(ms / 1000).toFixed(3).padStart(9)}]`;
}

export function logLine(out: Output, record: LogRecord): string {
  const text = record.text;
  const styled =
    record.level === 'err' || record.level === 'crit' || record.level === 'alert' || record.level === 'emerg'
      ? out.style('red', text)
      : record.level === 'warn'
        ? out.style('yellow', text)
        : record.level === 'debug'
          ? out.style('dim', text)
          : text;
  return `${out.style('dim', timestamp(record.time))} ${styled}`;
}

/** The kernel log lines a decision already printed for each finding (shown in the decision instead). */
export function findingLogText(f: Finding): string {
  return `patchwise: ${f.policy}: ${f.code}: ${f.message}${f.audited ? ' (audit: would deny)' : ''}`;
}

function findingLines(out: Output, findings: readonly Finding[], indent: string): string[] {
  const width = Math.max(...findings.map((f) => `${f.policy}/${f.code}`.length));
  return findings.flatMap((f) => {
    const tag = f.severity === 'error' ? out.style('red', 'error') : out.style('yellow', 'warn ');
    const lines = [`${indent}${tag}  ${`${f.policy}/${f.code}`.padEnd(width)}  ${f.message}${f.audited ? out.style('dim', ' (audit: would deny)') : ''}`];
    if (f.hint) lines.push(`${indent}       ${''.padEnd(width)}  ${out.style('dim', `hint: ${f.hint}`)}`);
    // --debug: a policy that threw shows where, in its own code.
    const stack = out.debug && f.cause instanceof Error ? f.cause.stack : undefined;
    if (stack) lines.push(...stack.split('\n').map((l) => `${indent}       ${''.padEnd(width)}  ${out.style('dim', l)}`));
    return lines;
  });
}

/** A decision as a few aligned lines: verdict, operation, gate and policies, then each finding. */
export function decisionLines(out: Output, d: Decision, indent = '  '): string[] {
  const verdict = d.allowed ? out.style('green', d.findings.length ? 'allowed with warnings' : 'allowed') : out.style(['red', 'bold'], 'DENIED');
  const what = `${OPERATION[d.operation]} '${d.patch ?? d.module ?? ''}'`;
  const policies = d.policies.length ? d.policies.map((p) => p.name).join(', ') : 'no policies';
  const gate = `(${d.gate} gate: ${policies}${d.audit ? '; audit mode' : ''})`;
  // A clean allow is routine: one dim line, so refusals and warnings stand out.
  if (d.allowed && d.findings.length === 0) return [out.style('dim', `${indent}✓ allowed  ${what}  ${gate}`)];
  const head = `${indent}${d.allowed ? '✓' : '✗'} ${verdict}  ${what}  ${out.style('dim', gate)}`;
  return [head, ...findingLines(out, d.findings, `${indent}    `)];
}
