/** Friction: `rage_click` (a burst of clicks on one spot) and `dead_click` (a click after which nothing happens). */
import type { FrictionOptions } from '../types';
import type { CaptureContext, CaptureModule } from './context';
import { listen } from '../lib/guard';
import { actionableAncestor, describeIn, eventElement, isIgnored, LINK, PASSIVE, quiet } from './element';

type RageOptions = Pick<FrictionOptions, 'rageClicks' | 'rageWindowMs' | 'rageRadiusPx'>;

/** Groups clicks into bursts and tells which bursts were rage clicks. */
export interface RageDetector {
  /** Record a click; returns the click count of a rage burst this click ended (far away or late), else 0. */
  click(x: number, y: number, t: number): number;
  /** End the current burst; returns its click count when it was a rage click, else 0. */
  end(): number;
  /** Clicks in the current burst (0 when there is none). */
  size(): number;
}

/**
 * A burst is a run of clicks within `rageRadiusPx` of its first click, each
 * less than `rageWindowMs` after the previous one. It is a rage click once
 * `rageClicks` of them fall within one `rageWindowMs`, and is reported once,
 * when it ends, with every click it had.
 */
export function createRageDetector(o: RageOptions): RageDetector {
  let run: Array<{ x: number; y: number; t: number }> = [];
  let rage = false;
  const end = (): number => {
    const n = rage ? run.length : 0;
    run = [];
    rage = false;
    return n;
  };
  return {
    click(x, y, t) {
      let ended = 0;
      const first = run[0];
      const last = run[run.length - 1];
      if (first && last && (t - last.t > o.rageWindowMs || Math.hypot(x - first.x, y - first.y) > o.rageRadiusPx)) {
        ended = end();
      }
      run.push({ x, y, t });
      if (!rage) {
        while (run.length > 1 && t - run[0]!.t > o.rageWindowMs) run.shift();
        rage = run.length >= o.rageClicks;
      }
      return ended;
    },
    end,
    size: () => run.length,
  };
}

// Focus moving here means the click opened something to type into or a dialog.
const FOCUS_CHANGE = 'input,textarea,select,[contenteditable],dialog,dialog *,[role=dialog],[role=dialog] *,[role=alertdialog] *';
// Events that show the page did something after a click.
const SIGNALS = ['popstate', 'hashchange', 'submit', 'invalid', 'scroll'];

/** When a click started: the ctx clock and the performance clock (which request entries use). */
type Since = { at: number; perf: number };

/** True for a link whose default action (a navigation, a new tab, a download) was not cancelled. */
function followsLink(el: Element, event: Event): boolean {
  if (event.defaultPrevented || !el.matches(LINK)) return false;
  const href = (el.getAttribute('href') ?? '').trim().toLowerCase();
  return href !== '' && href !== '#' && !href.startsWith('javascript:');
}

/**
 * Emits `rage_click` (`{ clicks }`) once per burst and `dead_click` for clicks
 * on actionable elements after which, within `deadClickMs`, there is no
 * navigation, DOM change, network request, focus change, scroll or submit.
 */
