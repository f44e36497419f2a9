/** URL helpers shared by capture, privacy and journey code: one place for each rule. */

/** The lower-cased host of an absolute URL, or '' when it is not one. */
export function hostOf(url: string): string {
  try {
    return url ? new URL(url).host.toLowerCase() : '';
  } catch {
    return '';
  }
}

/** True for a hash-router route (`#/…`, `#!/…`), false for an in-page anchor (`#section`). */
export const isHashRoute = (hash: string): boolean => hash.startsWith('#/') || hash.startsWith('#!/');

/** What identifies a route: the path, plus the hash route without its query for hash routers. */
export function routeKey(loc: Location | URL): string {
  const hash = loc.hash;
  return loc.pathname + (isHashRoute(hash) ? hash.split('?')[0] : '');
}
