import type { KV } from './storage';

/** `on`: capture, store and send. `held`: capture into memory only (consent pending). `off`: nothing at all. */
export type ConsentMode = 'on' | 'held' | 'off';

/** The one owner of consent: everything else asks it or subscribes. */
export interface Consent {
  mode(): ConsentMode;
  /** The visitor's explicit choice: persisted, and told to every subscriber. */
  choose(choice: 'in' | 'out'): void;
  /** Called with each new mode; returns the unsubscribe function. */
  subscribe(listener: (mode: ConsentMode) => void): () => void;
}

/**
 * Create the consent owner. An explicit choice wins; without one, GPC/DNT
 * (`signalled`) turn tracking off and `requireConsent` holds it.
 * While not `on`, the key-value storage writes nothing to localStorage.
 */
export function createConsent(kv: KV, signalled: boolean, requireConsent: boolean): Consent {
  const stored = kv.get<string>('consent');
  let mode: ConsentMode = stored === 'in' ? 'on' : stored === 'out' || signalled ? 'off' : requireConsent ? 'held' : 'on';
  const listeners = new Set<(mode: ConsentMode) => void>();
  kv.persist(mode === 'on');
  return {
    mode: () => mode,
    choose(choice) {
      const next: ConsentMode = choice === 'in' ? 'on' : 'off';
      // The choice itself is always written; after an opt-out nothing else is.
      kv.persist(true);
      kv.set('consent', choice);
      kv.persist(next === 'on');
      if (next === mode) return;
      mode = next;
      for (const listener of listeners) listener(mode);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
