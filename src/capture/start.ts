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
}

/** `navigated(from)` is told of every SPA route change before its page view (see capturePageViews). */
export function createCapture(
  ctx: CaptureContext,
  options: AutocaptureOptions,
  vitals: CaptureModule | undefined,
  navigated: (from: string) => void,
): CaptureSwitch {
  const modules: Array<[boolean, CaptureModule]> = [
    [options.clicks, captureClicks],
    [options.forms, captureForms],
    [options.engagement, captureEngagement],
    [options.friction, captureFriction],
    [options.vitals && !!vitals, vitals!],
    [options.pageViews, (c) => capturePageViews(c, navigated)],
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
      for (const stop of stops) {
        try {
          stop();
        } catch {
          /* keep going */
        }
      }
      stops = [];
    },
  };
}
