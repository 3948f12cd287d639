#!/usr/bin/env node
// `pnpm report:screenshot`: the report of the two-vendors experiment, as docs/report-two-vendors.png
// (shown in the README). Runs the built command and the system Chromium (Debian's `chromium`; set
// CHROMIUM to use another), headless, offline: nothing is downloaded. Run `pnpm build` first.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchChromium } from './chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const out = process.argv[2] ?? join(root, 'docs', 'report-two-vendors.png');
const experiment = join(root, 'examples', 'experiments', '02-two-vendors-one-function');
const tmp = mkdtempSync(join(tmpdir(), 'patchwise-shot-'));
let context;
try {
  const html = join(tmp, 'two-vendors.html');
  // Exit 1 would mean an expectation failed: the picture would show a broken experiment.
  execFileSync(process.execPath, [join(root, 'packages', 'cli', 'bin', 'patchwise.cjs'), 'run', experiment, '--report', html, '--no-color'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  context = await launchChromium(tmp);
  const page = await context.newPage();
  await page.goto(pathToFileURL(html).href);
  await page.waitForSelector('#pw-report[data-ready="true"]');
  // Show what a click shows: the denied decision of the second scenario, with its findings.
  await page.locator('.mark.decision.denied').first().click();
  // The second scenario (with vendor-tags) is the interesting one: start the picture there.
  const second = page.locator('section.scenario').nth(1);
  const top = await second.evaluate((el) => el.getBoundingClientRect().top + el.ownerDocument.documentElement.scrollTop);
  mkdirSync(dirname(out), { recursive: true });
  // The timeline, the clicked decision's findings and the start of the log.
  await page.screenshot({ path: out, fullPage: true, clip: { x: 0, y: top, width: 1200, height: 1000 } });
  console.log(`wrote ${out}`);
} finally {
  await context?.close();
  rmSync(tmp, { recursive: true, force: true });
}
