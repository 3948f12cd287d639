/**
 * Every bundled experiment's report, opened in Chromium: what it shows must be what the same run
 * says in its JSON output (scenarios, log lines, decisions and their findings, patched functions),
 * reachable by mouse and keyboard, with no console error and no request.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { cli, EXPERIMENTS, experiments, ROOT, open, parseJsonRun, skipBrowser, useBrowser, type JsonScenario } from './support.js';

/** The bound: small enough to attach to a ticket. */
const MAX_BYTES = 2 * 1024 * 1024;

const outcomeOf = (d: JsonScenario['decisions'][number]) => (d.outcome === 'denied' ? 'denied' : d.findings.length ? 'warned' : 'allowed');

/** What each outcome looks like without colour: its shape and glyph (the legend's promise). */
const LOOKS = { allowed: ['circle', '✓'], warned: ['polygon', '!'], denied: ['rect', '✕'] } as const;

async function details(page: Page, run: number): Promise<string> {
  return (await page.locator('article.run .details').nth(run).textContent()) ?? '';
}

describe.skipIf(skipBrowser)('experiment reports in Chromium', { timeout: 90_000 }, () => {
  const browser = useBrowser();

  it.each(experiments())('%s', async (name) => {
    const file = join(browser.dir(), `${name}.html`);
    const run = await cli(['run', join(EXPERIMENTS, name), '--format', 'json', '--stacks', '--report', file]);
    expect(run.stderr).toBe('');
    expect([0, 1]).toContain(run.code);
    const expected = parseJsonRun(run.stdout);
    expect(expected.length).toBeGreaterThan(0);
    expect(statSync(file).size).toBeLessThan(MAX_BYTES);

    const { page, problems } = await open(browser.context(), file);
    const sections = page.locator('section.scenario');
    expect(await sections.count()).toBe(expected.length);
    const passed = expected.filter((s) => s.passed).length;
    expect(await page.locator('p.summary').textContent()).toContain(`${expected.length} scenario${expected.length === 1 ? '' : 's'}: ${passed} passed, ${expected.length - passed} failed.`);

    for (const [i, want] of expected.entries()) {
      const section = sections.nth(i);
      expect(await section.locator('h2').textContent()).toBe(want.name);
      expect(await section.locator('article.run').count()).toBe(1);
      expect(await section.locator('article.run h3').textContent()).toBe(`simulator · ${want.passed ? '✓ PASS' : '✗ FAIL'}`);

      // The kernel log, line for line.
      expect(await section.locator('li.log-line .log-text').allTextContents()).toEqual(want.logs.map((l) => ` ${l}`));

      // A lane per patched function (every function a step left patched has one).
      const lanes = await section.locator('text.row-label.lane').allTextContents();
      for (const fn of want.functions) expect(lanes).toContain(fn);
      for (const fn of lanes) expect(await section.locator(`g.segment[aria-label^="${fn} from "]`).count()).toBeGreaterThan(0);

      // A marker per decision, in order, shaped by its outcome.
      const marks = section.locator('g.mark.decision');
      expect(await marks.count()).toBe(want.decisions.length);
      for (const [j, d] of want.decisions.entries()) {
        const mark = marks.nth(j);
        const outcome = outcomeOf(d);
        expect(await mark.getAttribute('data-outcome')).toBe(outcome);
        const [shape, glyph] = LOOKS[outcome];
        expect(await mark.locator(shape).count()).toBe(1);
        expect(await mark.locator('text.glyph').textContent()).toBe(glyph);
        // A click shows its findings: code, message and hint, and the gate and policy.
        await mark.click();
        const shown = await section.locator('.details').textContent();
        expect(shown).toContain(`Decision #`);
        expect(shown).toContain(outcome.toUpperCase());
        for (const f of d.findings) {
          expect(shown).toContain(f.code);
          expect(shown).toContain(f.message);
          expect(shown).toContain(f.policy);
          if (f.hint) expect(shown).toContain(f.hint);
        }
      }

      // Forced, reversed and signalled transitions, module loads and removals are marks of their own.
      const markFor: [RegExp, string][] = [
        [/^livepatch: forcing remaining tasks/, 'g.mark.event.force'],
        [/: reversing transition from /, 'g.mark.event.reverse'],
        [/^livepatch: signaling remaining tasks/, 'g.mark.event.signal'],
        [/^% insmod /, 'g.mark.module.load'],
        [/^% rmmod /, 'g.mark.module.remove'],
      ];
      for (const [line, selector] of markFor) {
        if (want.logs.some((l) => line.test(l))) expect(await section.locator(selector).count(), selector).toBeGreaterThan(0);
      }

      // Callbacks that ran (the kernel's, or scoped ones at their points) are marks.
      if (want.logs.some((l) => /^patchwise: scoped-callbacks: (pre|post)-/.test(l))) expect(await section.locator('g.mark.callback').count()).toBeGreaterThan(0);

      // Every started transition is drawn as a span whose details give the tasks' progress.
      if (want.logs.some((l) => / starting (un)?patching transition$/.test(l))) {
        expect(await section.locator('g.span').count()).toBeGreaterThan(0);
        await section.locator('g.span').first().click();
        expect(await section.locator('.details table.progress caption').textContent()).toBe('Per-task progress');
        expect(await section.locator('.details table.progress td').filter({ hasText: /^\d+\/\d+ tasks switched$/ }).count()).toBeGreaterThan(0);
      }
    }

    // A log line's time stamp points at the timeline: the cursor moves onto the axis.
    await page.locator('button.log-link').first().click();
    expect(Number(await page.locator('line.cursor').first().getAttribute('x1'))).toBeGreaterThan(0);

    expect(problems).toEqual([]);
    await page.close();
  });

  it('draws `replay --report` of selftest cases: ops as steps, the log, transitions with or without lanes', async () => {
    const cases = ['livepatch--basic-function-patching.yaml', 'callbacks--module-coming-and-going-notifiers.yaml'].map((c) => join(ROOT, 'packages', 'kselftest', 'cases', c));
    const file = join(browser.dir(), 'replay.html');
    const run = await cli(['replay', '--check', ...cases, '--report', file]);
    expect(run.stdout).toContain('2 passed, 0 failed');
    const { page, problems } = await open(browser.context(), file);
    expect(await page.locator('section.scenario h2').allTextContents()).toEqual([
      'livepatch/basic-function-patching: basic function patching',
      'callbacks/module-coming-and-going-notifiers: module_coming and module_going notifiers',
    ]);
    for (const [i, c] of cases.entries()) {
      const section = page.locator('section.scenario').nth(i);
      // The case's expected (filtered) log appears in the report's log, in order.
      const expected = (await cli(['replay', c])).stdout.trim().split('\n');
      const shown = (await section.locator('li.log-line .log-text').allTextContents()).map((t) => t.slice(1));
      const positions = expected.map((line) => shown.indexOf(line));
      expect(positions.every((p, j) => p >= 0 && (j === 0 || p > (positions[j - 1] as number))), `${expected.join('\n')}\n---\n${shown.join('\n')}`).toBe(true);
      expect(await section.locator('g.mark.step').count()).toBeGreaterThan(1);
      expect(await section.locator('g.span').count()).toBeGreaterThan(0);
    }
    // basic-function-patching patches cmdline_proc_show; the callbacks demo patches nothing: a transitions row.
    expect(await page.locator('section.scenario').nth(0).locator('text.row-label.lane').allTextContents()).toContain('vmlinux:cmdline_proc_show');
    expect(await page.locator('section.scenario').nth(1).locator('text.row-label.transitions').count()).toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('is usable from the keyboard: Tab into a timeline, arrows to a decision, its findings shown', async () => {
    const file = join(browser.dir(), 'keyboard.html');
    const run = await cli(['run', join(EXPERIMENTS, '02-two-vendors-one-function', '2-vendor-tags.scenario.yaml'), '--format', 'json', '--report', file]);
    const [want] = parseJsonRun(run.stdout);
    const denied = want?.decisions.find((d) => d.outcome === 'denied');
    expect(denied?.findings[0]).toMatchObject({ policy: 'vendor-tags', code: 'function-vendor-mismatch' });

    const { page, problems } = await open(browser.context(), file);
    for (let i = 0; i < 10 && !(await page.evaluate(() => document.activeElement?.closest('.timeline') !== null)); i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.closest('.timeline') !== null)).toBe(true);
    // The first thing on the axis is the first step; its details show on focus.
    expect(await details(page, 0)).toContain('Step 1: load: {name: acme_fix, wait: true}');

    const focusedOutcome = () => page.evaluate(() => document.activeElement?.getAttribute('data-outcome') ?? null);
    for (let i = 0; i < 40 && (await focusedOutcome()) !== 'denied'; i++) await page.keyboard.press('ArrowRight');
    expect(await focusedOutcome()).toBe('denied');
    const shown = await details(page, 0);
    expect(shown).toContain('DENIED');
    expect(shown).toContain('prePatch');
    expect(shown).toContain(denied?.findings[0]?.message);
    // The log lines of that moment are marked.
    expect(await page.locator('li.log-line.linked').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('patchwise: refusing to enable patch')]),
    );

    // One tab stop per timeline: Tab leaves it; Escape clears the details.
    await page.keyboard.press('Escape');
    expect(await details(page, 0)).toContain('Select something on the timeline');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.closest('.timeline') === null)).toBe(true);

    // Up and down move between rows: from the decision row up to the lane above.
    await page.locator('g.mark.decision').first().focus();
    await page.keyboard.press('ArrowUp');
    expect(await page.evaluate(() => document.activeElement?.classList.contains('segment') || document.activeElement?.classList.contains('span'))).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });
});
