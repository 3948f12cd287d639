import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderReport, reportData, REPORT_FORMAT } from '@patchwise/report';
import { EVIL, hostileScenario } from './hostile.js';

const between = (html: string, start: string, end: string) => {
  const from = html.indexOf(start);
  expect(from).toBeGreaterThanOrEqual(0);
  return html.slice(from + start.length, html.indexOf(end, from + start.length));
};

describe('renderReport', () => {
  const report = reportData([hostileScenario()], { title: EVIL, generator: `gen ${EVIL}` });
  const html = renderReport(report);

  it('keeps hostile text out of the markup: exactly two script elements, and the data reads back whole', () => {
    expect(html.match(/<script/gi)).toHaveLength(2);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<!--');
    const data = between(html, '<script type="application/json" id="pw-data">', '</script>');
    expect(JSON.parse(data)).toEqual(report);
  });

  it('escapes the title where it is markup', () => {
    expect(between(html, '<title>', '</title>')).toBe('patchwise report: &lt;/script&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;&lt;img src=x onerror=&quot;window.pwned=2&quot;&gt;&lt;!--');
  });

  it('allows by hash exactly the one script it inlines, and nothing from anywhere', () => {
    const script = html.slice(html.lastIndexOf('<script>') + '<script>'.length, html.lastIndexOf('</script>'));
    const hash = createHash('sha256').update(script, 'utf8').digest('base64');
    const csp = between(html, '<meta http-equiv="Content-Security-Policy" content="', '">');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
  });

  it('names its data format and title', () => {
    expect(report.format).toBe(REPORT_FORMAT);
    expect(reportData([hostileScenario(), hostileScenario()]).title).toBe('patchwise report: 2 scenarios');
  });
});
