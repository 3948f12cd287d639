/**
 * `--decisions FILE`: every decision appended to an audit log, one JSON record per line.
 */
import { appendFileSync } from 'node:fs';
import { decisionRecord, type Decision } from '@patchwise/core';
import { Diagnostic } from '@patchwise/diagnostics';

export function appendDecisions(file: string, decisions: readonly Decision[]): void {
  if (decisions.length === 0) return;
  try {
    appendFileSync(file, decisions.map((d) => `${JSON.stringify(decisionRecord(d))}\n`).join(''));
  } catch (err) {
    throw new Diagnostic({
      code: 'PW_WRITE',
      file,
      reason: `cannot append the decisions (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      hint: 'check the path and its permissions',
    });
  }
}

export const DECISIONS_OPTION = ['--decisions <file>', 'append every decision to FILE, one JSON record per line (an audit log)'] as const;
