import type { KV } from '../storage';
import type { Stats, WaymarkEvent } from '../types';
import { admit, createEntries, MAX_EVENT_BYTES, type Entry } from './entries';
import { beaconAll, ledgerKeys, recordHanded, spill, takeSpill, unledger } from './exit';
import { monotonic, withSendLock } from './lock';
import { createSender, settleWithin } from './sender';
import type { EventStore } from './store';
import { KEEPALIVE_BUDGET, type Transport } from './transport';

export { MAX_EVENT_BYTES };


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

/** Offline as far as the browser knows (the `online` event resumes sending). */
const offline = () => (globalThis as { navigator?: Navigator }).navigator?.onLine === false;

/**
 * Create the queue: when to send (batch size, interval, backoff, flush), the
 * page being left, consent modes and other tabs' messages. The events
 * themselves live in entries.ts, sending in sender.ts.
 */
export function createQueue(d: QueueDeps): Queue {
  const mono = d.monotonic ?? monotonic;
  const timeoutMs = d.retry.timeoutMs ?? 10000;
  // Every request stays within the keepalive budget, so one in flight when the page goes still arrives.
  const maxBody = Math.min(d.batch.maxBytes, KEEPALIVE_BUDGET);
  const othersSending = new Set<string>();
  let mode: 'on' | 'held' | 'off' = 'on';
  let stopped = false;
  let awayUntil = 0; // monotonic: exit() ran, no timer-driven sends for a moment
  let exits = 0;
  let flushing: Promise<void> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerAt = 0;
  const active = () => mode === 'on' && !stopped;
  const entries = createEntries({ ...d, storing: () => mode === 'on' });
  const sender = createSender(d, entries, {
    active,
    exits: () => exits,
    othersSending: (key) => othersSending.has(key),
    schedule,
    monotonic: mono,
    timeoutMs,
    // While the page lives, a request takes at most half the budget: the other half is always free
    // for the page's own events when it is left (an earlier page's backlog may be in flight then).
    maxBody: Math.min(maxBody, KEEPALIVE_BUDGET / 2),
  });
  const bounded = (promise: Promise<void>) => settleWithin(promise, 2 * timeoutMs, undefined);
  const cancelTimer = () => {
    if (timer) clearTimeout(timer), (timer = undefined);
  };

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

  function add(events: WaymarkEvent[]) {
    awayUntil = 0;
    const createdAt = d.now();
    for (const event of events) {
      const entry = admit(event, createdAt);
      const refused = mode === 'off' || stopped ? 'opted_out' : typeof entry === 'string' ? entry : undefined;
      if (refused) entries.refuse({ key: event.id, event, createdAt, attempts: 0 }, refused, true);
      else entries.map.set(event.id, entry as Entry);
    }
    entries.trim(d.maxEvents);
    if (!active()) return;
    entries.persist();
    if (entries.map.size >= d.batch.size) queueMicrotask(() => void flush(false, exits, true));
    else schedule(d.batch.intervalMs);
  }

  /** `askedAt`: `exits` when asked for (see sender.drain); `fullOnly`: asked for because `batch.size` events waited. */
  function flush(force: boolean, askedAt = exits, fullOnly = false): Promise<void> {
    if (!active() || askedAt !== exits) return Promise.resolve();
    if (force) awayUntil = 0;
    else if (mono() < awayUntil) {
      // A send started now could duplicate what exit() handed over; if the page lives on, try again shortly.
      schedule(awayUntil - mono());
      return Promise.resolve();
    }
    if (flushing) return bounded(force ? flushing.then(() => flush(true, askedAt)) : flushing);
    if (offline()) return Promise.resolve();
    if (!force && mono() < sender.backoffUntil()) {
      schedule(sender.backoffUntil() - mono());
      return Promise.resolve();
    }
    cancelTimer();
    const run = withSendLock(d.kv, d.tab, d.now, () => sender.drain(askedAt, fullOnly && !force), timeoutMs)
      .then((ran) => void (ran || schedule(d.batch.intervalMs)))
      .catch((err) => d.debug('flush failed', err))
      .finally(() => {
        flushing = undefined;
        if (entries.map.size && mono() >= sender.backoffUntil()) schedule(d.batch.intervalMs);
      });
    flushing = run;
    return bounded(run);
  }

  function exit() {
    if (!active()) return;
    exits++;
    awayUntil = mono() + 2000;
    // Requests in flight are keepalive: they outlive the page and count as handed over.
    const { batch: handed, bytes: handedBytes } = sender.inFlight();
    entries.settle(handed, 'done');
    // Offline, or the collector failing right now: a beacon would be lost with nobody to retry it.
    // Keep the events stored for the next page load; with memory storage a beacon is the better bet.
    const memoryOnly = d.store.mode() === 'memory';
    const failing = (sender.failing() || offline()) && !memoryOnly;
    const lent = sender.lentElsewhere();
    const todo = entries.all().filter((e) => e.state === 'queued' && !othersSending.has(e.rec.key) && !lent.has(e.rec.key));
    if (!failing) {
      // The request's real body, not its events measured one by one: those count what a v2 body
      // shares once per event, several times the body, and would leave the beacons almost no room.
      const budget = KEEPALIVE_BUDGET - handedBytes;
      beaconAll(todo, { budget, maxBytes: maxBody, size: Math.max(d.batch.size, 100) }, {
        encode: sender.tryEncode,
        beacon: (body) => d.transport.beacon(d.endpoint, body, d.headers),
        settle: entries.settle,
        encodes: sender.encodes,
      });
    }
    recordHanded(d.kv, entries.undeleted(), d.now(), d.retry.maxAgeMs);
    // What is left stays stored for the next page load. An IndexedDB write started now may not
    // finish before the page is gone, so what is not yet durable is also spilled to localStorage;
    // with memory storage (IndexedDB broken) everything left is, or it would die with the page.
    entries.persist();
    spill(d.kv, entries.all().filter((e) => !e.durable || memoryOnly).map((e) => e.rec));
  }

  async function start() {
    const handed = ledgerKeys(d.kv);
    const spilled = takeSpill(d.kv).filter((r) => r && typeof r.key === 'string' && r.event && !handed.has(r.key));
    // A previous page's spill is sent from memory at once, whatever IndexedDB is doing.
    for (const r of spilled) {
      const entry = admit(r.event, Math.min(r.createdAt, d.now()), r.attempts || 0);
      if (typeof entry !== 'string' && !entries.map.has(r.key)) entries.map.set(r.key, entry);
    }
    entries.persist();
    const soon = Math.min(1000, d.batch.intervalMs);
    if (entries.map.size) schedule(soon);
    if (handed.size) {
      entries.del([...handed]);
      await entries.idle();
      // Only what this page deleted: other tabs may have added to the ledger meanwhile.
      if (d.store.mode() === 'indexeddb') unledger(d.kv, handed);
    }
    if ((await sender.listStore())?.length) schedule(soon);
  }

  async function setMode(next: 'on' | 'held' | 'off') {
    mode = next;
    if (next === 'off') {
      entries.settle(entries.all(), 'dropped', 'opted_out');
      cancelTimer();
      await d.store.clear();
    } else if (next === 'on') {
      entries.persist();
      if (entries.map.size) schedule(0);
    }
  }

  return {
    add,
    flush: (force = true) => flush(force),
    exit,
    start,
    setMode,
    rehome: entries.rehome,
    receive(msg) {
      if (msg.q === 'inflight') msg.k.forEach((k) => othersSending.add(k));
      else
        for (const k of msg.k) {
          othersSending.delete(k);
          // Settled by another tab (or about to be retried by it from the store): not ours to send any more.
          entries.forgetTakenElsewhere(k);
        }
    },
    stats: () => ({
      ...entries.counts, // delivered, retried
      dropped: { ...entries.counts.dropped },
      queued: entries.map.size,
      storage: mode === 'on' ? d.store.mode() : 'none',
    }),
    stop() {
      stopped = true;
      cancelTimer();
    },
  };
}
