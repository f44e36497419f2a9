// Page views in happy-dom with a fake capture context and fake timers: the settle window,
// redirects, hash routers, in-page anchors, leaving within the window and event order.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CaptureContext } from '../../src/capture/context';
import { capturePageViews, MAX_WAIT_MS, SETTLE_MS } from '../../src/capture/pageviews';

interface Seen {
  type: string;
  url: string;
  title: string;
}

function setup(opts: { start?: string; title?: string } = {}) {
  history.replaceState(null, '', opts.start ?? '/');
  document.title = opts.title ?? 'Start';
  const log: Seen[] = [];
  const navigations: string[] = [];
  const leave = new Set<() => void>();
  const route = new Set<(from: string, to: string) => void>();
  const before = new Set<() => void>();
  const record = (type: string) => log.push({ type, url: location.pathname + location.search + location.hash, title: document.title });
  const ctx = {
    win: window,
    doc: document,
    scrub: (u: string) => u,
    now: () => Date.now(),
    emit: (type: string) => record(type),
    onLeave: (l: () => void) => (leave.add(l), () => leave.delete(l)),
    onRoute: (l: (from: string, to: string) => void) => (route.add(l), () => route.delete(l)),
    beforeEvent: (l: () => void) => (before.add(l), () => before.delete(l)),
  } as unknown as CaptureContext;
  const stop = capturePageViews(ctx, (from) => {
    navigations.push(new URL(from).pathname + new URL(from).hash);
    route.forEach((l) => l(from, location.href));
  });
  stops.push(stop);
  return {
    log,
    navigations,
    views: () => log.filter((e) => e.type === 'page_view'),
    stop,
    /** What a tracker does: flush the pending page view, then capture. */
    event: (type: string) => {
      before.forEach((l) => l());
      record(type);
    },
    leave: () => leave.forEach((l) => l()),
    onRoute: (l: () => void) => route.add(l),
  };
}

const stops: Array<() => void> = [];
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  stops.splice(0).forEach((s) => s());
  vi.useRealTimers();
  document.documentElement.removeAttribute('aria-busy');
  document.body.innerHTML = '';
});

describe('the initial page view', () => {
  it('goes out at once, with the title the document has', () => {
    const t = setup({ start: '/static', title: 'Static' });
    expect(t.views()).toEqual([{ type: 'page_view', url: '/static', title: 'Static' }]);
    vi.advanceTimersByTime(MAX_WAIT_MS);
    expect(t.views()).toHaveLength(1);
  });

  it('hash-router normalisation on start (and later) is not a navigation', () => {
    for (const norm of ['#/', '#!/']) {
      const t = setup({ start: '/app' });
      history.replaceState(null, '', norm);
      vi.advanceTimersByTime(MAX_WAIT_MS);
      history.replaceState(null, '', '/app');
      vi.advanceTimersByTime(MAX_WAIT_MS);
      history.replaceState(null, '', '/app' + norm);
      vi.advanceTimersByTime(MAX_WAIT_MS);
      expect(t.views(), norm).toHaveLength(1);
      t.stop();
    }
  });

  it('waits for a prerendered page to be shown', () => {
    Object.defineProperty(document, 'prerendering', { configurable: true, value: true });
    try {
      const t = setup({ start: '/pre' });
      expect(t.views()).toHaveLength(0);
      Object.defineProperty(document, 'prerendering', { configurable: true, value: false });
      document.dispatchEvent(new Event('prerenderingchange'));
      expect(t.views().map((v) => v.url)).toEqual(['/pre']);
    } finally {
      delete (document as { prerendering?: boolean }).prerendering;
    }
  });
});

