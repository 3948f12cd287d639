import type { BrowserContext, LaunchOptions } from 'playwright-core';

export declare const CHROMIUM_PATH: string;
export declare function hasChromium(): boolean;
export declare function launchChromium(dir: string, options?: LaunchOptions & Record<string, unknown>): Promise<BrowserContext>;
