// The system Chromium, driven by playwright-core: headless, offline, a fresh profile each time.
// Nothing is downloaded; the browser comes from the system (Debian's `chromium`).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/** Where the browser is: `CHROMIUM`, or Debian's package. */
export const CHROMIUM_PATH = process.env.CHROMIUM ?? '/usr/bin/chromium';

export const hasChromium = () => existsSync(CHROMIUM_PATH);

/** A browser context with its profile in `dir/profile` (the caller removes `dir`). */
export function launchChromium(dir, options = {}) {
  return chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1200, height: 900 },
    deviceScaleFactor: 1,
    ...options,
  });
}
