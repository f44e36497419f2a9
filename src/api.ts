/** The public methods of a running tracker: thin, guarded calls into the modules that own the state. */
import type { Consent } from './consent';
import type { Queue } from './delivery/queue';
import type { Identity } from './identity';
import type { Intake } from './intake';
import type { JourneyStore } from './journey/state';
import { guarded } from './lib/guard';
import { plainRecord, type Report } from './lib/plain';
import { noJourney, noStats } from './noop';
import type { StageChange, Tracker } from './types';

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

const isName = (v: unknown): v is string => !!v && typeof v == 'string';

/** Build the tracker object. No method throws into the page. */
export function createApi(p: ApiParts): Tracker {
  const props = (value: unknown) => plainRecord(value, p.report);
  const { intake, identity, listeners } = p;
  return {
    track: guarded((name: string, properties?: Record<string, unknown>) => {
      if (!isName(name)) return p.error('track(name) needs a non-empty string');
      intake.capture('track', { name, properties: props(properties) });
    }),
    page: guarded((properties?: Record<string, unknown>) => {
      intake.capture('page_view', { properties: props(properties) });
    }),
    identify: guarded((userId: string, traits?: Record<string, unknown>) => {
      if (!isName(userId)) return p.error('identify(userId) needs a non-empty string');
      identity.update({ userId });
      identity.save();
      intake.capture('identify', { traits: props(traits) });
    }),
    reset: guarded(() => {
      intake.process(true);
      identity.reset();
      p.forgetJourney();
    }),
    journey: guarded(() => p.journey.get(), noJourney()),
    on: guarded(
      (type: 'stage', listener: (change: StageChange) => void) => {
        if (type !== 'stage' || typeof listener != 'function') {
          p.error(`on("${String(type)}") is not supported; use on("stage", listener)`);
          return () => {};
        }
        listeners.add(listener);
        return () => void listeners.delete(listener);
      },
      () => {},
    ),
    flush: guarded(() => {
      intake.process(true);
      return p.queue.flush(true).catch(() => {});
    }, Promise.resolve()),
    optOut: guarded(() => p.consent.choose('out')),
    optIn: guarded(() => p.consent.choose('in')),
    stats: guarded(() => {
      const stats = p.queue.stats();
      const byPlugins = p.droppedBeforeQueue();
      if (byPlugins) stats.dropped.before_send = (stats.dropped.before_send ?? 0) + byPlugins;
      return stats;
    }, noStats()),
    shutdown: () => p.shutdown().catch((err) => console.error('[waymark]', err)),
  };
}
