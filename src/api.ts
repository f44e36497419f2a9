/** The public methods of a running tracker: thin, guarded calls into the modules that own the state. */
import type { Consent } from './consent';
import type { Queue } from './delivery/queue';
import type { Identity } from './identity';
import type { Intake } from './intake';
import type { JourneyStore } from './journey/state';
import { guarded } from './lib/guard';
import { plainRecord, type Report } from './lib/plain';
import type { Stats, StageChange, Tracker } from './types';

export interface ApiParts {
  intake: Intake;
  identity: Identity;
  journey: JourneyStore;
  queue: Queue;
  consent: Consent;
  listeners: Set<(change: StageChange) => void>;
  /** Forget the visitor's journey everywhere (memory, storage, other tabs). */
  forgetJourney(): void;
  /** Events dropped before the queue (by `beforeSend`). */
  droppedBeforeQueue(): number;
  report: Report;
  error(msg: string): void;
  shutdown(): Promise<void>;
}

const EMPTY_STATS: Stats = { delivered: 0, retried: 0, dropped: {}, queued: 0, storage: 'none' };

/** Build the tracker object. No method throws into the page. */
export function createApi(p: ApiParts): Tracker {
  const props = (value: unknown) => plainRecord(value, p.report);
  return {
    track: guarded((name: string, properties?: Record<string, unknown>) => {
      if (typeof name !== 'string' || !name) return p.error('track(name) needs a non-empty string name');
      p.intake.capture('track', { name, properties: props(properties) });
    }, undefined),
    page: guarded((properties?: Record<string, unknown>) => {
      p.intake.capture('page_view', { properties: props(properties) });
    }, undefined),
    identify: guarded((userId: string, traits?: Record<string, unknown>) => {
      if (typeof userId !== 'string' || !userId) return p.error('identify(userId) needs a non-empty string');
      p.identity.update({ userId });
      p.identity.save();
      p.intake.capture('identify', { traits: props(traits) });
    }, undefined),
    reset: guarded(() => {
      p.intake.process(true);
      p.identity.reset();
      p.forgetJourney();
    }, undefined),
    journey: guarded(() => p.journey.get(), { stage: null, furthest: null, history: [] }),
    on: guarded((type: 'stage', listener: (change: StageChange) => void) => {
      if (type !== 'stage' || typeof listener !== 'function') {
        p.error(`on("${String(type)}") is not supported; use on("stage", listener)`);
        return () => {};
      }
      p.listeners.add(listener);
      return () => void p.listeners.delete(listener);
    }, () => {}),
    flush: guarded(() => {
      p.intake.process(true);
      return p.queue.flush(true).catch(() => {});
    }, Promise.resolve()),
    optOut: guarded(() => p.consent.choose('out'), undefined),
    optIn: guarded(() => p.consent.choose('in'), undefined),
    stats: guarded(() => {
      const stats = p.queue.stats();
      const byPlugins = p.droppedBeforeQueue();
      if (byPlugins) stats.dropped.before_send = (stats.dropped.before_send ?? 0) + byPlugins;
      return stats;
    }, EMPTY_STATS),
    shutdown: () => p.shutdown().catch((err) => console.error('[waymark]', err)),
  };
}