describe('SPA navigations', () => {
  it('one page view per push, with the new title set after the URL changed, and the old URL as from', () => {
    const t = setup({ start: '/a', title: 'A' });
    vi.advanceTimersByTime(SETTLE_MS);
    history.pushState(null, '', '/b');
    // React Router renders, then an effect sets the title.
    setTimeout(() => (document.title = 'B'), 20);
    vi.advanceTimersByTime(SETTLE_MS);
    expect(t.views().map((v) => [v.url, v.title])).toEqual([
      ['/a', 'A'],
      ['/b', 'B'],
    ]);
    expect(t.navigations).toEqual(['/a']);
  });

  it('goes out one tick after the title changed, well before the window ends', () => {
    const t = setup({ start: '/a', title: 'A' });
    vi.advanceTimersByTime(SETTLE_MS);
    history.pushState(null, '', '/b');
    document.title = 'B';
    vi.advanceTimersByTime(150);
    expect(t.views()).toHaveLength(2);
  });

  it('a push followed by a replace within the window is one navigation, to the final URL', () => {
    const t = setup({ start: '/a', title: 'A' });
    vi.advanceTimersByTime(SETTLE_MS);
    history.pushState(null, '', '/go');
    vi.advanceTimersByTime(120);
    history.replaceState(null, '', '/final');
    document.title = 'Final';
    vi.advanceTimersByTime(SETTLE_MS);
    expect(t.views().slice(1)).toEqual([{ type: 'page_view', url: '/final', title: 'Final' }]);
    expect(t.navigations).toEqual(['/a']);
  });

  it('a replace after the window is its own navigation; a query-only replace is none', () => {
    const t = setup({ start: '/a' });
    vi.advanceTimersByTime(SETTLE_MS);
    history.pushState(null, '', '/b');
    vi.advanceTimersByTime(SETTLE_MS);
    history.replaceState(null, '', '/c');
    vi.advanceTimersByTime(SETTLE_MS);
    history.replaceState(null, '', '/c?sort=price');
    vi.advanceTimersByTime(SETTLE_MS);
    expect(t.views().map((v) => v.url)).toEqual(['/a', '/b', '/c']);
  });

  it('a second push sends the first page view with its own URL', () => {
    const t = setup({ start: '/a' });
    vi.advanceTimersByTime(SETTLE_MS);
    history.pushState(null, '', '/b');
    document.title = 'B';
    history.pushState(null, '', '/c');
    document.title = 'C';
    vi.advanceTimersByTime(SETTLE_MS);
    expect(t.views().map((v) => [v.url, v.title])).toEqual([
      ['/a', 'Start'],
      ['/b', 'B'],
      ['/c', 'C'],
    ]);
    expect(t.navigations).toEqual(['/a', '/b']);
  });

  it('Turbo: keeps waiting while <html aria-busy>, then one page view with the final URL and title', () => {
    const t = setup({ start: '/', title: 'Home' });
    vi.advanceTimersByTime(SETTLE_MS);
    history.pushState(null, '', '/redirect-me');
    document.documentElement.setAttribute('aria-busy', 'true');
    vi.advanceTimersByTime(1000); // the fetch
    document.title = 'Landed';
    history.replaceState(null, '', '/landed');
    document.documentElement.removeAttribute('aria-busy');
    vi.advanceTimersByTime(SETTLE_MS);
    expect(t.views().slice(1)).toEqual([{ type: 'page_view', url: '/landed', title: 'Landed' }]);
  });

  it(`never waits longer than ${MAX_WAIT_MS} ms`, () => {
    const t = setup({ start: '/a' });
    vi.advanceTimersByTime(SETTLE_MS);
    document.documentElement.setAttribute('aria-busy', 'true');
    history.pushState(null, '', '/b');
    vi.advanceTimersByTime(MAX_WAIT_MS - 100);
    expect(t.views()).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(t.views()).toHaveLength(2);
  });
});

