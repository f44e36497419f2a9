/**
 * The one owner of this tab's queued events: each event's state (queued →
 * sending → done or dropped), whether its IndexedDB write completed, the
 * counters, and the store writes and deletes, which run in order.
 */
import { utf8Bytes } from '../lib/plain';
import type { KV } from '../storage';
import type { WaymarkEvent } from '../types';
import { unspill } from './exit';
import type { DropReason } from './retry';
import type { EventStore, Rec } from './store';

/** The largest event kept, in bytes on the wire; a larger one is dropped as `too_large` when queued. */
export const MAX_EVENT_BYTES = 32000;
/** Keys of settled events remembered so a stale store listing never brings them back. */
const TOMBSTONES_MAX = 20000;

/** One event's life. `durable` once its IndexedDB write completed. */
export interface Entry {
  rec: Rec;
  state: 'queued' | 'sending' | 'done' | 'dropped';
  durable: boolean;
  /** Size on the wire, measured once. */
  bytes: number;
  /** Whether this tab queued it (others' events are only borrowed from the store while sending). */
  own: boolean;
}

/** Measure an event once; one that cannot be encoded or is too large never enters the queue. */
export function admit(event: WaymarkEvent, createdAt: number, attempts = 0): Entry | DropReason {
  let bytes: number;
  try {
    bytes = utf8Bytes(JSON.stringify(event));
  } catch {
    return 'unencodable';
  }
  if (bytes > MAX_EVENT_BYTES) return 'too_large';
  return { rec: { key: event.id, event, createdAt, attempts }, state: 'queued', durable: false, bytes, own: true };
}

export interface EntriesDeps {
  store: EventStore;
  kv: KV;
  /** Whether events may be written (consent `on`). */
  storing(): boolean;
  debug(msg: string, data?: unknown): void;
  /** Tell other tabs that keys they own were settled here. */
  broadcast?(msg: { q: 'done'; k: string[] }): void;
}

export type Entries = ReturnType<typeof createEntries>;

/** Create the owner of this tab's events. */
export function createEntries(d: EntriesDeps) {
  const map = new Map<string, Entry>();
  // Settled this page: a store listing taken before their delete may still hold them, so they are
  // never taken from one again (the newest TOMBSTONES_MAX kept).
  const tombstones = new Set<string>();
  const undeleted = new Set<string>(); // settled, store delete not yet confirmed: the next page must skip them
  const writing = new Set<Entry>(); // IndexedDB write under way
  const counts = { delivered: 0, retried: 0, dropped: {} as Record<string, number> };
  let io: Promise<unknown> = Promise.resolve();
  const all = () => [...map.values()];

  /** Store writes and deletes run one after another (a delete never overtakes its put). */
  const storeOp = (op: () => Promise<void>) => (io = io.then(op).catch((err) => d.debug('storage failed', err)));
  // Read when the write runs, not when it was asked for: a write must never bring back an event
  // settled meanwhile (delivered, dropped or handed over at exit).
  const unsettled = (list: Entry[]) => list.filter((e) => e.state === 'queued' || e.state === 'sending').map((e) => e.rec);

  /** An event's life ends: counted, deleted from the store, and kept from coming back until it is. */
  function settle(list: Entry[], state: 'done' | 'dropped', reason?: DropReason) {
    if (!list.length) return;
    const keys = list.map((e) => e.rec.key);
    for (const entry of list) {
      entry.state = state;
      map.delete(entry.rec.key);
    }
    remember(keys);
    // Only what was (or is being) written needs deleting: a burst trimmed before it was stored costs nothing.
    const stored = list.filter((e) => e.durable || writing.has(e) || e.rec.attempts > 0).map((e) => e.rec.key);
    if (stored.length) storeOp(() => d.store.del(stored).then(() => stored.forEach((k) => undeleted.delete(k))));
    else keys.forEach((k) => undeleted.delete(k));
    unspill(d.kv, new Set(keys));
    // Another tab's events settled here (e.g. too old): their owner must not send them at exit.
    if (list.some((e) => !e.own)) d.broadcast?.({ q: 'done', k: keys });
    if (state === 'done') counts.delivered += list.length;
    else {
      counts.dropped[reason!] = (counts.dropped[reason!] ?? 0) + list.length;
      d.debug(`dropped ${list.length}: ${reason}`, keys);
    }
  }

  function remember(keys: string[]) {
    for (const k of keys) tombstones.add(k), undeleted.add(k);
    for (const k of tombstones) {
      if (tombstones.size <= TOMBSTONES_MAX) break;
      tombstones.delete(k);
    }
  }

  /** Write this tab's events that are not written yet: one transaction per batch, not per event. */
  function persist() {
    if (!d.storing()) return;
    const fresh = all().filter((e) => e.own && !e.durable && !writing.has(e));
    if (!fresh.length) return;
    fresh.forEach((e) => writing.add(e));
    storeOp(() => d.store.put(unsettled(fresh)).then(() => fresh.forEach((e) => (e.durable = map.get(e.rec.key) === e)))).then(() =>
      fresh.forEach((e) => writing.delete(e)),
    );
  }

  /** Bound what this tab holds: the oldest go first (the newest tell the current journey). */
  function trim(maxEvents: number) {
    const over: Entry[] = [];
    for (const entry of map.values()) {
      if (map.size - over.length <= maxEvents) break;
      if (entry.state === 'queued') over.push(entry);
    }
    settle(over, 'dropped', 'queue_full');
  }

  return {
    map,
    /** This tab's events in the order queued (a copy: settling some while going through it is safe). */
    all,
    counts,
    settle,
    persist,
    trim,
    /** Whether the key was settled here (a stale store listing may still hold it). */
    settled: (key: string) => tombstones.has(key),
    /** Settled keys whose store delete is not confirmed: the next page load must not send them. */
    undeleted: () => [...undeleted],
    /**
     * An event refused before it was queued (consent, or measured at the door): counted as dropped.
     * Another tab's record was read from the store, so it is durable (and deleted); this tab's never was written.
     */
    refuse(rec: Rec, reason: DropReason, own: boolean) {
      settle([{ rec, state: 'queued', durable: !own, bytes: 0, own }], 'dropped', reason);
    },
    /** A failed attempt: counted, and the new attempt count written. */
    retried(list: Entry[]) {
      counts.retried += list.length;
      for (const e of list) e.rec.attempts++;
      storeOp(() => d.store.put(unsettled(list)));
    },
    del: (keys: string[]) => storeOp(() => d.store.del(keys)),
    /** Settled by another tab, which read it from the store: not ours to send any more. */
    forgetTakenElsewhere(key: string) {
      const entry = map.get(key);
      if (entry && (entry.durable || writing.has(entry))) map.delete(key);
    },
    /** The store now answers from memory: what this tab wrote to IndexedDB is written there again. */
    rehome() {
      for (const e of map.values()) e.durable = false;
      writing.clear();
      persist();
    },
    /** Resolves once the store operations asked for so far have run. */
    idle: () => io,
  };
}
