import type { KV } from '../storage';
import type { Stats, WaymarkEvent } from '../types';
import { withSendLock } from './lock';
import type { EventStore, Rec } from './store';
import { KEEPALIVE_BUDGET, type Transport } from './transport';

/** What the queue needs; everything a test must fake is injected. */
export interface QueueDeps {
  store: EventStore;
  kv: KV;
  transport: Transport;
  now: () => number;
  random: () => number;
  tab: string;
  endpoint: string;
  headers?: Record<string, string>;
  batch: { size: number; intervalMs: number; maxBytes: number };
  retry: { baseDelayMs: number; maxDelayMs: number; maxAgeMs: number };
  maxEvents: number;
  /** Serialise a batch for the wire. */
  encode: (events: WaymarkEvent[], sentAt: string) => string;
  /** Debug log (drops, retries). */
  debug: (msg: string, data?: unknown) => void;
  /** Called with the events of each accepted batch. */
  afterSend?: (events: WaymarkEvent[]) => void;
  /** Tell the other tabs (BroadcastChannel). */
  broadcast?: (msg: QueueMessage) => void;
}

/** Messages between tabs about events in flight, so a leaving tab never beacons what another tab is sending. */
export type QueueMessage = { q: 'inflight' | 'done'; k: string[] };

/** The durable, batched, multi-tab queue. */
export interface Queue {
  /** Queue events (synchronous; storage and sending follow). */
  add(events: WaymarkEvent[]): void;
  /** Send everything queued now (ignores backoff); resolves when empty or a send failed. */
  flush(force?: boolean): Promise<void>;
  /** Page is being left: hand what fits in the keepalive budget to the browser, synchronously. */
  exit(): void;
  /** Start-up: forget what a previous page handed to the browser, then send what was left. */
  start(): Promise<void>;
  /** `held`: keep in memory, no storage, no sending (consent pending). `off`: drop everything. `on`: normal. */
  setMode(mode: 'on' | 'held' | 'off'): Promise<void>;
  /** Another tab's message. */
  receive(msg: QueueMessage): void;
  stats(): Stats;
  stop(): void;
}

/** Ids handed to the browser at exit, kept so the next page load does not send them again. */
type Ledger = Array<[key: string, at: number]>;

const enc = typeof TextEncoder === 'undefined' ? undefined : new TextEncoder();
const bytes = (s: string) => (enc ? enc.encode(s).length : s.length * 3);
const retryable = (s: number) => s === 0 || s === 408 || s === 429 || s >= 500;

