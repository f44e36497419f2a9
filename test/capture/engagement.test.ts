import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Captured, CaptureContext } from '../../src/capture/context';
import { captureEngagement, createEngagementClock, IDLE_MS, scrollDepth } from '../../src/capture/engagement';
import type { EventType } from '../../src/types';

const S = 1000;

describe('createEngagementClock', () => {
  let t = 0;
  const now = () => t;
  beforeEach(() => {
    t = 0;
  });

  it('counts time while the visitor keeps interacting', () => {
    const c = createEngagementClock(now);
    for (t = 0; t <= 60 * S; t += 10 * S) c.onActivity();
    t = 60 * S;
    expect(c.engagedMs()).toBe(60 * S);
    expect(c.visibleMs()).toBe(60 * S);
  });

  it('stops counting 30 s after the last activity (idle), though the page stays visible', () => {
    const c = createEngagementClock(now);
    t = 5 * S;
    c.onActivity();
    t = 10 * 60 * S;
    expect(c.engagedMs()).toBe(5 * S + IDLE_MS);
    expect(c.visibleMs()).toBe(10 * 60 * S);
  });

  it('starts counting again on new activity after being idle', () => {
    const c = createEngagementClock(now, true, 10 * S);
    t = 100 * S;
    c.onActivity(); // idle from 10 s to 100 s
    t = 105 * S;
    expect(c.engagedMs()).toBe(10 * S + 5 * S);
  });

  it('pauses while hidden and resumes when visible again', () => {
    const c = createEngagementClock(now);
    t = 10 * S;
    c.onHidden();
    t = 70 * S;
    c.onActivity(); // activity while hidden does not count
    expect(c.engagedMs()).toBe(10 * S);
    c.onVisible();
    t = 80 * S;
    expect(c.engagedMs()).toBe(20 * S);
    expect(c.visibleMs()).toBe(20 * S);
  });

  it('counts nothing for a page opened in a background tab until it is shown', () => {
    const c = createEngagementClock(now, false);
    t = 50 * S;
    expect(c.engagedMs()).toBe(0);
    expect(c.visibleMs()).toBe(0);
    c.onVisible();
    t = 53 * S;
    expect(c.engagedMs()).toBe(3 * S);
  });
});

describe('scrollDepth', () => {
  it.each([
    [0, 800, 800, 100], // the page fits in the viewport
    [0, 800, 0, 100],
    [0, 500, 2000, 25],
    [750, 500, 2000, 63],
    [1500, 500, 2000, 100],
    [5000, 500, 2000, 100], // overscroll is clamped
    [-100, 500, 2000, 25], // iOS rubber-band is clamped
  ])('scrollY %d, viewport %d, page %d → %d%%', (y, vh, h, pct) => {
    expect(scrollDepth(y, vh, h)).toBe(pct);
  });
});

