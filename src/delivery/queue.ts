import { utf8Bytes } from '../lib/plain';
import type { KV } from '../storage';
import type { Stats, WaymarkEvent } from '../types';
import { nextBatch } from './batcher';
import { handOver, ledgerKeys, recordHanded, spill, takeSpill, unledger, unspill } from './exit';
import { withSendLock } from './lock';
import { judge, type DropReason } from './retry';
import type { EventStore, Rec } from './store';
import { KEEPALIVE_BUDGET, type Transport } from './transport';

/** The largest event kept, in bytes on the wire; a larger one is dropped as `too_large` when queued. */
export const MAX_EVENT_BYTES = 32000;
/** Keys of settled events remembered so a stale store listing never brings them back. */
const TOMBSTONES_MAX = 20000;
/** How long a send may wait for the store's list of queued events before it goes on with this tab's own. */
export const STORE_LIST_MS = 1000;

/** What the queue needs; everything a test must fake is injected. */
export interface QueueDeps {
  store: EventStore;
  kv: KV;
  transport: Transport;
  /** Wall clock (ms): timestamps and ages. */
  now: () => number;
  /** Monotonic clock (ms) for delays, immune to the wall clock jumping. @default performance.now */
  monotonic?: () => number;
  random: () => number;
  tab: string;
  endpoint: string;
  headers?: Record<string, string>;
  batch: { size: number; intervalMs: number; maxBytes: number };
  retry: { baseDelayMs: number; maxDelayMs: number; maxAgeMs: number; timeoutMs?: number };
  maxEvents: number;
  /** Serialise a batch for the wire. */
  encode: (events: WaymarkEvent[], sentAt: string) => string;
  debug: (msg: string, data?: unknown) => void;
  /** Called with the events of each accepted batch. */
  afterSend?: (events: WaymarkEvent[]) => void;
  /** Tell the other tabs which keys are in flight and done. */
  broadcast?: (msg: QueueMessage) => void;
}

/** Messages between tabs about events in flight, so a leaving tab never beacons what another tab is sending. */
export type QueueMessage = { q: 'inflight' | 'done'; k: string[] };

/** The durable, batched, multi-tab queue. */
export interface Queue {
  /** Queue finished events (synchronous; storage and sending follow). */
  add(events: WaymarkEvent[]): void;
  /** Send everything queued now (ignores backoff); settles when empty, a send failed, or at the latest after 2 × the send timeout. */
  flush(force?: boolean): Promise<void>;
  /** Page is being left: hand what fits in the keepalive budget to the browser, synchronously. */
  exit(): void;
  /** Start-up: take back what a previous page spilled, forget what it handed over, send what was left. */
  start(): Promise<void>;
  /** `held`: keep in memory, no storage, no sending. `off`: drop everything. `on`: normal. */
  setMode(mode: 'on' | 'held' | 'off'): Promise<void>;
  /** The store fell back to memory: write this tab's events there again. */
  rehome(): void;
  /** Another tab's message. */
  receive(msg: QueueMessage): void;
  stats(): Stats;
  stop(): void;
}

/**
 * One event's life: `queued` → `sending` → `done` or `dropped` (the last two
 * leave the queue and are counted). `durable` once its IndexedDB write completed.
 */
interface Entry {
  rec: Rec;
  state: 'queued' | 'sending' | 'done' | 'dropped';
  durable: boolean;
  /** Size on the wire, measured once. */
  bytes: number;
  /** Whether this tab queued it (others' events are only borrowed from the store while sending). */
  own: boolean;
}

const now2 = () => (typeof performance === 'undefined' ? Date.now() : performance.now());

