import type { EventStore } from '../delivery/store';
import type { KV } from '../storage';
import type { Tabs } from '../tabs';
import { createJourney, type JourneyState, type JourneyStore } from './state';

/** The visitor's journey, persisted (IndexedDB + a synchronous localStorage mirror) and shared with other tabs. */
export interface SharedJourney {
  journey: JourneyStore;
  /** Take IndexedDB's copy when it is newer than the mirror's (call once tracking is on). */
  load(): void;
  /** Forget the journey everywhere: memory, storage, other tabs. */
  forget(): void;
  /** Write the current journey to IndexedDB (after consent was given). */
  save(): void;
}

export function createSharedJourney(order: string[], kv: KV, store: EventStore, tabs: Tabs, durable: () => boolean, now: () => number): SharedJourney {
  const journey = createJourney(order, (s) => {
    if (durable()) void store.setMeta('journey', s);
    // Mirrored synchronously: an IndexedDB write started while the page unloads may never finish,
    // and the next page answers journey() from the mirror before IndexedDB has opened.
    kv.set('journey', s);
    tabs.post({ j: s });
  });
  journey.adopt(kv.get('journey'));
  return {
    journey,
    load: () => void store.getMeta<JourneyState>('journey').then((s) => journey.adopt(s), () => {}),
    forget() {
      journey.reset();
      if (durable()) void store.setMeta('journey', null);
      kv.remove('journey');
      tabs.post({ j: { stage: null, furthest: null, history: [], v: now() } });
    },
    save: () => void (durable() && store.setMeta('journey', { ...journey.get(), v: now() })),
  };
}
