import type { Consent } from '../consent';
import { createIdbStore, createMemoryStore, type EventStore } from './store';

/**
 * The store the queue talks to: IndexedDB (opened only once tracking is on)
 * while consent is `on`, memory otherwise. `onFallback` is told once when
 * IndexedDB turns out to be unusable.
 */
export function createRoutedStore(consent: Consent, injected: EventStore | undefined, onFallback: (err: unknown) => void): EventStore {
  const memory = createMemoryStore();
  let durable: EventStore | undefined;
  const target = (): EventStore => (consent.mode() === 'on' ? (durable ??= injected ?? createIdbStore(onFallback)) : memory);
  return {
    mode: () => target().mode(),
    put: (recs) => target().put(recs),
    all: () => target().all(),
    del: (keys) => target().del(keys),
    clear: () => Promise.all([memory.clear(), durable?.clear()]).then(() => {}),
    getMeta: (key) => target().getMeta(key),
    setMeta: (key, value) => target().setMeta(key, value),
  };
}
