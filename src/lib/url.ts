/** URL helpers shared by capture, privacy and journey code: one place for each rule. */

/** The lower-cased host name of an absolute URL (no port; `android-app://` referrers give the app id), or ''. */
export function hostOf(url: string): string {
  if (!url) return '';
  try {
    return new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return '';
  }
}

/** True for a hash-router route (`#/…`, `#!/…`), false for an in-page anchor (`#section`). */
export const isHashRoute = (hash: string): boolean => /^#!?\//.test(hash);

/** What identifies a route: the path, plus the hash route without its query for hash routers. */
export const routeKey = ({ pathname, hash }: Location | URL): string => pathname + (isHashRoute(hash) ? hash.split('?')[0] : '');
