import type { KV } from './storage';
import { uid } from './storage';
import type { Touch } from './types';

/** Inactivity after which a new session starts (30 minutes). */
export const SESSION_TIMEOUT_MS = 30 * 60 * 1000;

/** Who the visitor is: persisted under `waymark:v1:id`. */
export interface IdentityState {
  anonymousId: string;
  userId?: string;
  sessionId: string;
  /** Last activity, ms. */
  last: number;
  /** Next sequence number in this session. */
  seq: number;
  firstTouch?: Touch;
  lastTouch?: Touch;
}

/** Identity: anonymous id, user id and the 30-minute session, shared by tabs through localStorage. */
export interface Identity {
  /** Take another tab's newer state; called once per batch of events, not per event. */
  sync(): void;
  /** The state for an event at `at` (ms): rolls the session over after inactivity; `newSession` tells. */
  tick(at: number): { state: IdentityState; newSession: boolean };
  current(): IdentityState;
  update(patch: Partial<IdentityState>): void;
  /** Write the state (called once per processed batch, not per event). */
  save(): void;
  /** Forget everything and start a new visitor. */
  reset(): void;
}

/** Clock skew between tabs tolerated before a stored time counts as "from the future". */
const SKEW_MS = 60000;

/** Create the identity over `kv`. */
export function createIdentity(kv: KV, now: () => number): Identity {
  const fresh = (): IdentityState => ({ anonymousId: uid(), sessionId: uid(), last: now(), seq: 0 });
  const load = (): IdentityState => {
    const s = kv.get<IdentityState & { traits?: unknown }>('id');
    if (!s || typeof s.anonymousId !== 'string' || typeof s.sessionId !== 'string') return fresh();
    // Traits were once stored here; nothing reads them back, so they are not kept.
    delete s.traits;
    // A last-activity time from the future (the clock was set back, or was wrong once) would keep
    // the session alive for ever: it is not trusted.
    if (!(s.last <= now() + SKEW_MS)) s.last = now();
    return s;
  };
  let state = load();
  let dirty = !kv.get('id');
  return {
    sync() {
      // Another tab may have moved the session on (or reset it): take the newer state.
      const stored = kv.get<IdentityState>('id');
      if (stored && typeof stored.anonymousId === 'string' && stored.last > state.last && stored.last <= now() + SKEW_MS)
        state = { ...stored, seq: stored.anonymousId === state.anonymousId ? Math.max(stored.seq, state.seq) : stored.seq };
    },
    tick(at) {
      let newSession = false;
      if (state.last > at + SKEW_MS) state.last = at; // the clock went back: inactivity counts from now
      if (at - state.last > SESSION_TIMEOUT_MS) {
        state = { ...state, sessionId: uid(), seq: 0 };
        newSession = true;
      }
      state.last = Math.max(state.last, at);
      state.seq++;
      dirty = true;
      return { state, newSession };
    },
    current: () => state,
    update(patch) {
      state = { ...state, ...patch };
      dirty = true;
    },
    save() {
      if (dirty) kv.set('id', state);
      dirty = false;
    },
    reset() {
      state = fresh();
      kv.set('id', state);
      dirty = false;
    },
  };
}
