import type { Journey, Stats, Tracker } from './types';

/** What `journey()` says when nothing is known (a no-op tracker, or a call that failed). */
export const noJourney = (): Journey => ({ stage: null, furthest: null, history: [] });
/** What `stats()` says when nothing was sent (a no-op tracker, or a call that failed). */
export const noStats = (): Stats => ({ delivered: 0, retried: 0, dropped: {}, queued: 0, storage: 'none' });

/** A tracker that does nothing: used on the server (SSR) and when there is no endpoint. */
export function createNoopTracker(): Tracker {
  const nothing = () => {};
  const resolved = () => Promise.resolve();
  return {
    track: nothing,
    page: nothing,
    identify: nothing,
    reset: nothing,
    journey: noJourney,
    on: () => nothing,
    flush: resolved,
    optOut: nothing,
    optIn: nothing,
    stats: noStats,
    shutdown: resolved,
  };
}
