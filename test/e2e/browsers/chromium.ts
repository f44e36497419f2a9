/** Chromium (Debian's chromium, or CHROME_PATH) driven by playwright-core: its Page already is the adapter's API. */
import { chromium } from 'playwright-core';
import type { Browser } from './types';

/** Flags every e2e Chromium starts with (headless, no network besides 127.0.0.1 traffic we make). */
export const CHROME_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(executablePath: string): Promise<Browser> {
  // Playwright's Browser/BrowserContext/Page are a superset of the adapter's types.
  return (await chromium.launch({ executablePath, headless: true, args: CHROME_ARGS })) as unknown as Browser;
}
