/** `page_leave`: engaged time and maximum scroll depth of each page view. */
import { listen } from '../lib/guard';
import type { CaptureModule } from './context';
import { PASSIVE, quiet } from './element';

/** A visitor counts as engaged this long after their last input, scroll or pointer activity. */
export const IDLE_MS = 30_000;

/** Accounts engaged time (visible and recently active) and visible time for one page view. */
export interface EngagementClock {
  /** The page became visible again (counts as activity). */
  onVisible(): void;
  /** The page was hidden: engaged and visible time stop. */
  onHidden(): void;
  /** Input, scroll or pointer activity: keeps the visitor engaged for another `idleMs`. */
  onActivity(): void;
  /** Milliseconds the page was visible while the visitor was active. */
  engagedMs(): number;
  /** Milliseconds the page was visible, active or not. */
  visibleMs(): number;
}

/**
 * Engaged time is the union of `[activity, activity + idleMs]` windows,
 * clipped to the time the page was visible. A new page view counts as activity.
 */
export function createEngagementClock(now: () => number, visible = true, idleMs = IDLE_MS): EngagementClock {
  let engaged = 0;
  let seen = 0;
  // Current engaged window [from, until], or from < 0 when there is none.
  let from = -1;
  let until = -1;
  let visibleSince = visible ? now() : -1;

  /** Engaged time of the current window up to `t` (0 when there is none). */
  const current = (t: number): number => (from >= 0 ? Math.max(0, Math.min(until, t) - from) : 0);
  const activity = (): void => {
    if (visibleSince < 0) return;
    const t = now();
    // Activity after the window ran out (or with none) closes it and opens a new one; within it, extends it.
    if (from < 0 || t > until) {
      engaged += current(t);
      from = t;
    }
    until = t + idleMs;
  };
  activity();

  return {
    onVisible() {
      if (visibleSince < 0) visibleSince = now();
      activity();
    },
    onHidden() {
      if (visibleSince < 0) return;
      const t = now();
      engaged += current(t);
      from = -1;
      seen += t - visibleSince;
      visibleSince = -1;
    },
    onActivity: activity,
    engagedMs: () => Math.round(engaged + current(now())),
    visibleMs: () => Math.round(seen + (visibleSince >= 0 ? now() - visibleSince : 0)),
  };
}

/** How far down the page the viewport's bottom edge is, in percent (0–100); 100 when the page fits. */
export function scrollDepth(scrollY: number, viewportHeight: number, pageHeight: number): number {
  if (!(pageHeight > viewportHeight)) return 100;
  const pct = ((Math.max(0, scrollY) + viewportHeight) / pageHeight) * 100;
  return Math.max(0, Math.min(100, Math.round(pct)));
}

// Passive, capture-phase listeners: capture also sees scrolls of inner elements.
const ACTIVITY = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'scroll'];

/**
 * Emits one `page_leave` per page view, when the page is left or on an SPA
 * route change, with `{ engagedMs, scrollDepth, visibleMs }`.
 */
export const captureEngagement: CaptureModule = (ctx) => {
  const { win, doc } = ctx;
  const isVisible = (): boolean => doc.visibilityState !== 'hidden';
  let clock = createEngagementClock(ctx.now, isVisible());
  let depth = 0;
  let left = false;
  let frame = 0;

  const measure = quiet((): void => {
    frame = 0;
    const root = doc.documentElement;
    const height = Math.max(root?.scrollHeight ?? 0, doc.body?.scrollHeight ?? 0);
    depth = Math.max(depth, scrollDepth(win.scrollY ?? root?.scrollTop ?? 0, win.innerHeight, height));
  });
  // rAF throttles scroll measurement to one layout read per frame.
  const schedule = (): void => {
    if (!frame) frame = win.requestAnimationFrame ? win.requestAnimationFrame(measure) : win.setTimeout(measure, 100);
  };
  const cancel = (): void => {
    if (frame) win.cancelAnimationFrame ? win.cancelAnimationFrame(frame) : win.clearTimeout(frame);
    frame = 0;
  };

  const leave = (): void => {
    if (left) return;
    left = true;
    cancel();
    measure();
    ctx.emit('page_leave', {
      properties: { engagedMs: clock.engagedMs(), scrollDepth: depth, visibleMs: clock.visibleMs() },
    });
  };
  // A new page view: a new clock and depth.
  const restart = (): void => {
    cancel();
    clock = createEngagementClock(ctx.now, isVisible());
    depth = 0;
    left = false;
    schedule();
  };

  const offs = [
    listen(doc, ACTIVITY, (e) => (clock.onActivity(), e.type === 'scroll' && schedule()), PASSIVE),
    listen(doc, 'visibilitychange', () => (isVisible() ? clock.onVisible() : clock.onHidden()), true),
    // A page restored from the back/forward cache is a new page view.
    listen(win, 'pageshow', (e) => (e as PageTransitionEvent).persisted && restart(), true),
    listen(win, 'load', schedule, true),
    ctx.onRoute(() => {
      leave();
      restart();
    }),
    ctx.onLeave(leave),
  ];
  measure();

  return () => {
    cancel();
    for (const off of offs) off();
  };
};
