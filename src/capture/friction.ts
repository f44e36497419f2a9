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
      const first = run[0];
      const last = run[run.length - 1]!;
      // Late or far from where the burst began: that burst is over.
      const ended = first && (t - last.t > o.rageWindowMs || Math.hypot(x - first.x, y - first.y) > o.rageRadiusPx) ? end() : 0;
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

type Observers = Window & {
  MutationObserver?: typeof MutationObserver;
  PerformanceObserver?: typeof PerformanceObserver;
  navigation?: EventTarget;
};

/** True for a link whose default action (a navigation, a new tab, a download) was not cancelled. */
function followsLink(el: Element, event: Event): boolean {
  const href = (el.getAttribute('href') ?? '').trim().toLowerCase();
  return !event.defaultPrevented && el.matches(LINK) && href !== '' && href !== '#' && !href.startsWith('javascript:');
}

/**
 * Emits `rage_click` (`{ clicks }`) once per burst and `dead_click` for clicks
 * on actionable elements after which, within `deadClickMs`, there is no
 * navigation, DOM change, network request, focus change, scroll or submit.
 */
export const captureFriction: CaptureModule = (ctx: CaptureContext) => {
  const { doc, friction } = ctx;
  const win = ctx.win as Observers;
  const { deadClickMs } = friction;
  const rage = createRageDetector(friction);
  let burstEl: Element | null = null;
  let burstTimer = 0;
  // Time of the last sign of life (ctx clock); a click is dead when none came after it.
  let lastChange = -Infinity;
  // Start time (performance clock) of the latest request seen: requests are reported when they finish.
  let lastRequest = -Infinity;
  // Clicks being judged: their element and deadline timer.
  const pending = new Map<Element, number>();
  let down: (Since & { el: Element }) | null = null;

  const reportBurst = (clicks: number): void => {
    if (clicks && burstEl) ctx.emit('rage_click', { properties: { clicks }, target: describeIn(ctx, burstEl) }, burstEl);
  };
  const endBurst = (): void => {
    win.clearTimeout(burstTimer);
    reportBurst(rage.end());
    burstEl = null;
  };

  // ---- observers, connected only while a click is being judged
  const changed = (): void => {
    lastChange = ctx.now();
  };
  const MO = win.MutationObserver;
  const mutations = typeof MO === 'function' ? new MO(changed) : null;
  let resources: PerformanceObserver | null = null;
  const onResources = (entries: PerformanceEntry[]): void => {
    for (const e of entries) lastRequest = Math.max(lastRequest, e.startTime);
  };
  const since = (): Since => ({ at: ctx.now(), perf: win.performance?.now() ?? 0 });
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
    const until = ctx.now() + deadClickMs;
    if (!armedUntil) {
      mutations?.observe(doc, { childList: true, subtree: true, attributes: true, characterData: true });
      try {
        const PO = win.PerformanceObserver;
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
      disarmTimer = win.setTimeout(() => pending.size || disarm(), deadClickMs + 50);
    }
  };

  const judge = (el: Element, start: Since, href: string, event: Event): void => {
    pending.delete(el);
    if (mutations?.takeRecords().length) changed();
    if (resources) onResources(resources.takeRecords());
    const dead = lastChange < start.at && lastRequest < start.perf && win.location.href === href && !followsLink(el, event);
    if (dead && el.isConnected) ctx.emit('dead_click', { target: describeIn(ctx, el) }, el);
    if (!pending.size && ctx.now() >= armedUntil) disarm();
  };

  /** What each window event means; any other (SIGNALS) shows the page did something. */
  const on: Record<string, (event: Event) => void> = {
    pointerdown(event) {
      const el = actionableAncestor(eventElement(event));
      if (!el) return;
      // Menus often open on pointerdown: changes from here on count for the click.
      down = { el, ...since() };
      arm();
    },
    click(event) {
      const origin = eventElement(event);
      if (!origin || isIgnored(origin, ctx.privacy.ignoreSelector)) return;
      const act = actionableAncestor(origin);
      const e = event as MouseEvent;
      const now = since();
      // detail 0: a keyboard or scripted click, which has no position.
      if (e.detail > 0) {
        reportBurst(rage.click(e.clientX, e.clientY, now.at));
        if (rage.size() === 1) burstEl = act ?? origin;
        win.clearTimeout(burstTimer);
        burstTimer = win.setTimeout(endBurst, friction.rageWindowMs + 1);
      }
      if (!act || pending.has(act)) return;
      const start = down && down.el === act && now.at - down.at <= deadClickMs ? down : now;
      down = null;
      arm();
      const href = win.location.href;
      pending.set(act, win.setTimeout(() => judge(act, start, href, event), deadClickMs));
    },
    // Focus moving to a field or into a dialog; a clicked button taking focus does not count.
    focusin(event) {
      const el = eventElement(event);
      if (el && el.matches(FOCUS_CHANGE) && !actionableAncestor(el)) changed();
    },
    // The window itself losing focus: a popup, a new tab or a native dialog opened.
    blur(event) {
      if (event.target === win) changed();
    },
  };
  const nav = win.navigation;

  const cancelPending = (): void => {
    pending.forEach((timer) => win.clearTimeout(timer));
    pending.clear();
    disarm();
  };
  const offs = [
    listen(win, [...Object.keys(on), ...SIGNALS], quiet((event: Event) => (on[event.type] ?? changed)(event)), PASSIVE),
    listen(doc, 'visibilitychange', changed, PASSIVE),
    // Leaving the page is something happening; a burst is reported before the exit flush.
    ctx.onLeave(() => {
      endBurst();
      cancelPending();
    }),
    // Runs before the next page_view: the burst belongs to the page being left.
    ctx.onRoute(() => {
      changed();
      endBurst();
    }),
  ];
  // The Navigation API (Chromium) sees navigations no other event shows.
  if (typeof nav?.addEventListener == 'function') offs.push(listen(nav, 'navigate', changed, false));

  return () => {
    win.clearTimeout(burstTimer);
    cancelPending();
    for (const off of offs) off();
  };
};