export const captureFriction: CaptureModule = (ctx: CaptureContext) => {
  const { win, doc, friction } = ctx;
  const rage = createRageDetector(friction);
  let burstEl: Element | null = null;
  let burstTimer = 0;
  // Time of the last sign of life (ctx clock); a click is dead when none came after it.
  let lastChange = -Infinity;
  const pending = new Map<Element, number>();
  let down: { el: Element; at: number; perf: number } | null = null;

  const reportBurst = (clicks: number, el: Element | null): void => {
    if (clicks && el) ctx.emit('rage_click', { properties: { clicks }, target: describeIn(ctx, el) }, el);
  };
  const endBurst = (): void => {
    win.clearTimeout(burstTimer);
    reportBurst(rage.end(), burstEl);
    burstEl = null;
  };

  // ---- observers, connected only while a click is being judged
  const changed = (): void => {
    lastChange = ctx.now();
  };
  const MO = (win as Window & { MutationObserver?: typeof MutationObserver }).MutationObserver;
  const mutations = typeof MO === 'function' ? new MO(changed) : null;
  let resources: PerformanceObserver | null = null;
  // Start time (performance clock) of the latest request seen: requests are reported when they finish.
  let lastRequest = -Infinity;
  const onResources = (entries: PerformanceEntry[]): void => {
    for (const e of entries) lastRequest = Math.max(lastRequest, e.startTime);
  };
  const perfNow = (): number => win.performance?.now() ?? 0;
  let armedUntil = 0;
  let disarmTimer = 0;
  const disarm = (): void => {
    win.clearTimeout(disarmTimer);
    armedUntil = 0;
    mutations?.disconnect();
    resources?.disconnect();
    resources = null;
  };
  const arm = (): void => {
    const until = ctx.now() + friction.deadClickMs;
    if (!armedUntil) {
      mutations?.observe(doc, { childList: true, subtree: true, attributes: true, characterData: true });
      try {
        const PO = (win as Window & { PerformanceObserver?: typeof PerformanceObserver }).PerformanceObserver;
        if (PO?.supportedEntryTypes?.includes('resource')) {
          resources = new PO((list) => onResources(list.getEntries()));
          resources.observe({ type: 'resource' });
        }
      } catch {
        resources = null;
      }
    }
    if (until > armedUntil) {
      armedUntil = until;
      win.clearTimeout(disarmTimer);
      // Runs after the dead-click deadlines scheduled before it.
      disarmTimer = win.setTimeout(() => {
        if (!pending.size) disarm();
      }, friction.deadClickMs + 50);
    }
  };

  const judge = (el: Element, since: Since, href: string, event: Event): void => {
    pending.delete(el);
    if (mutations?.takeRecords().length) changed();
    if (resources) onResources(resources.takeRecords());
    const dead =
      lastChange < since.at && lastRequest < since.perf && win.location.href === href && !followsLink(el, event);
    if (dead && el.isConnected) ctx.emit('dead_click', { target: describeIn(ctx, el) }, el);
    if (!pending.size && ctx.now() >= armedUntil) disarm();
  };

  const onPointerDown = quiet((event: Event) => {
    const el = actionableAncestor(eventElement(event));
    if (!el) return;
    // Menus often open on pointerdown: changes from here on count for the click.
    down = { el, at: ctx.now(), perf: perfNow() };
    arm();
  });

  const onClick = quiet((event: Event) => {
    const origin = eventElement(event);
    if (!origin || isIgnored(origin, ctx.privacy.ignoreSelector)) return;
    const now = ctx.now();
    const act = actionableAncestor(origin);
    const e = event as MouseEvent;
    // detail 0: a keyboard or scripted click, which has no position.
    if (e.detail > 0) {
      reportBurst(rage.click(e.clientX, e.clientY, now), burstEl);
      if (rage.size() === 1) burstEl = act ?? origin;
      win.clearTimeout(burstTimer);
      burstTimer = win.setTimeout(endBurst, friction.rageWindowMs + 1);
    }
    if (!act || pending.has(act)) return;
    const since: Since =
      down && down.el === act && now - down.at <= friction.deadClickMs ? down : { at: now, perf: perfNow() };
    down = null;
    arm();
    const href = win.location.href;
    pending.set(
      act,
      win.setTimeout(() => judge(act, since, href, event), friction.deadClickMs),
    );
  });

  // Focus moving to a field or into a dialog; a clicked button taking focus does not count.
  const onFocus = quiet((event: Event) => {
    const el = eventElement(event);
    if (el && el.matches(FOCUS_CHANGE) && !actionableAncestor(el)) changed();
  });
  // The window itself losing focus: a popup, a new tab or a native dialog opened.
  const onBlur = (event: Event): void => {
    if (event.target === win) changed();
  };
  const nav = (win as Window & { navigation?: EventTarget }).navigation;

  const offs = [
    listen(win, 'pointerdown', onPointerDown, PASSIVE),
    listen(win, 'click', onClick, PASSIVE),
    listen(win, 'focusin', onFocus, PASSIVE),
    listen(win, 'blur', onBlur, PASSIVE),
    listen(win, SIGNALS, changed, PASSIVE),
    listen(doc, 'visibilitychange', changed, PASSIVE),
  ];
  // The Navigation API (Chromium) sees navigations no other event shows.
  if (typeof nav?.addEventListener == 'function') offs.push(listen(nav as EventTarget, 'navigate', changed, false));

  const cancelPending = (): void => {
    pending.forEach((timer) => win.clearTimeout(timer));
    pending.clear();
    disarm();
  };
  // Leaving the page is something happening; a burst is reported before the exit flush.
  const offLeave = ctx.onLeave(() => {
    endBurst();
    cancelPending();
  });
  // Runs before the next page_view: the burst belongs to the page being left.
  const offRoute = ctx.onRoute(() => {
    changed();
    endBurst();
  });

  return () => {
    win.clearTimeout(burstTimer);
    cancelPending();
    offLeave();
    offRoute();
    for (const off of offs) off();
  };
};
