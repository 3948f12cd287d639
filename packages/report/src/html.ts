/**
 * The page: one HTML file with the data as JSON and the drawing script and style inline. A Content
 * Security Policy allows exactly that script (by hash) and nothing from anywhere else: opened from
 * disk, the page makes no request, and even text that slipped past the escaping could not run.
 */
import { createHash } from 'node:crypto';
import { APP_CSS, APP_JS } from './app-bundle.js';
import { escapeHtml, jsonForScript } from './escape.js';
import { REPORT_FORMAT, type Report, type ReportScenario } from './model.js';

export interface ReportOptions {
  /** The page title (default: the scenario's name, or `N scenarios`). */
  readonly title?: string;
  /** What produced it, shown in the footer. */
  readonly generator?: string;
}

/** The report's data for `scenarios`. */
export function reportData(scenarios: readonly ReportScenario[], options: ReportOptions = {}): Report {
  const title = options.title ?? (scenarios.length === 1 ? (scenarios[0] as ReportScenario).name : `${scenarios.length} scenarios`);
  return { format: REPORT_FORMAT, title: `patchwise report: ${title}`, generator: options.generator ?? 'patchwise', scenarios };
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');

/** The whole page for `report`: a pure function of its data. */
export function renderReport(report: Report): string {
  // The bundle is ours, but a `</script` inside it would end the element early: refuse to emit it.
  if (/<\/script/i.test(APP_JS)) throw new Error('the report script contains `</script`: rebuild it (scripts/bundle-report.mjs)');
  // Ours entirely (base64 has no quote): written as is.
  const csp = `default-src 'none'; script-src 'sha256-${sha256(APP_JS)}'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;
  const title = escapeHtml(report.title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="generator" content="${escapeHtml(report.generator)}">
<title>${title}</title>
<style>${APP_CSS}</style>
</head>
<body>
<main id="pw-report" aria-busy="true">
<h1>${title}</h1>
<noscript><p>This report draws its timelines with a script; the data is in the page (element <code>pw-data</code>).</p></noscript>
</main>
<script type="application/json" id="pw-data">${jsonForScript(report)}</script>
<script>${APP_JS}</script>
</body>
</html>
`;
}
