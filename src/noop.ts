import type { Tracker } from './types';

/** A tracker that does nothing: used on the server (SSR) and when there is no endpoint. */
export function createNoopTracker(): Tracker {
  const nothing = () => {};
  return {
    track: nothing,
    page: nothing,
    identify: nothing,
    reset: nothing,
    journey: () => ({ stage: null, furthest: null, history: [] }),
    on: () => nothing,
    flush: () => Promise.resolve(),
    optOut: nothing,
    optIn: nothing,
    stats: () => ({ delivered: 0, retried: 0, dropped: {}, queued: 0, storage: 'none' }),
    shutdown: () => Promise.resolve(),
  };
}
