/**
 * `--report FILE.html`: the runs drawn as one self-contained page. Checked before anything runs
 * (bad input changes nothing); written to a temporary file beside it and renamed, so a reader never
 * sees half a report and a failed write leaves the old one.
 */
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { Diagnostic } from '@patchwise/diagnostics';
import { renderReport, reportData, type ReportScenario } from '@patchwise/report';

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

/** Write `text` to `file` atomically: a temporary file in the same folder, then a rename. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = join(dirname(resolve(file)), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, text, { flag: 'wx', mode: 0o644 });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new Diagnostic({
      code: 'PW_WRITE',
      file,
      reason: `cannot write the report (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      hint: 'check the path and its permissions',
    });
  }
}

export function writeReport(file: string, scenarios: readonly ReportScenario[], generator: string): void {
  writeFileAtomic(file, renderReport(reportData(scenarios, { generator })));
}