describe('hash routers and anchors', () => {
  it('#/x → #/y is a navigation; #/x → #sec, #sec → #other and a query-only hash change are not', () => {
    const t = setup({ start: '/' });
    vi.advanceTimersByTime(SETTLE_MS);
    history.pushState(null, '', '#/x');
    vi.advanceTimersByTime(SETTLE_MS);
    history.pushState(null, '', '#sec');
    vi.advanceTimersByTime(SETTLE_MS);
    history.pushState(null, '', '#other');
    vi.advanceTimersByTime(SETTLE_MS);
    history.pushState(null, '', '#/y');
    vi.advanceTimersByTime(SETTLE_MS);
    history.pushState(null, '', '#/y?tab=2');
    vi.advanceTimersByTime(SETTLE_MS);
    expect(t.views().map((v) => v.url)).toEqual(['/', '/#/x', '/#/y']);
  });

  it('hashchange and popstate count like pushes (back to a hash route)', () => {
    const t = setup({ start: '/#/a' });
    vi.advanceTimersByTime(SETTLE_MS);
    history.replaceState(null, '', '/#/b');
    window.dispatchEvent(new Event('hashchange'));
    vi.advanceTimersByTime(SETTLE_MS);
    history.replaceState(null, '', '/#/b'); // no change
    window.dispatchEvent(new Event('popstate'));
    vi.advanceTimersByTime(SETTLE_MS);
    expect(t.views().map((v) => v.url)).toEqual(['/#/a', '/#/b']);
  });

  it('a path change with an anchor is a navigation to the path', () => {
    const t = setup({ start: '/a' });
    vi.advanceTimersByTime(SETTLE_MS);
    history.pushState(null, '', '/b#details');
    vi.advanceTimersByTime(SETTLE_MS);
    expect(t.views().map((v) => v.url)).toEqual(['/a', '/b#details']);
  });
});

describe('leaving and other events within the window', () => {
  it('leaving sends the pending page view, with the title as it is then', () => {
    const t = setup({ start: '/a' });
    vi.advanceTimersByTime(SETTLE_MS);
    history.pushState(null, '', '/b');
    document.title = 'B';
    t.leave();
    expect(t.views().map((v) => [v.url, v.title])).toEqual([
      ['/a', 'Start'],
      ['/b', 'B'],
    ]);
    vi.advanceTimersByTime(MAX_WAIT_MS);
    expect(t.views()).toHaveLength(2);
  });

  it('the page view comes first: before a tracked event, and route listeners run before it', () => {
    const t = setup({ start: '/a' });
    t.onRoute(() => t.event('form_abandon'));
    t.event('track');
    history.pushState(null, '', '/b');
    vi.advanceTimersByTime(50);
    t.event('track');
    expect(t.log.map((e) => `${e.type} ${e.url}`)).toEqual(['page_view /a', 'track /a', 'form_abandon /b', 'page_view /b', 'track /b']);
  });

  it('a click during the window sends the page view before document listeners see the click', () => {
    const t = setup({ start: '/a' });
    history.pushState(null, '', '/b');
    document.body.innerHTML = '<button>Buy</button>';
    const order: string[] = [];
    const onClick = () => order.push(`click after ${t.views().length} views`);
    document.addEventListener('click', onClick, true);
    document.querySelector('button')!.click();
    document.removeEventListener('click', onClick, true);
    expect(order).toEqual(['click after 2 views']);
  });

  it('never throws into the page when a listener does', () => {
    const t = setup({ start: '/a' });
    t.onRoute(() => {
      throw new Error('boom');
    });
    history.pushState(null, '', '/b');
    expect(() => vi.advanceTimersByTime(SETTLE_MS)).not.toThrow();
    history.pushState(null, '', '/c');
    expect(() => history.pushState(null, '', '/d')).not.toThrow();
    expect(location.pathname).toBe('/d');
  });

  it('stop() removes the history patch and timers', () => {
    const t = setup({ start: '/a' });
    t.stop();
    history.pushState(null, '', '/b');
    vi.advanceTimersByTime(MAX_WAIT_MS);
    expect(t.views()).toHaveLength(1);
  });

  it('a back/forward-cache restore is a page view at once', () => {
    const t = setup({ start: '/a' });
    vi.advanceTimersByTime(SETTLE_MS);
    const e = new Event('pageshow') as PageTransitionEvent;
    Object.defineProperty(e, 'persisted', { value: true });
    window.dispatchEvent(e);
    expect(t.views()).toHaveLength(2);
  });
});
