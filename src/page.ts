import { routeKey } from './lib/url';
import { maskText, showMasks } from './privacy';
import type { PageInfo } from './types';

/** Raw facts about a page, before scrubbing. */
export interface RawPage {
  url: string;
  title: string;
  referrer: string;
}

/**
 * Read the page as it is now. While URL, title and referrer stay the same the
 * same object is returned: a burst of calls then holds one page, not one copy
 * per event, which keeps what the garbage collector must move small. Treat it
 * as read-only.
 */
export function createPageReader(win: Window, doc: Document): () => RawPage {
  let last: RawPage = { url: '', title: '', referrer: '' };
  return () => {
    const url = win.location.href;
    const title = doc.title;
    const referrer = doc.referrer;
    // Compared field by field: an object made to compare would be the garbage this saves.
    if (url !== last.url || title !== last.title || referrer !== last.referrer) last = { url, title, referrer };
    return last;
  };
}

/**
 * Describe pages the way they leave the browser: URL and referrer scrubbed,
 * e-mails masked in the path and title. Scrubbing parses URLs, so the last
 * answer is kept: once per page, not once per event.
 */
export function createPageDescriber(scrub: (url: string) => string): (raw: RawPage) => PageInfo {
  let lastRaw: RawPage | undefined;
  let last: PageInfo;
  return (raw) => {
    if (!lastRaw || !samePage(raw, lastRaw)) {
      last = describe(raw, scrub);
      lastRaw = raw;
    }
    return { ...last };
  };
}

const samePage = (a: RawPage, b: RawPage): boolean => a.url === b.url && a.title === b.title && a.referrer === b.referrer;

function describe(raw: RawPage, scrub: (url: string) => string): PageInfo {
  const url = scrub(raw.url);
  let path = '/';
  try {
    // From the scrubbed URL, so whatever scrubbing masked in a path segment stays masked here.
    path = showMasks(routeKey(new URL(url)));
  } catch {
    /* not a URL: keep '/' rather than anything unscrubbed */
  }
  return { url, path, title: maskText(raw.title), referrer: scrub(raw.referrer) };
}
