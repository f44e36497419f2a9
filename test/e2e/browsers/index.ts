/**
 * The e2e browser adapter: one API (./types) over Chromium, Firefox and WebKit.
 * `WAYMARK_ENGINE=chromium|firefox|webkit` picks the engine (default chromium); test/run.mjs runs the
 * suite once per engine. Binaries: CHROME_PATH or /usr/bin/chromium; FIREFOX_PATH or
 * /usr/bin/firefox-esr; /usr/bin/WebKitWebDriver + WebKitGTK's MiniBrowser + xvfb-run.
 */
import { existsSync } from 'node:fs';
import { launchChromium } from './chromium';
import type { Browser, Engine } from './types';
import { MINIBROWSER, WEBKIT_DRIVER } from './webkit';

export type * from './types';
export { CHROME_ARGS } from './chromium';

const raw = (process.env.WAYMARK_ENGINE ?? 'chromium').toLowerCase();
if (raw !== 'chromium' && raw !== 'firefox' && raw !== 'webkit') throw new Error(`WAYMARK_ENGINE=${raw}: use chromium, firefox or webkit`);
/** The engine this run drives. */
export const ENGINE: Engine = raw;
/** Its name for test titles and messages. */
export const ENGINE_NAME = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' }[ENGINE];

const onPath = (cmd: string) => (process.env.PATH ?? '').split(':').some((d) => d && existsSync(`${d}/${cmd}`));

/** The binary that runs `engine`, or null when it is not installed. */
export function enginePath(engine: Engine = ENGINE): string | null {
  if (engine === 'chromium') {
    const p = process.env.CHROME_PATH || '/usr/bin/chromium';
    return existsSync(p) ? p : null;
  }
  if (engine === 'firefox') {
    const p = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
    return existsSync(p) ? p : null;
  }
  return existsSync(WEBKIT_DRIVER) && existsSync(MINIBROWSER) && onPath('xvfb-run') ? WEBKIT_DRIVER : null;
}

/** Start the engine chosen by WAYMARK_ENGINE. */
export async function launchEngine(engine: Engine = ENGINE): Promise<Browser> {
  const path = enginePath(engine);
  if (!path) throw new Error(`${engine} not found: apt-get install ${{ chromium: 'chromium', firefox: 'firefox-esr', webkit: 'webkit2gtk-driver xvfb' }[engine]}`);
  if (engine === 'chromium') return launchChromium(path);
  if (engine === 'firefox') return (await import('./firefox')).launchFirefox(path);
  return (await import('./webkit')).launchWebKit();
}

/**
 * For a test that checks something an engine cannot do: logs `engine X: not supported: why` (so the run
 * says it) and returns true, so the test asserts the documented fallback instead of skipping.
 */
export function unsupported(engines: Engine[], why: string): boolean {
  if (!engines.includes(ENGINE)) return false;
  console.warn(`engine ${ENGINE}: not supported: ${why}`);
  return true;
}
