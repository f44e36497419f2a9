// Where each e2e engine is (plain JS for test/run.mjs; test/e2e/browsers/index.ts has the same rules).
import { existsSync } from 'node:fs';

/** The engines the real-browser suite runs on, in the order test/run.mjs runs them. */
export const ENGINES = ['chromium', 'firefox', 'webkit'];

/** The Chromium binary to drive (CHROME_PATH, else Debian's /usr/bin/chromium), or null when there is none. */
export function chromePath() {
  const p = process.env.CHROME_PATH || '/usr/bin/chromium';
  return existsSync(p) ? p : null;
}

const onPath = (cmd) => (process.env.PATH ?? '').split(':').some((d) => d && existsSync(`${d}/${cmd}`));

/** What runs `engine`, or null when it is not installed. */
export function enginePath(engine) {
  if (engine === 'chromium') return chromePath();
  if (engine === 'firefox') {
    const p = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
    return existsSync(p) ? p : null;
  }
  if (engine === 'webkit') {
    const ok = existsSync('/usr/bin/WebKitWebDriver') && existsSync('/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser') && onPath('xvfb-run');
    return ok ? '/usr/bin/WebKitWebDriver' : null;
  }
  return null;
}

/** The Debian packages that provide `engine`. */
export const PACKAGES = { chromium: 'chromium', firefox: 'firefox-esr', webkit: 'webkit2gtk-driver xvfb' };
