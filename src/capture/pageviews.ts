import type { CaptureContext } from './context';

/**
 * The route a page view stands for: the path, plus the hash for hash routers
 * (`#/…`, `#!/…`). Query strings and in-page anchors (`#section`) are not routes.
 */
export function routeKey(loc: Location | URL): string {
  const h = loc.hash;
  return loc.pathname + (h.startsWith('#/') || h.startsWith('#!/') ? h.split('?')[0] : '');
}

/**
 * Page views: the initial load (deferred while prerendering), SPA navigations
 * through pushState / replaceState / popstate / hashchange that change the
 * route, and back/forward-cache restores. Never two for one navigation.
 * `navigated(from, to)` is told first so the tracker can set the referrer and
 * end the previous page.
 */
export function capturePageViews(ctx: CaptureContext, navigated: (fromUrl: string) => void): () => void {
  const { win, doc } = ctx;
  const hist = win.history;
  let last = '';
  let lastUrl = '';
  let pending: ReturnType<typeof setTimeout> | undefined;

  const view = () => {
    last = routeKey(win.location);
    lastUrl = win.location.href;
    ctx.emit('page_view', {});
  };
  const check = () => {
    pending = undefined;
    if (routeKey(win.location) === last) return;
    navigated(lastUrl);
    view();
  };
  // Wait a tick so the app can set the new title, and so a push followed by a
  // replace (redirect) counts once.
  const soon = () => {
    if (!pending) pending = setTimeout(check, 0);
  };

  const push = hist.pushState;
  const replace = hist.replaceState;
  const patched = { push: function (this: History, ...a: Parameters<History['pushState']>) {
    const r = push.apply(this, a);
    soon();
    return r;
  }, replace: function (this: History, ...a: Parameters<History['replaceState']>) {
    const r = replace.apply(this, a);
    soon();
    return r;
  } };
  hist.pushState = patched.push;
  hist.replaceState = patched.replace;
  win.addEventListener('popstate', soon);
  win.addEventListener('hashchange', soon);
  const restore = (e: Event) => {
    if ((e as PageTransitionEvent).persisted) view();
  };
  win.addEventListener('pageshow', restore);

  const d = doc as Document & { prerendering?: boolean };
  const start = () => view();
  if (d.prerendering) doc.addEventListener('prerenderingchange', start, { once: true });
  else start();

  return () => {
    // Only undo our patch if nobody patched on top of it since.
    if (hist.pushState === patched.push) hist.pushState = push;
    if (hist.replaceState === patched.replace) hist.replaceState = replace;
    win.removeEventListener('popstate', soon);
    win.removeEventListener('hashchange', soon);
    win.removeEventListener('pageshow', restore);
    doc.removeEventListener('prerenderingchange', start);
    if (pending) clearTimeout(pending);
  };
}