describe('captureEngagement', () => {
  let t: number;
  let visibility: DocumentVisibilityState;
  let scrollY: number;
  let emitted: Array<{ type: EventType; data: Captured }>;
  let routes: Array<(from: string, to: string) => void>;
  let leaves: Array<() => void>;
  let stop: () => void;

  const ctx = (): CaptureContext => ({
    emit: (type, data) => emitted.push({ type, data }),
    win: window,
    doc: document,
    privacy: { ignoreSelector: '[data-waymark-ignore]', scrubParams: [], respectDNT: false, respectGPC: true, requireConsent: false },
    friction: { rageClicks: 3, rageWindowMs: 1000, rageRadiusPx: 30, deadClickMs: 1000 },
    scrub: (u) => u,
    onRoute: (l) => (routes.push(l), () => void routes.splice(routes.indexOf(l), 1)),
    onLeave: (l) => (leaves.push(l), () => void leaves.splice(leaves.indexOf(l), 1)),
    now: () => t,
  });
  const leave = () => leaves.slice().forEach((l) => l());
  const route = () => routes.slice().forEach((l) => l('http://x/a', 'http://x/b'));
  const setVisibility = (v: DocumentVisibilityState) => {
    visibility = v;
    document.dispatchEvent(new Event('visibilitychange'));
  };
  const scrollTo = (y: number) => {
    scrollY = y;
    document.dispatchEvent(new Event('scroll'));
    vi.advanceTimersByTime(100); // let the throttled measurement run
  };
  const leaves_ = () => emitted.filter((e) => e.type === 'page_leave').map((e) => e.data.properties);

  beforeEach(() => {
    vi.useFakeTimers();
    t = 0;
    visibility = 'visible';
    scrollY = 0;
    emitted = [];
    routes = [];
    leaves = [];
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility });
    Object.defineProperty(window, 'scrollY', { configurable: true, get: () => scrollY });
    Object.defineProperty(window, 'innerHeight', { configurable: true, value: 1000 });
    Object.defineProperty(document.documentElement, 'scrollHeight', { configurable: true, value: 4000 });
  });
  afterEach(() => {
    stop?.();
    vi.useRealTimers();
    delete (document as unknown as Record<string, unknown>).visibilityState;
    delete (window as unknown as Record<string, unknown>).scrollY;
    delete (window as unknown as Record<string, unknown>).innerHeight;
    delete (document.documentElement as unknown as Record<string, unknown>).scrollHeight;
  });

  it('reports engaged time from the injected clock, not wall time, once per page view', () => {
    stop = captureEngagement(ctx());
    t = 20 * S;
    document.dispatchEvent(new Event('keydown'));
    t = 25 * S;
    leave();
    leave(); // hidden, then pagehide: still one page_leave
    expect(leaves_()).toEqual([{ engagedMs: 25 * S, scrollDepth: 25, visibleMs: 25 * S }]);
  });

  it('leaves idle time out', () => {
    stop = captureEngagement(ctx());
    t = 10 * S;
    document.dispatchEvent(new Event('pointermove'));
    t = 5 * 60 * S; // the visitor walked away
    leave();
    expect(leaves_()[0]).toMatchObject({ engagedMs: 10 * S + IDLE_MS, visibleMs: 5 * 60 * S });
  });

  it('does not count time while the tab is hidden', () => {
    stop = captureEngagement(ctx());
    t = 5 * S;
    setVisibility('hidden');
    t = 65 * S;
    setVisibility('visible');
    t = 70 * S;
    leave();
    expect(leaves_()[0]).toMatchObject({ engagedMs: 10 * S, visibleMs: 10 * S });
  });

  it('keeps the maximum scroll depth when the visitor scrolls back up', () => {
    stop = captureEngagement(ctx());
    scrollTo(2000); // (2000 + 1000) / 4000
    scrollTo(500);
    leave();
    expect(leaves_()[0]).toMatchObject({ scrollDepth: 75 });
  });

  it('emits page_leave for the page being left on a route change, then starts over', () => {
    stop = captureEngagement(ctx());
    scrollTo(3000);
    t = 8 * S;
    route();
    expect(leaves_()).toEqual([{ engagedMs: 8 * S, scrollDepth: 100, visibleMs: 8 * S }]);
    scrollY = 0; // the new route renders at the top
    t = 11 * S;
    leave();
    expect(leaves_()[1]).toEqual({ engagedMs: 3 * S, scrollDepth: 25, visibleMs: 3 * S });
  });

  it('starts a new page view after a back/forward-cache restore', () => {
    stop = captureEngagement(ctx());
    t = 4 * S;
    leave();
    t = 100 * S;
    window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
    t = 102 * S;
    leave();
    expect(leaves_().map((p) => p?.engagedMs)).toEqual([4 * S, 2 * S]);
  });

  it('stops listening when stopped', () => {
    stop = captureEngagement(ctx());
    stop();
    expect(routes).toHaveLength(0);
    expect(leaves).toHaveLength(0);
    leave();
    expect(emitted).toHaveLength(0);
  });
});
