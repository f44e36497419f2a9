// Where Chromium is: CHROME_PATH when set, else Debian's /usr/bin/chromium.
import { existsSync } from 'node:fs';

/** The Chromium binary to drive, or null when there is none. */
export function chromePath() {
  const p = process.env.CHROME_PATH || '/usr/bin/chromium';
  return existsSync(p) ? p : null;
}
