import { callEach } from '../lib/guard';
import type { AutocaptureOptions } from '../types';
import { captureClicks } from './clicks';
import type { CaptureContext, CaptureModule } from './context';
import { captureEngagement } from './engagement';
import { captureForms } from './forms';
import { captureFriction } from './friction';
import { capturePageViews } from './pageviews';

/** Auto-capture on and off: the modules the options turn on, each isolated from the others. */
export interface CaptureSwitch {
  start(): void;
  stop(): void;
  /** The page is being left: tell the modules (they emit what belongs to this page). */
  leaving(): void;
  /** An event is about to be captured: a settling page view goes out first. */
  beforeEvent(): void;
}

/** The context modules get, less what this switch provides (route and leave listeners). */
export type BaseContext = Omit<CaptureContext, 'onRoute' | 'onLeave'>;

/**
 * `navigated(from, tellModules)` is called on each SPA route change before its
 * page view, and must call `tellModules()` (the tracker wraps it so events belong to the page left).
 */
export function createCapture(
  base: BaseContext,
  options: AutocaptureOptions,
  vitals: CaptureModule | undefined,
  navigated: (from: string, tellModules: () => void) => void,
): CaptureSwitch {
  const routeListeners = new Set<(from: string, to: string) => void>();
  const leaveListeners = new Set<() => void>();
  const before = new Set<() => void>();
  const ctx: CaptureContext = {
    ...base,
    beforeEvent: (l) => (before.add(l), () => before.delete(l)),
    onRoute: (l) => (routeListeners.add(l), () => routeListeners.delete(l)),
    onLeave: (l) => (leaveListeners.add(l), () => leaveListeners.delete(l)),
  };
  const modules: Array<[boolean, CaptureModule]> = [
    [options.clicks, captureClicks],
    [options.forms, captureForms],
    [options.engagement, captureEngagement],
    [options.friction, captureFriction],
    [options.vitals && !!vitals, vitals!],
    [options.pageViews, (c) => capturePageViews(c, (from) => navigated(from, () => callEach(routeListeners, from, base.win.location.href)))],
  ];
  let stops: Array<() => void> = [];
  return {
    start() {
      if (stops.length) return;
      for (const [on, module] of modules) {
        if (!on) continue;
        try {
          stops.push(module(ctx));
        } catch (err) {
          console.error('[waymark] a capture module failed to start', err);
        }
      }
    },
    stop() {
      callEach(stops);
      stops = [];
    },
    leaving: () => (callEach(before), callEach(leaveListeners)),
    beforeEvent: () => before.size && callEach(before),
  };
}
