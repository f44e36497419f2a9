/** `web_vital` events: LCP, INP, CLS, FCP and TTFB from a lazily loaded web-vitals. */
import type { MetricType } from 'web-vitals';
import { listen } from '../lib/guard';
import type { CaptureContext, CaptureModule } from './context';
import type { StartVitals } from './vitals-load';

/** Loads the web-vitals half; resolves undefined when it cannot be loaded. */
export type VitalsLoader = (ctx: CaptureContext) => Promise<StartVitals | undefined>;

/** ESM builds: a dynamic import, which bundlers split into its own chunk. */
export const importVitals: VitalsLoader = () =>
  import('./vitals-load').then(
    (m) => m.startVitals,
    () => undefined,
  );

// CLS is a unitless score; the others are milliseconds.
const round = (m: MetricType, digits = m.name === 'CLS' ? 1e4 : 10): number => Math.round(m.value * digits) / digits;

/**
 * Build the vitals capture module with a given loader. Each metric becomes one
 * `web_vital` event per page view, `{ name, value, rating, navigationType,
 * pageViewId }`, with its final value: metrics are held while they change and
 * sent when the page is hidden or left. A value that changes after it was sent
 * (the visitor came back) is not sent again.
 */
export function createCaptureVitals(loadVitals: VitalsLoader): CaptureModule {
  return (ctx) => {
    let stopped = false;
    let unsubscribe: (() => void) | undefined;
    // The page view the current document load (or bfcache restore) belongs to:
    // LCP, CLS and INP are reported at page hide, possibly after SPA route changes.
    const currentView = () => ctx.pageViewId?.();
    let loadView = currentView();
    const rememberLoadView = (): void => {
      loadView ??= currentView();
    };
    const held = new Map<string, Record<string, unknown>>(); // page view + metric → latest value
    const sent = new Set<string>();

    // Only ever given a key not sent yet: `report` holds nothing already sent, and a held value leaves `held` when sent.
    const send = (properties: Record<string, unknown>, key: string): void => {
      sent.add(key);
      ctx.emit('web_vital', { properties });
    };
    const report = (m: MetricType): void => {
      if (stopped) return;
      // Soft navigations belong to the page view current now; everything else to the load.
      const soft = m.navigationType === 'soft-navigation';
      if (!soft) rememberLoadView();
      const pageViewId = soft ? currentView() : loadView;
      const properties: Record<string, unknown> = {
        name: m.name,
        value: round(m),
        rating: m.rating,
        navigationType: m.navigationType,
        // Not web-vitals' own `m.id`: it only served to merge the many reports of one metric,
        // and there is now one; the event's `id` is unique and `pageViewId` + `name` identify the metric.
      };
      if (pageViewId !== undefined) properties.pageViewId = pageViewId;
      const key = `${pageViewId}:${m.name}`;
      if (sent.has(key)) return;
      // The page is already hidden (web-vitals' own hide report comes after `pagehide` on a
      // navigation): this is the final value, send it now.
      if (ctx.doc.visibilityState === 'hidden') {
        held.delete(key);
        send(properties, key);
      } else held.set(key, properties);
    };
    // Runs before the tracker's exit flush, unlike web-vitals' visibilitychange
    // listener, which on a navigation fires after `pagehide`.
    const offLeave = ctx.onLeave(() => {
      held.forEach(send);
      held.clear();
    });

    // onRoute runs before the next page_view: the current id is still the load's (or the last one's).
    const offRoute = ctx.onRoute(rememberLoadView);
    // Metrics after a back/forward-cache restore belong to the restored page view.
    const offPageShow = listen(ctx.win, 'pageshow', (e) => {
      if ((e as PageTransitionEvent).persisted) loadView = undefined;
    });

    loadVitals(ctx).then(
      (start) => {
        if (start && !stopped) unsubscribe = start(report);
      },
      () => undefined,
    );

    return () => {
      stopped = true;
      unsubscribe?.();
      offLeave();
      offRoute();
      offPageShow();
    };
  };
}

/** Web vitals for ESM builds (web-vitals in a lazily imported chunk). */
export const captureVitals: CaptureModule = /* @__PURE__ */ createCaptureVitals(importVitals);
