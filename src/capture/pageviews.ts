import { listen } from '../lib/guard';
import { isHashRoute, routeKey } from '../lib/url';
import type { CaptureContext } from './context';
import { PASSIVE, quiet } from './element';

/** Poll interval while a page view is pending (ms). */
const TICK = 50;
/**
 * The settle window: a page view goes out once the route has stayed the same
 * for this long, or earlier, one tick after the title changed and then held.
 */
export const SETTLE_MS = 400;
/** A page view never waits longer than this, even while `<html aria-busy="true">` (Turbo visits). */
export const MAX_WAIT_MS = 3000;

// Interactions that belong to the page on screen: its pending page view goes out first.
// Window capture listeners run before the capture modules' document listeners.
const INTERACTIONS = ['click', 'auxclick', 'focusin', 'input', 'change', 'submit'];

interface Pending {
  /** URL of the previous page view (the referrer of this one). */
  from: string;
  /** Title when the navigation started, and as seen at the last tick. */
  title: string;
  seen: string;
  /** Ticks since the navigation started, and since the route last changed. */
  ticks: number;
  stable: number;
}

/** The page-view module's stop function, plus `flush`: send a pending page view now. */
export type PageViews = (() => void) & { flush(): void };

/**
 * Page views: the initial load (at once, or when a prerendered page is
 * shown), SPA navigations through pushState / replaceState / popstate /
 * hashchange that change the route, and back/forward-cache restores.
 *
 * An SPA page view waits for the page to settle, so it carries the title of the
 * page navigated to (routers render, and apps set `document.title` in effects,
 * after the URL changes): it goes out when the route has been stable for
 * `SETTLE_MS`, or one tick after the title changed, at most `MAX_WAIT_MS`
 * after the navigation; while `<html aria-busy="true">` (a Turbo visit
 * loading) it keeps waiting. A replace, back/forward or hash change while a
 * page view is pending updates it (a redirect is one navigation, to the final
 * URL); a push sends it first and starts the next one. Hash-router start-up
 * normalisation (`''` → `#/`, `#!/`) and in-page anchors (`#section`, even
 * after `#/route`) are not navigations. The pending page view goes out early
 * when the visitor interacts or leaves, and on `flush()`: the tracker calls
 * it before any other event, so the page view of a page comes before its
 * events. `navigated(from)` is told right before an SPA page view is emitted
 * so the tracker can set the referrer and end the previous page (route
 * listeners run then).
 */
export function capturePageViews(ctx: CaptureContext, navigated: (fromUrl: string) => void): PageViews {
  const { win, doc } = ctx;
  const hist = win.history;
  let shown = ''; // route of the last page view
  let target = ''; // route the URL is on now
  let targetPath = '';
  let lastUrl = '';
  let pending: Pending | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;

  const keyOf = (): string => {
    const loc = win.location;
    const h = loc.hash;
    // An in-page anchor on the same path stays on the route it was on (`#/x` → `#sec`).
    if (h.length > 1 && !isHashRoute(h) && loc.pathname === targetPath) return target;
    // `#/` and `#!/` are the hash router's home: the same route as no hash.
    return routeKey(loc).replace(/#!?\/$/, '');
  };

  /** The URL is on a new route: note which. */
  const locate = (): void => {
    target = keyOf();
    targetPath = win.location.pathname;
  };

  /** Emit the page view of the route the URL is on. */
  const view = (): void => {
    shown = target;
    lastUrl = win.location.href;
    ctx.emit('page_view', {});
  };
  const show = (): void => {
    locate();
    view();
  };

  /** Send the pending page view now, if there is one. Never throws. */
  const settle = quiet((): void => {
    const p = pending;
    if (!p) return;
    pending = undefined;
    clearInterval(timer);
    // Went back to where it was (a replace undid the push): no navigation.
    if (target === shown) return;
    navigated(p.from);
    view();
  });

  const tick = (): void => {
    const p = pending;
    if (!p) return;
    const title = doc.title;
    const changed = title !== p.title && title === p.seen;
    p.seen = title;
    if (++p.ticks * TICK >= MAX_WAIT_MS) return settle();
    if (doc.documentElement?.getAttribute('aria-busy') === 'true') return;
    if (changed || ++p.stable * TICK >= SETTLE_MS) settle();
  };

  /** The URL may have changed: a new route starts a pending page view, or updates the pending one. */
  const changed = quiet(() => {
    if (keyOf() === target) return; // query-only, anchor, hash-router normalisation
    locate();
    if (pending) pending.stable = 0;
    else {
      const title = doc.title;
      pending = { from: lastUrl, title, seen: title, ticks: 0, stable: 0 };
      timer = setInterval(tick, TICK);
    }
  });

  /** Wrap a History method so a route change it makes is noticed; returns the undo. */
  const patch = (name: 'pushState' | 'replaceState', before?: () => void): (() => void) => {
    const original = hist[name];
    const patched = function (this: History, ...a: Parameters<History['pushState']>) {
      before?.();
      const r = original.apply(this, a);
      changed();
      return r;
    };
    hist[name] = patched;
    // Only undo our patch if nobody patched on top of it since.
    return () => void (hist[name] === patched && (hist[name] = original));
  };

  const offs = [
    // A new navigation: the pending page view goes out while the URL is still its own.
    patch('pushState', settle),
    patch('replaceState'),
    listen(win, ['popstate', 'hashchange'], changed, false),
    listen(win, INTERACTIONS, settle, PASSIVE),
    // A page restored from the back/forward cache: a page view of its own.
    listen(win, 'pageshow', (e) => (e as PageTransitionEvent).persisted && (settle(), show()), false),
    ctx.onLeave(settle),
    ctx.beforeEvent?.(settle) ?? (() => {}),
  ];

  if ((doc as Document & { prerendering?: boolean }).prerendering) {
    doc.addEventListener('prerenderingchange', show, { once: true });
    offs.push(() => doc.removeEventListener('prerenderingchange', show));
  } else show();

  const stop = () => {
    for (const off of offs) off();
    clearInterval(timer);
    pending = undefined;
  };
  return Object.assign(stop, { flush: settle });
}