/** Create the queue. */
export function createQueue(d: QueueDeps): Queue {
  const mono = d.monotonic ?? now2;
  const timeoutMs = d.retry.timeoutMs ?? 10000;
  // Every request stays within the keepalive budget, so one in flight when the page goes still arrives.
  const maxBody = Math.min(d.batch.maxBytes, KEEPALIVE_BUDGET);
  // While the page lives, a request takes at most half the budget: the other half is always free
  // for the page's own events when it is left (an earlier page's backlog may be in flight then).
  const maxLiveBody = Math.min(maxBody, KEEPALIVE_BUDGET / 2);
  const entries = new Map<string, Entry>(); // this tab's events until done or dropped
  const othersSending = new Set<string>();
  // Settled this page (delivered, dropped or handed over): a store listing taken before their delete
  // may still hold them, so they are never taken from one again (the newest TOMBSTONES_MAX kept).
  const tombstones = new Set<string>();
  const undeleted = new Set<string>(); // settled, store delete not yet confirmed: the next page must skip them
  const strikes = new Map<string, number>(); // see retry.ts LARGE_EVENT_STRIKES
  const counts = { delivered: 0, retried: 0, dropped: {} as Record<string, number> };
  let mode: 'on' | 'held' | 'off' = 'on';
  let stopped = false;
  let failures = 0;
  let lastSuccessAt = -1; // monotonic
  let backoffUntil = 0; // monotonic
  let awayUntil = 0; // monotonic: exit() ran, no timer-driven sends for a moment
  let exits = 0;
  let flushing: Promise<void> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerAt = 0;
  let io: Promise<unknown> = Promise.resolve(); // store writes and deletes, in order
  let inFlight: Entry[] = []; // the batch of the request under way
  let drainExits = 0; // `exits` when the running drain began
  const active = () => mode === 'on' && !stopped;

  /** Store writes and deletes run one after another (a delete never overtakes its put). */
  const storeOp = (op: () => Promise<void>) => (io = io.then(op).catch((err) => d.debug('storage failed', err)));

  /** An event's life ends: counted, deleted from the store, and kept from coming back until it is. */
  function settle(list: Entry[], state: 'done' | 'dropped', reason?: DropReason) {
    if (!list.length) return;
    const keys = list.map((e) => e.rec.key);
    for (const entry of list) {
      entry.state = state;
      entries.delete(entry.rec.key);
    }
    for (const k of keys) tombstones.add(k), undeleted.add(k);
    for (const k of tombstones) {
      if (tombstones.size <= TOMBSTONES_MAX) break;
      tombstones.delete(k);
    }
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
      d.debug(`dropped ${list.length} event(s): ${reason}`, list.map((e) => e.rec.key));
    }
  }

  const writing = new Set<Entry>(); // entries whose IndexedDB write is under way
  // Read when the write runs, not when it was asked for: a write must never bring back an event
  // settled meanwhile (delivered, dropped or handed over at exit).
  const unsettled = (list: Entry[]) => list.filter((e) => e.state === 'queued' || e.state === 'sending').map((e) => e.rec);
  function persist() {
    if (mode !== 'on') return;
    const fresh = [...entries.values()].filter((e) => e.own && !e.durable && !writing.has(e));
    if (!fresh.length) return;
    fresh.forEach((e) => writing.add(e));
    // One transaction per batch of events, not one per event.
    storeOp(() =>
      d.store.put(unsettled(fresh)).then(
        () => fresh.forEach((e) => (e.durable = entries.get(e.rec.key) === e)),
      ),
    ).then(() => fresh.forEach((e) => writing.delete(e)));
  }

  function schedule(ms: number) {
    if (!active()) return;
    const at = mono() + Math.max(0, ms);
    // An earlier deadline wins (e.g. start-up's quick send over the batch interval).
    if (timer) {
      if (timerAt <= at) return;
      clearTimeout(timer);
    }
    timerAt = at;
    timer = setTimeout(() => {
      timer = undefined;
      void flush(false);
    }, Math.max(0, ms));
  }

  /** Measure an event once; one that cannot be encoded or is too large never enters the queue. */
  function admit(event: WaymarkEvent, createdAt: number): Entry | DropReason {
    let bytes: number;
    try {
      bytes = utf8Bytes(JSON.stringify(event));
    } catch {
      return 'unencodable';
    }
    if (bytes > MAX_EVENT_BYTES) return 'too_large';
    return { rec: { key: event.id, event, createdAt, attempts: 0 }, state: 'queued', durable: false, bytes, own: true };
  }

  function add(events: WaymarkEvent[]) {
    awayUntil = 0;
    const createdAt = d.now();
    for (const event of events) {
      const entry = admit(event, createdAt);
      const refused = mode === 'off' || stopped ? 'opted_out' : typeof entry === 'string' ? entry : undefined;
      if (refused) settle([{ rec: { key: event.id, event, createdAt, attempts: 0 }, state: 'queued', durable: false, bytes: 0, own: true }], 'dropped', refused);
      else entries.set(event.id, entry as Entry);
    }
    trim();
    if (!active()) return;
    persist();
    if (entries.size >= d.batch.size) queueMicrotask(() => void flush(false, exits, true));
    else schedule(d.batch.intervalMs);
  }

  /** Bound what this tab holds: the oldest go first (the newest tell the current journey). */
  function trim() {
    const over: Entry[] = [];
    for (const entry of entries.values()) {
      if (entries.size - over.length <= d.maxEvents) break;
      if (entry.state === 'queued') over.push(entry);
    }
    if (!over.length) return;
    settle(over, 'dropped', 'queue_full');
  }

  /** The store's list of queued events, or undefined when the store is slow or broken. */
  function listStore(): Promise<Rec[] | undefined> {
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(undefined), STORE_LIST_MS);
      d.store.all().then(
        (recs) => (clearTimeout(t), resolve(recs)),
        () => (clearTimeout(t), resolve(undefined)),
      );
    });
  }

  /** What to send next: this tab's events, and what the shared store holds from other tabs and earlier pages. */
  async function candidates(): Promise<Entry[]> {
    // Durable before the listing was asked for: the listing must hold it unless another tab took it.
    const wasDurable = new Set([...entries.values()].filter((e) => e.durable));
    const listing = await listStore();
    const handed = ledgerKeys(d.kv);
    const free = (key: string) => !othersSending.has(key) && !handed.has(key) && !tombstones.has(key);
    const own = [...entries.values()].filter((e) => e.state === 'queued' && free(e.rec.key));
    if (!listing) return own; // the store is slow or broken: this tab's events go out all the same
    const listed = new Set(listing.map((r) => r.key));
    const takenElsewhere = (e: Entry) => wasDurable.has(e) && !listed.has(e.rec.key);
    // A durable event missing from the store was delivered (or dropped) by another tab.
    for (const e of own) if (takenElsewhere(e)) entries.delete(e.rec.key);
    const borrowed = listing.filter((r) => !entries.has(r.key) && free(r.key)).map(borrow);
    const all = own.filter((e) => !takenElsewhere(e)).concat(borrowed.filter((e): e is Entry => !!e));
    return all.sort((a, b) => a.rec.createdAt - b.rec.createdAt || a.rec.event.seq - b.rec.event.seq);
  }

  /** Another tab's (or an earlier page's) stored event, sent by this tab while it holds the send lock. */
  function borrow(rec: Rec): Entry | undefined {
    // A creation time from the future (clock set back) is not trusted: it would never expire.
    const r = { ...rec, createdAt: Math.min(rec.createdAt, d.now()) };
    const entry = admit(r.event, r.createdAt);
    if (typeof entry !== 'string') return { ...entry, rec: r, durable: true, own: false };
    settle([{ rec: r, state: 'queued', durable: true, bytes: 0, own: false }], 'dropped', entry);
    return undefined;
  }

  /** Drop what is too old or over the bound; returns the rest. */
  function expire(list: Entry[]): Entry[] {
    const oldest = d.now() - d.retry.maxAgeMs;
    const old = list.filter((e) => e.rec.createdAt < oldest);
    const over = list.length - old.length - d.maxEvents;
    const full = over > 0 ? list.filter((e) => e.rec.createdAt >= oldest).slice(0, over) : [];
    for (const [gone, reason] of [[old, 'too_old'], [full, 'queue_full']] as const) {
      if (!gone.length) continue;
      settle(gone, 'dropped', reason);
    }
    return old.length || full.length ? list.filter((e) => e.state === 'queued') : list;
  }

  function encode(batch: Entry[]): string {
    return d.encode(batch.map((e) => ({ ...e.rec.event, attempt: e.rec.attempts + 1 })), new Date(d.now()).toISOString());
  }

  /** Send one batch; true when the drain may go on. */
  async function send(batch: Entry[]): Promise<boolean> {
    // Once exit() handed the queue to the browser, a new request would send those events again.
    if (!active() || exits !== drainExits) return false;
    let body: string;
    try {
      body = encode(batch);
    } catch {
      // A plugin or format that throws on one event must not hold up the others.
      settle(batch.filter((e) => !encodes(e)), 'dropped', 'unencodable');
      return true;
    }
    const bytes = utf8Bytes(body);
    const keys = batch.map((e) => e.rec.key);
    batch.forEach((e) => (e.state = 'sending'));
    inFlight = batch;
    d.broadcast?.({ q: 'inflight', k: keys });
    const lent = lend(batch);
    // Bounded here too: an injected transport (or a fetch wrapper) that never settles must not hold the lock.
    const res = await settleWithin(
      d.transport.send(d.endpoint, body, { keepalive: bytes <= KEEPALIVE_BUDGET, headers: d.headers, timeoutMs }),
      timeoutMs,
      { status: 0 },
    );
    inFlight = [];
    if (lent) d.kv.remove('lent');
    d.broadcast?.({ q: 'done', k: keys });
    if (exitedDuring(batch)) return false;
    batch.forEach((e) => (e.state = 'queued'));
    const lone = batch.length === 1 ? keys[0]! : undefined;
    // A lone event dying with a network error while the collector accepts other requests: a strike.
    if (lone && res.status === 0 && lastSuccessAt >= 0) strikes.set(lone, (strikes.get(lone) ?? 0) + 1);
    const verdict = judge(
      { ...res, count: batch.length, bytes, failures: failures + 1, strikes: lone ? strikes.get(lone) : undefined },
      d.retry,
      d.random(),
    );
    if (verdict.action === 'delivered') return delivered(batch);
    if (verdict.action === 'split') {
      const half = Math.ceil(batch.length / 2);
      // Both halves go: a bad event in one must not hold up the other.
      const first = await send(batch.slice(0, half));
      return (await send(batch.slice(half))) && first;
    }
    if (verdict.action === 'drop') {
      settle(batch, 'dropped', verdict.reason);
      if (verdict.reason === 'rejected') d.debug(`collector rejected a batch with ${res.status}`);
      return true;
    }
    return retryLater(batch, verdict.delayMs, res.status);
  }

  const encodes = (e: Entry) => {
    try {
      encode([e]);
      return true;
    } catch {
      return false;
    }
  };
  /**
   * Other tabs' events in this request are also marked in localStorage: a tab leaving right now
   * reads it synchronously (a BroadcastChannel message may not have reached it yet) and does not
   * beacon them too.
   */
  function lend(batch: Entry[]): boolean {
    const borrowed = batch.filter((e) => !e.own).map((e) => e.rec.key);
    if (borrowed.length) d.kv.set('lent', { keys: borrowed, until: d.now() + timeoutMs });
    return borrowed.length > 0;
  }
  const lentElsewhere = (): Set<string> => {
    const lent = d.kv.get<{ keys?: unknown; until?: number }>('lent');
    const fresh = lent && Array.isArray(lent.keys) && typeof lent.until === 'number' && lent.until > d.now() && lent.until <= d.now() + timeoutMs;
    return new Set(fresh ? (lent.keys as string[]) : []);
  };
  /** exit() handed the page to the browser while this request was out: its events count as handed over. */
  const exitedDuring = (batch: Entry[]) => batch.some((e) => e.state !== 'sending');

  function delivered(batch: Entry[]): boolean {
    settle(batch, 'done');
    failures = 0;
    lastSuccessAt = mono();
    if (d.kv.get('down')) d.kv.remove('down');
    try {
      d.afterSend?.(batch.map((e) => e.rec.event));
    } catch {
      /* isolated */
    }
    return true;
  }

  function retryLater(batch: Entry[], delayMs: number, status: number): boolean {
    counts.retried += batch.length;
    failures++;
    // Remembered across page loads: a beacon to a collector known to be down would be lost.
    d.kv.set('down', d.now());
    for (const e of batch) e.rec.attempts++;
    storeOp(() => d.store.put(unsettled(batch)));
    backoffUntil = mono() + delayMs;
    d.debug(`send failed (${status || 'network'}); retrying ${batch.length} event(s) in ${Math.round(delayMs)} ms`);
    schedule(delayMs);
    return false;
  }

  /** Send until the queue is empty or a send fails; `askedAt` is `exits` when the flush was asked for. */
  /** `fullOnly`: sent because `batch.size` events waited: stop at a partial batch, the interval sends it. */
  async function drain(askedAt: number, fullOnly: boolean): Promise<void> {
    // A drain asked for before the page was left must not start new requests after exit() handed
    // the queue to the browser: the next page would send those events again.
    const leftAt = (drainExits = askedAt);
    for (;;) {
      if (!active() || exits !== leftAt) return;
      const queued = expire(await candidates());
      if (!queued.length || !active() || exits !== leftAt) return;
      if (fullOnly && queued.length < d.batch.size) return schedule(d.batch.intervalMs);
      if (!(await send(nextBatch(queued, d.batch.size, maxLiveBody)))) return;
    }
  }

  function flush(force: boolean, askedAt = exits, fullOnly = false): Promise<void> {
    if (!active() || askedAt !== exits) return Promise.resolve();
    if (force) awayUntil = 0;
    else if (mono() < awayUntil) {
      // A send started now could duplicate what exit() handed over; if the page lives on, try again shortly.
      schedule(awayUntil - mono());
      return Promise.resolve();
    }
    if (flushing) return bounded(force ? flushing.then(() => flush(true, askedAt)) : flushing, 2 * timeoutMs);
    const nav = (globalThis as { navigator?: Navigator }).navigator;
    if (nav && nav.onLine === false) return Promise.resolve(); // the `online` event resumes
    if (!force && mono() < backoffUntil) {
      schedule(backoffUntil - mono());
      return Promise.resolve();
    }
    if (timer) clearTimeout(timer), (timer = undefined);
    const run = withSendLock(d.kv, d.tab, d.now, () => drain(askedAt, fullOnly && !force), timeoutMs)
      .then((ran) => void (ran || schedule(d.batch.intervalMs)))
      .catch((err) => d.debug('flush failed', err))
      .finally(() => {
        flushing = undefined;
        if (entries.size && mono() >= backoffUntil) schedule(d.batch.intervalMs);
      });
    flushing = run;
    return bounded(run, 2 * timeoutMs);
  }

  function exit() {
    if (!active()) return;
    exits++;
    awayUntil = mono() + 2000;
    // Requests in flight are keepalive: they outlive the page and count as handed over.
    const handed: Entry[] = inFlight;
    settle(handed, 'done');
    const own = [...entries.values()];
    // Offline, or the collector failing right now: a beacon would be lost with nobody to retry it.
    // Keep the events stored for the next page load; with memory storage a beacon is the better bet.
    const nav = (globalThis as { navigator?: Navigator }).navigator;
    const failing = (failures > 0 || !!d.kv.get('down') || nav?.onLine === false) && d.store.mode() !== 'memory';
    const lent = lentElsewhere();
    const todo = own.filter((e) => e.state === 'queued' && !othersSending.has(e.rec.key) && !lent.has(e.rec.key));
    if (!failing) beaconAll(todo, KEEPALIVE_BUDGET - handed.reduce((sum, e) => sum + e.bytes, 0));
    recordHanded(d.kv, [...undeleted], d.now(), d.retry.maxAgeMs);
    // What is left stays stored for the next page load. An IndexedDB write started now may not
    // finish before the page is gone, so what is not yet durable is also spilled to localStorage.
    persist();
    // With memory storage (IndexedDB broken) everything left is spilled: it would die with the page.
    spill(d.kv, [...entries.values()].filter((e) => !e.durable || d.store.mode() === 'memory').map((e) => e.rec));
  }

  /** Beacon what fits in `budget`; an event the wire format cannot encode is dropped, not a reason to stop. */
  function beaconAll(todo: Entry[], budget: number) {
    const tryEncode = (chunk: Entry[]) => {
      try {
        return encode(chunk);
      } catch {
        return undefined;
      }
    };
    let rest = todo;
    while (rest.length && budget > 0) {
      const limits = { budget, maxBytes: maxBody, size: Math.max(d.batch.size, 100) };
      const { handed, used } = handOver(rest, limits, tryEncode, utf8Bytes, (body) => d.transport.beacon(d.endpoint, body, d.headers));
      settle(handed, 'done');
      budget -= used;
      rest = rest.slice(handed.length);
      // Stopped by the budget or a refused beacon: the rest waits for the next page load.
      if (!rest.length || encodes(rest[0]!)) return;
      settle([rest[0]!], 'dropped', 'unencodable');
      rest = rest.slice(1);
    }
  }

  async function start() {
    const handed = ledgerKeys(d.kv);
    const spilled = takeSpill(d.kv).filter((r) => r && typeof r.key === 'string' && r.event && !handed.has(r.key));
    // A previous page's spill is sent from memory at once, whatever IndexedDB is doing.
    for (const r of spilled) {
      const entry = admit(r.event, Math.min(r.createdAt, d.now()));
      if (typeof entry !== 'string' && !entries.has(r.key)) entries.set(r.key, { ...entry, rec: { ...entry.rec, attempts: r.attempts || 0 } });
    }
    persist();
    const soon = Math.min(1000, d.batch.intervalMs);
    if (entries.size) schedule(soon);
    if (handed.size) {
      storeOp(() => d.store.del([...handed]));
      await io;
      // Only what this page deleted: other tabs may have added to the ledger meanwhile.
      if (d.store.mode() === 'indexeddb') unledger(d.kv, handed);
    }
    if ((await listStore())?.length) schedule(soon);
  }

  async function setMode(next: 'on' | 'held' | 'off') {
    mode = next;
    if (next === 'off') {
      settle([...entries.values()], 'dropped', 'opted_out');
      if (timer) clearTimeout(timer), (timer = undefined);
      await d.store.clear();
    } else if (next === 'on') {
      persist();
      if (entries.size) schedule(0);
    }
  }

  return {
    add,
    flush: (force = true) => flush(force),
    exit,
    start,
    setMode,
    rehome() {
      // The store now answers from memory: what this tab wrote to IndexedDB is written there again.
      for (const e of entries.values()) e.durable = false;
      writing.clear();
      persist();
    },
    receive(msg) {
      if (msg.q === 'inflight') msg.k.forEach((k) => othersSending.add(k));
      else
        for (const k of msg.k) {
          othersSending.delete(k);
          // Settled by another tab (or about to be retried by it from the store), which read it from
          // the store: not ours to send any more.
          const entry = entries.get(k);
          if (entry && (entry.durable || writing.has(entry))) entries.delete(k);
        }
    },
    stats: () => ({
      delivered: counts.delivered,
      retried: counts.retried,
      dropped: { ...counts.dropped },
      queued: entries.size,
      storage: mode === 'on' ? d.store.mode() : 'none',
    }),
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer), (timer = undefined);
    },
  };
}

/** `promise`'s value, or `fallback` if it has not settled after `ms` (or rejects). */
function settleWithin<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(fallback), ms);
    Promise.resolve(promise).then(
      (value) => (clearTimeout(t), resolve(value)),
      () => (clearTimeout(t), resolve(fallback)),
    );
  });
}
const bounded = (promise: Promise<void>, ms: number) => settleWithin(promise, ms, undefined);

