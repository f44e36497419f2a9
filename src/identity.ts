import type { KV } from './storage';
import { uid } from './storage';
import type { Touch } from './types';

/** Inactivity after which a new session starts (30 minutes). */
export const SESSION_TIMEOUT_MS = 30 * 60 * 1000;

/** Who the visitor is: persisted under `waymark:v1:id`. */
export interface IdentityState {
  anonymousId: string;
  userId?: string;
  traits?: Record<string, unknown>;
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
  /** Re-read after another tab changed it. */
  reload(): void;
}

/** Create the identity over `kv`. */
export function createIdentity(kv: KV, now: () => number): Identity {
  const fresh = (): IdentityState => ({ anonymousId: uid(), sessionId: uid(), last: now(), seq: 0 });
  const load = (): IdentityState => {
    const s = kv.get<IdentityState>('id');
    return s && typeof s.anonymousId === 'string' && typeof s.sessionId === 'string' ? s : fresh();
  };
  let state = load();
  let dirty = !kv.get('id');
  return {
    sync() {
      // Another tab may have moved the session on (or reset it): take the newer state.
      const stored = kv.get<IdentityState>('id');
      if (stored && typeof stored.anonymousId === 'string' && stored.last > state.last)
        state = { ...stored, seq: stored.anonymousId === state.anonymousId ? Math.max(stored.seq, state.seq) : stored.seq };
    },
    tick(at) {
      let newSession = false;
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
    reload() {
      state = load();
    },
  };
}
