/**
 * Browser-test support: the system Chromium (skipped with a reason where there is none, a failure
 * under CI=true), a page that records every console error, page error, dialog and request, and the
 * CLI run in-process with its JSON output, which the report is checked against.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { main } from '@patchwise/cli';
// A plain .mjs module shared with scripts/screenshot.mjs.
import { CHROMIUM_PATH, hasChromium, launchChromium } from '../scripts/chromium.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const EXPERIMENTS = join(ROOT, 'examples', 'experiments');
export const experiments = () => readdirSync(EXPERIMENTS).filter((name) => /^\d\d-/.test(name)).sort();

const inCi = process.env.CI === 'true';
/** Skip (and say so) where there is no browser; under CI a missing browser fails instead. */
export const skipBrowser = !hasChromium() && !inCi;
if (skipBrowser) console.warn(`SKIPPED: the report browser tests: no Chromium at ${CHROMIUM_PATH} (install Debian's \`chromium\`, or set CHROMIUM)`);

/** A temporary folder and one browser for a test file, both made before its tests and gone after. */
export function useBrowser(): { readonly dir: () => string; readonly context: () => BrowserContext } {
  // Made in the hook, not here: a skipped suite is still collected, but its hooks never run.
  let dir: string | undefined;
  let context: BrowserContext | undefined;
  beforeAll(async () => {
    expect(hasChromium(), `no Chromium at ${CHROMIUM_PATH}: CI must install it (apt-get install chromium)`).toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'patchwise-report-'));
    context = (await launchChromium(dir)) as BrowserContext;
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return { dir: () => dir as string, context: () => context as BrowserContext };
}

export interface Opened {
  readonly page: Page;
  /** Console errors, page errors, dialogs, and requests for anything but the report itself. */
  readonly problems: string[];
}

/** Open `file` in a new page and wait until it has drawn. */
export async function open(context: BrowserContext, file: string, viewport = { width: 1200, height: 900 }): Promise<Opened> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  const url = pathToFileURL(file).href;
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (r.url() !== url) problems.push(`request: ${r.url()}`);
  });
  await page.goto(url);
  await page.waitForSelector('#pw-report[data-ready="true"]', { timeout: 15_000 });
  return { page, problems };
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function cli(args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) => ({ isTTY: false, write: (chunk: unknown) => (into.push(String(chunk)), true) }) as unknown as NodeJS.WritableStream;
  const code = await main(args, { stdout: sink(out), stderr: sink(err), env: {}, color: false });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** What `run --format json --stacks` said of one scenario: the independent account a report must match. */
export interface JsonScenario {
  name: string;
  logs: string[];
  decisions: { outcome: 'allowed' | 'denied'; findings: { code: string; message: string; hint?: string; policy: string }[] }[];
  functions: Set<string>;
  passed?: boolean;
}

export function parseJsonRun(stdout: string): JsonScenario[] {
  const scenarios: JsonScenario[] = [];
  for (const line of stdout.trim().split('\n')) {
    const record = JSON.parse(line);
    const current = scenarios.at(-1);
    if (record.type === 'scenario') scenarios.push({ name: record.name, logs: [], decisions: [], functions: new Set() });
    else if (record.type === 'log') current?.logs.push(record.text);
    else if (record.type === 'decision') current?.decisions.push(record);
    else if (record.type === 'stacks') for (const s of record.stacks) current?.functions.add(s.function);
    else if (record.type === 'result' && current) current.passed = record.passed;
  }
  return scenarios;
}
