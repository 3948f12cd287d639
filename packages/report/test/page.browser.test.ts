/**
 * The page itself in Chromium: hostile text stays text, two runs sit side by side, a narrow window
 * and print still work.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReport, reportData, type ReportScenario, type RunTrace } from '@patchwise/report';
import { EVIL, hostileScenario } from './hostile.js';
import { cli, EXPERIMENTS, open, skipBrowser, useBrowser } from './support.js';

describe.skipIf(skipBrowser)('the report page in Chromium', { timeout: 90_000 }, () => {
  const browser = useBrowser();
  const write = (name: string, scenarios: readonly ReportScenario[]) => {
    const file = join(browser.dir(), name);
    writeFileSync(file, renderReport(reportData(scenarios, { title: EVIL })));
    return file;
  };

  it('shows hostile names, messages and log lines as text: nothing runs, nothing loads', async () => {
    const { page, problems } = await open(browser.context(), write('hostile.html', [hostileScenario()]));
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(2);
    expect(await page.title()).toBe(`patchwise report: ${EVIL}`);
    expect(await page.locator('h2').textContent()).toBe(`scenario ${EVIL}`);
    expect(await page.locator('text.row-label.lane').textContent()).toBe(`vmlinux:${EVIL}`);
    expect(await page.locator('li.log-line .log-text').textContent()).toBe(` log ${EVIL}`);
    await page.locator('g.mark.decision').click();
    const finding = page.locator('.details tr.finding td');
    expect(await finding.allTextContents()).toEqual(['✕ error', `p ${EVIL}`, `code ${EVIL}`, `message ${EVIL}`, `hint ${EVIL}`]);
    await page.locator('g.span').click();
    expect(await page.locator('.details table.progress').textContent()).toContain(`${EVIL} (pid 7): sleeping in ${EVIL}`);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('keeps a hostile scenario name and log line from the command line as text too', async () => {
    const scenario = join(browser.dir(), 'hostile.scenario.yaml');
    writeFileSync(
      scenario,
      `name: ${JSON.stringify(`n ${EVIL}`)}\ndescription: ${JSON.stringify(`d ${EVIL}`)}\nconfig: none\npatches: [{name: fix, functions: [cmdline_proc_show]}]\nsteps:\n  - log: ${JSON.stringify(EVIL)}\n  - load: fix\n`,
    );
    const file = join(browser.dir(), 'hostile-cli.html');
    const run = await cli(['run', scenario, '--report', file]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { page, problems } = await open(browser.context(), file);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('h2').textContent()).toBe(`n ${EVIL}`);
    expect(await page.locator('p.description').textContent()).toBe(`d ${EVIL}`);
    expect(await page.locator('li.log-line .log-text').allTextContents()).toContain(` ${EVIL}`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('draws the runs of a comparison side by side, and one above the other when narrow', async () => {
    const file = join(browser.dir(), 'compare.html');
    const run = await cli(['run', join(EXPERIMENTS, '07-stalled-transition', 'kernel.scenario.yaml'), '--report', file]);
    expect(run.code).toBe(0);
    // Two runs of one scenario, as a comparison will give them (the data model holds a list).
    const html = readFileSync(file, 'utf8');
    const start = html.indexOf('id="pw-data">') + 'id="pw-data">'.length;
    const data = JSON.parse(html.slice(start, html.indexOf('</script>', start)));
    const [sim] = data.scenarios[0].runs as RunTrace[];
    const kernel: RunTrace = { ...(sim as RunTrace), label: 'kernel 6.8.0-45-generic (QEMU)', source: 'kernel' };
    const compare = write('compare-two.html', [{ ...data.scenarios[0], runs: [sim, kernel] }]);

    const wide = await open(browser.context(), compare, { width: 1400, height: 900 });
    const boxes = await Promise.all([0, 1].map((i) => wide.page.locator('article.run').nth(i).boundingBox()));
    expect(await wide.page.locator('article.run h3').allTextContents()).toEqual(['simulator · ✓ PASS', 'kernel 6.8.0-45-generic (QEMU) · ✓ PASS']);
    expect(boxes[0]?.y).toBe(boxes[1]?.y);
    expect(boxes[1]?.x).toBeGreaterThan((boxes[0]?.x ?? 0) + (boxes[0]?.width ?? 0) - 1);
    expect(wide.problems).toEqual([]);
    await wide.page.close();

    const narrow = await open(browser.context(), compare, { width: 600, height: 900 });
    const stacked = await Promise.all([0, 1].map((i) => narrow.page.locator('article.run').nth(i).boundingBox()));
    expect(stacked[1]?.y).toBeGreaterThan((stacked[0]?.y ?? 0) + (stacked[0]?.height ?? 0) - 1);
    await narrow.page.close();
  });

  it('fits a narrow window: the page does not scroll sideways, lanes are labelled above', async () => {
    const file = join(browser.dir(), 'narrow.html');
    await cli(['run', join(EXPERIMENTS, '02-two-vendors-one-function'), '--report', file]);
    const { page, problems } = await open(browser.context(), file, { width: 360, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    const label = page.locator('text.row-label.lane').first();
    expect(await label.textContent()).toBe('vmlinux:cmdline_proc_show');
    expect(await label.getAttribute('text-anchor')).toBeNull();
    // Widening the window redraws with labels beside the lanes.
    await page.setViewportSize({ width: 1200, height: 800 });
    await page.waitForFunction(() => document.querySelector('text.row-label.lane')?.getAttribute('text-anchor') === 'end');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('prints: help text hidden, every decision listed, a PDF comes out', async () => {
    const file = join(browser.dir(), 'print.html');
    await cli(['run', join(EXPERIMENTS, '02-two-vendors-one-function', '2-vendor-tags.scenario.yaml'), '--report', file]);
    const { page, problems } = await open(browser.context(), file);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.keys-help').evaluate((el) => getComputedStyle(el).display)).toBe('none');
    expect(await page.locator('.decisions-panel .decision-entry').count()).toBe(3);
    expect(await page.locator('.decisions-panel').evaluate((el) => (el as HTMLDetailsElement).open)).toBe(true);
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(problems).toEqual([]);
    await page.close();
  });
});
