/** The lazily loaded half of web-vitals capture: registers the web-vitals observers once per page. */
import { onCLS, onFCP, onINP, onLCP, onTTFB } from 'web-vitals';
import type { MetricType } from 'web-vitals';

/** Called with each metric web-vitals reports. */
export type VitalsListener = (metric: MetricType) => void;

/** Subscribes to web-vitals reports; returns the unsubscribe function. */
export type StartVitals = (listener: VitalsListener) => () => void;

const listeners = new Set<VitalsListener>();
let started = false;

/**
 * Subscribe to LCP, INP, CLS, FCP and TTFB. web-vitals' observers cannot be
 * removed, so they are registered once per page and fan out to subscribers.
 */
export const startVitals: StartVitals = (listener) => {
  listeners.add(listener);
  if (!started) {
    started = true;
    const report = (metric: MetricType): void => {
      for (const l of listeners) {
        try {
          l(metric);
        } catch {
          /* a listener never breaks the others */
        }
      }
    };
    // Every change is reported so the core can hand the latest LCP/CLS/INP over
    // from its own page-leave listener, before the exit flush (see vitals.ts).
    const opts = { reportAllChanges: true };
    for (const on of [onTTFB, onFCP, onLCP, onINP, onCLS]) {
      try {
        on(report, opts);
      } catch {
        /* an unsupported metric must not stop the others */
      }
    }
  }
  return () => {
    listeners.delete(listener);
  };
};