/** Create the queue. */
export function createQueue(d: QueueDeps): Queue {
  const mine = new Map<string, Rec>(); // this tab's events, until delivered
  const durable = new Set<string>(); // keys of `mine` whose IndexedDB write has completed
  let unwritten: Rec[] = [];
  let writing: Promise<void> = Promise.resolve();
  const othersInflight = new Set<string>();
  const inflight = new Map<string, number>(); // key -> keepalive bytes (0 when not keepalive)
  let mode: 'on' | 'held' | 'off' = 'on';
  let flushing: Promise<void> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let backoffUntil = 0;
  let failures = 0;
  let stopped = false;
  let exits = 0; // page-exit count: stops drains that were under way
  let awayUntil = 0; // exit() ran: no timer-driven sends for a moment (the page is likely going away)
  const counts = { delivered: 0, retried: 0, dropped: {} as Record<string, number> };

  const drop = (recs: Rec[], reason: string) => {
    if (!recs.length) return;
    counts.dropped[reason] = (counts.dropped[reason] ?? 0) + recs.length;
    for (const r of recs) {
      mine.delete(r.k);
      durable.delete(r.k);
    }
    d.debug(`dropped ${recs.length} event(s): ${reason}`, recs.map((r) => r.e.id));
  };

  const ledger = (): Ledger => {
    const l = d.kv.get<Ledger>('sent');
    return Array.isArray(l) ? l : [];
  };

  /** A closed tab's spill must not bring back what has been delivered since. */
  function unspill(keys: string[]) {
    const sp = d.kv.get<Rec[]>('spill');
    if (!Array.isArray(sp)) return;
    const done = new Set(keys);
    const rest = sp.filter((r) => !done.has(r?.k));
    if (rest.length === sp.length) return;
    if (rest.length) d.kv.set('spill', rest);
    else d.kv.remove('spill');
  }
  function persist(): Promise<void> {
    if (mode !== 'on' || !unwritten.length) return writing;
    const batch = unwritten;
    unwritten = [];
    // One transaction per batch of events, not one per event.
    writing = writing.then(() => d.store.put(batch)).then(() => {
      for (const r of batch) durable.add(r.k);
    });
    return writing;
  }

  let timerAt = 0;
  function schedule(ms: number) {
    if (stopped || mode !== 'on') return;
    const at = d.now() + Math.max(0, ms);
    // An earlier deadline wins (e.g. start-up's quick send of a previous page's events over the batch interval).
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
    if (mode === 'off' || stopped) {
      if (events.length) drop(events.map((e) => ({ k: e.id, e, t: 0, a: 0 })), 'opted_out');
      return;
    }
    const t = d.now();
    for (const e of events) {
      const r: Rec = { k: e.id, e, t, a: 0 };
      mine.set(r.k, r);
      unwritten.push(r);
    }
    // Bound what this tab holds: the oldest go first (the newest tell the current journey).
    if (mine.size > d.maxEvents) {
      // The oldest come first in insertion order: take just those, without copying the whole queue.
      const over: Rec[] = [];
      for (const r of mine.values()) {
        if (over.length >= mine.size - d.maxEvents) break;
        over.push(r);
      }
      drop(over, 'queue_full');
      const gone = new Set(over.map((r) => r.k));
      unwritten = unwritten.filter((r) => !gone.has(r.k));
      if (mode === 'on') void d.store.del([...gone]);
    }
    if (mode !== 'on') return;
    queueMicrotask(() => void persist());
    if (mine.size >= d.batch.size) queueMicrotask(() => void flush(false));
    else schedule(d.batch.intervalMs);
  }

  function encode(recs: Rec[]): string {
    return d.encode(recs.map((r) => ({ ...r.e, attempt: r.a + 1 })), new Date(d.now()).toISOString());
  }

  function keepaliveLeft(): number {
    let used = 0;
    for (const b of inflight.values()) used += b;
    return KEEPALIVE_BUDGET - used;
  }

  /** Send one batch; true when the flush may go on. */
  async function send(recs: Rec[]): Promise<boolean> {
    const body = encode(recs);
    const size = bytes(body);
    if (size > d.batch.maxBytes && recs.length > 1) {
      const half = Math.ceil(recs.length / 2);
      return (await send(recs.slice(0, half))) && send(recs.slice(half));
    }
    const keepalive = !d.headers && size <= keepaliveLeft();
    const keys = recs.map((r) => r.k);
    for (const k of keys) inflight.set(k, keepalive ? size : 0);
    d.broadcast?.({ q: 'inflight', k: keys });
    const res = await d.transport.send(d.endpoint, body, { keepalive, headers: d.headers });
    for (const k of keys) inflight.delete(k);
    d.broadcast?.({ q: 'done', k: keys });
    const s = res.status;
    if (s >= 200 && s < 300) {
      // Forget them before awaiting the delete: a pagehide in between must not beacon them again.
      for (const k of keys) {
        mine.delete(k);
        durable.delete(k);
      }
      unspill(keys);
      await d.store.del(keys);
      counts.delivered += recs.length;
      failures = 0;
      if (d.kv.get('down')) d.kv.remove('down');
      try {
        d.afterSend?.(recs.map((r) => r.e));
      } catch {
        /* isolated */
      }
      return true;
    }
    if (s === 413) {
      if (recs.length === 1) {
        await d.store.del(keys);
        drop(recs, 'too_large');
        return true;
      }
      const half = Math.ceil(recs.length / 2);
      return (await send(recs.slice(0, half))) && send(recs.slice(half));
    }
    if (retryable(s)) {
      counts.retried += recs.length;
      failures++;
      // Remembered across page loads: a beacon to a collector known to be down would be lost.
      d.kv.set('down', d.now());
      for (const r of recs) r.a++;
      await d.store.put(recs);
      const exp = Math.min(d.retry.maxDelayMs, d.retry.baseDelayMs * 2 ** (failures - 1));
      // Full jitter in the upper half keeps tabs and pages from retrying in lockstep.
      const delay = Math.max(d.retry.baseDelayMs, exp * (0.5 + d.random() / 2), res.retryAfterMs ?? 0);
      backoffUntil = d.now() + delay;
      d.debug(`send failed (${s || 'network'}); retrying ${recs.length} event(s) in ${Math.round(delay)} ms`);
      schedule(delay);
      return false;
    }
    await d.store.del(keys);
    drop(recs, 'rejected');
    d.debug(`collector rejected a batch with ${s}`);
    return true;
  }

  async function drain(): Promise<void> {
    // A drain under way when the page is left must not start new requests after exit() handed
    // the queue to the browser: the next page would send those events again.
    const leftAt = exits;
    await persist();
    for (;;) {
      if (mode !== 'on' || stopped || exits !== leftAt) return;
      let recs = await d.store.all();
      const sent = new Set(ledger().map(([k]) => k));
      recs = recs.filter((r) => !sent.has(r.k) && !inflight.has(r.k));
      const old = d.now() - d.retry.maxAgeMs;
      const expired = recs.filter((r) => r.t < old);
      if (expired.length) {
        await d.store.del(expired.map((r) => r.k));
        drop(expired, 'too_old');
        recs = recs.filter((r) => r.t >= old);
      }
      if (recs.length > d.maxEvents) {
        const over = recs.slice(0, recs.length - d.maxEvents);
        await d.store.del(over.map((r) => r.k));
        drop(over, 'queue_full');
        recs = recs.slice(over.length);
      }
      if (!recs.length) return;
      // Batch by count and bytes; `send` halves a batch still over maxBytes.
      const batch: Rec[] = [];
      let size = 40;
      for (const r of recs) {
        const b = bytes(JSON.stringify(r.e)) + 20;
        if (batch.length && (batch.length >= d.batch.size || size + b > d.batch.maxBytes)) break;
        batch.push(r);
        size += b;
      }
      if (exits !== leftAt || !(await send(batch))) return;
    }
  }

  function flush(force: boolean): Promise<void> {
    if (stopped || mode !== 'on') return Promise.resolve();
    if (force) awayUntil = 0;
    else if (d.now() < awayUntil) {
      // A send started now could duplicate what exit() handed over; if the page lives on, try again shortly.
      schedule(awayUntil - d.now());
      return Promise.resolve();
    }
    if (flushing) return force ? flushing.then(() => flush(true)) : flushing;
    const nav = (globalThis as { navigator?: Navigator }).navigator;
    if (nav && nav.onLine === false) return Promise.resolve(); // the `online` event resumes
    if (!force && d.now() < backoffUntil) {
      // Timers may fire a little before Date.now() says they should: re-arm, never stall.
      schedule(backoffUntil - d.now());
      return Promise.resolve();
    }
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    flushing = withSendLock(d.kv, d.tab, d.now, drain)
      .then((ran) => {
        if (!ran) schedule(d.batch.intervalMs);
      })
      .catch((err) => d.debug('flush failed', err))
      .finally(() => {
        flushing = undefined;
        if (mine.size && d.now() >= backoffUntil) schedule(d.batch.intervalMs);
      });
    return flushing;
  }

  function exit() {
    if (mode !== 'on' || stopped) return;
    exits++;
    awayUntil = d.now() + 2000;
    // Offline, or the collector failing right now (down, blocked, backing off): a beacon would be
    // lost with nobody to retry it. Keep the events stored for the next page load instead; only
    // when storage is memory (nothing survives the page) is a beacon the better bet.
    const nav = (globalThis as { navigator?: Navigator }).navigator;
    const failing = (failures > 0 || !!d.kv.get('down') || nav?.onLine === false) && d.store.mode() !== 'memory';
    const handed: string[] = [];
    // Own keepalive requests in flight outlive the page: they count as handed over.
    for (const [k, b] of inflight) if (b) handed.push(k);
    let left = failing ? 0 : keepaliveLeft();
    const cap = Math.min(d.batch.maxBytes, 60000);
    const todo = [...mine.values()].filter((r) => !inflight.has(r.k) && !othersInflight.has(r.k));
    let chunk: Rec[] = [];
    const ship = (): boolean => {
      if (!chunk.length) return true;
      const body = encode(chunk);
      const size = bytes(body);
      if (size > left || !d.transport.beacon(d.endpoint, body, d.headers)) return false;
      left -= size;
      for (const r of chunk) {
        handed.push(r.k);
        mine.delete(r.k);
      }
      counts.delivered += chunk.length;
      chunk = [];
      return true;
    };
    for (const r of todo) {
      chunk.push(r);
      if (bytes(encode(chunk)) > Math.min(cap, left)) {
        chunk.pop();
        if (!ship()) break;
        chunk = [r];
        if (bytes(encode(chunk)) > Math.min(cap, left)) {
          chunk = [];
          break;
        }
      }
    }
    ship();
    if (handed.length) {
      const now = d.now();
      const kept = ledger().filter(([, at]) => at > now - d.retry.maxAgeMs).slice(-2000);
      d.kv.set('sent', kept.concat(handed.map((k): [string, number] => [k, now])));
      void d.store.del(handed);
    }
    const gone = new Set(handed);
    unwritten = unwritten.filter((r) => !gone.has(r.k));
    // Whatever did not fit stays stored for the next page load. An IndexedDB write started now may
    // not finish before the page is gone, so what is not yet durable is also spilled to
    // localStorage synchronously; the next load re-queues it (keys are event ids: idempotent).
    void persist();
    if (d.store.mode() === 'indexeddb') {
      const spill = [...mine.values()].filter((r) => !gone.has(r.k) && !durable.has(r.k));
      if (spill.length) d.kv.set('spill', spill);
    }
  }

  async function start() {
    const spilled = d.kv.get<Rec[]>('spill');
    if (Array.isArray(spilled)) {
      const sent = new Set(ledger().map(([k]) => k));
      await d.store.put(spilled.filter((r) => r && typeof r.k === 'string' && r.e && !sent.has(r.k)));
      d.kv.remove('spill');
    }
    const l = ledger();
    if (l.length) {
      await d.store.del(l.map(([k]) => k));
      if (d.store.mode() === 'indexeddb') d.kv.remove('sent');
    }
    if ((await d.store.all()).length) schedule(Math.min(1000, d.batch.intervalMs));
  }

  async function setMode(m: 'on' | 'held' | 'off') {
    mode = m;
    if (m === 'off') {
      drop([...mine.values()], 'opted_out');
      mine.clear();
      unwritten = [];
      if (timer) clearTimeout(timer);
      timer = undefined;
      await d.store.clear();
    } else if (m === 'on') {
      // Also when already on: the store may have just fallen back to memory, and what this tab
      // wrote to IndexedDB must be re-homed there to keep going out (puts are idempotent by id).
      unwritten = [...mine.values()];
      await persist();
      if (mine.size) schedule(0);
    }
  }

  return {
    add,
    flush: (force = true) => flush(force),
    exit,
    start,
    setMode,
    receive(msg) {
      if (msg.q === 'inflight') msg.k.forEach((k) => othersInflight.add(k));
      else
        msg.k.forEach((k) => {
          othersInflight.delete(k);
          // Delivered by another tab (or about to be retried by it): not ours to send any more.
          if (mine.get(k) && !unwritten.some((r) => r.k === k)) mine.delete(k);
        });
    },
    stats: () => ({
      delivered: counts.delivered,
      retried: counts.retried,
      dropped: { ...counts.dropped },
      queued: mine.size,
      storage: mode === 'on' ? d.store.mode() : 'none',
    }),
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
