/**
 * `--report FILE.html`: the runs drawn as one self-contained page. Checked before anything runs
 * (bad input changes nothing); written to a temporary file beside it and renamed, so a reader never
 * sees half a report and a failed write leaves the old one.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Diagnostic } from '@patchwise/diagnostics';
import { renderReport, reportData, type ReportScenario } from '@patchwise/report';
import { writeFileAtomic } from './safe-write.js';

export { caseReport, scenarioReport } from '@patchwise/report';
export { traceCase } from '@patchwise/scenario';

/** Refuse a report path that cannot be written, before running anything. */
export function checkReportPath(file: string): void {
  const fail = (reason: string, hint: string) => {
    throw new Diagnostic({ code: 'PW_REPORT', file, reason, hint });
  };
  if (!/\.html?$/i.test(file)) fail('a report is an HTML page: its name ends with `.html`', 'name it e.g. `report.html`');
  const dir = dirname(resolve(file));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail('the folder to write the report in does not exist', 'create it first, or name another path');
  if (existsSync(file) && statSync(file).isDirectory()) fail('this is a folder, not a file', 'name a file ending with `.html`');
}

export function writeReport(file: string, scenarios: readonly ReportScenario[], generator: string): void {
  writeFileAtomic(file, renderReport(reportData(scenarios, { generator })));
}
