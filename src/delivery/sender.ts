/**
 * Sending while the page lives: pick what goes next (this tab's events, and
 * what the shared store holds from other tabs and earlier pages), send it in
 * bounded requests, and apply the retry policy to each answer.
 */
import { utf8Bytes } from '../lib/plain';
import { nextBatch } from './batcher';
import { admit, type Entries, type Entry } from './entries';
import { ledgerKeys } from './exit';
import type { QueueDeps } from './queue';
import { judge } from './retry';
import type { Rec } from './store';
import { KEEPALIVE_BUDGET } from './transport';

/** How long a send may wait for the store's list of queued events before it goes on with this tab's own. */
export const STORE_LIST_MS = 1000;

export interface SenderContext {
  /** Whether sending may go on (consent on, not stopped) and how many times the page was left so far. */
  active(): boolean;
  exits(): number;
  /** Keys another tab is sending (told over the BroadcastChannel). */
  othersSending(key: string): boolean;
  /** Arm the send timer. */
  schedule(ms: number): void;
  monotonic(): number;
  timeoutMs: number;
  /** The largest request body while the page lives. */
  maxBody: number;
}

export type Sender = ReturnType<typeof createSender>;

/** Create the sender over this tab's entries. */
export function createSender(d: QueueDeps, entries: Entries, c: SenderContext) {
  const strikes = new Map<string, number>(); // see retry.ts LARGE_EVENT_STRIKES
  // The request under way: its batch, and its body's bytes (what it takes from the page's keepalive budget).
  let inFlight: { batch: Entry[]; bytes: number } = { batch: [], bytes: 0 };
  let failures = 0;
  let accepted = false; // the collector accepted a request on this page
  let backoffUntil = 0; // monotonic
  let drainExits = 0; // `exits` when the running drain was asked for

  /** The body, or undefined when a plugin or the wire format throws on it. */
  const tryEncode = (batch: Entry[]) => {
    try {
      return d.encode(batch.map((e) => ({ ...e.rec.event, attempt: e.rec.attempts + 1 })), new Date(d.now()).toISOString());
    } catch {
      return undefined;
    }
  };
  const encodes = (e: Entry) => tryEncode([e]) !== undefined;
  /** Whether a drain asked for when the page had been left `askedAt` times must stop (see drain). */
  const stale = (askedAt: number) => !c.active() || c.exits() !== askedAt;

  /**
   * The next batch. Events are measured one by one, but a v2 body carries what they share once:
   * pick by twice the limit, then halve until the body as encoded fits.
   */
  function fitBatch(queued: Entry[]): Entry[] {
    let batch = nextBatch(queued, d.batch.size, c.maxBody * 2);
    // What cannot be encoded measures 0: send() isolates it.
    const size = (b: Entry[]) => utf8Bytes(tryEncode(b) ?? '');
    while (batch.length > 1 && size(batch) > c.maxBody) batch = batch.slice(0, Math.ceil(batch.length / 2));
    return batch;
  }

  /** The store's list of queued events, or undefined when the store is slow or broken. */
  const listStore = () => settleWithin<Rec[] | undefined>(d.store.all(), STORE_LIST_MS, undefined);

  /** What to send next, oldest first. */
  async function candidates(): Promise<Entry[]> {
    // Durable before the listing was asked for: the listing must hold it unless another tab took it.
    const wasDurable = new Set(entries.all().filter((e) => e.durable));
    const listing = await listStore();
    const handed = ledgerKeys(d.kv);
    const free = (key: string) => !c.othersSending(key) && !handed.has(key) && !entries.settled(key);
    const own = entries.all().filter((e) => e.state === 'queued' && free(e.rec.key));
    if (!listing) return own; // the store is slow or broken: this tab's events go out all the same
    const listed = new Set(listing.map((r) => r.key));
    const takenElsewhere = (e: Entry) => wasDurable.has(e) && !listed.has(e.rec.key);
    // A durable event missing from the store was delivered (or dropped) by another tab.
    for (const e of own) if (takenElsewhere(e)) entries.map.delete(e.rec.key);
    const borrowed = listing.filter((r) => !entries.map.has(r.key) && free(r.key)).map(borrow);
    const all = own.filter((e) => !takenElsewhere(e)).concat(borrowed.filter((e): e is Entry => !!e));
    return all.sort((a, b) => a.rec.createdAt - b.rec.createdAt || a.rec.event.seq - b.rec.event.seq);
  }

  /** Another tab's (or an earlier page's) stored event, sent by this tab while it holds the send lock. */
  function borrow(rec: Rec): Entry | undefined {
    // A creation time from the future (clock set back) is not trusted: it would never expire.
    const r = { ...rec, createdAt: Math.min(rec.createdAt, d.now()) };
    const entry = admit(r.event, r.createdAt);
    if (typeof entry !== 'string') return { ...entry, rec: r, durable: true, own: false };
    entries.refuse(r, entry, false);
    return undefined;
  }

  /** Drop what is too old or over the bound; returns the rest. */
  function expire(list: Entry[]): Entry[] {
    const oldest = d.now() - d.retry.maxAgeMs;
    const old = list.filter((e) => e.rec.createdAt < oldest);
    const over = list.length - old.length - d.maxEvents;
    const full = over > 0 ? list.filter((e) => e.rec.createdAt >= oldest).slice(0, over) : [];
    entries.settle(old, 'dropped', 'too_old');
    entries.settle(full, 'dropped', 'queue_full');
    return old.length || full.length ? list.filter((e) => e.state === 'queued') : list;
  }

  /** Send one batch; true when the drain may go on. */
  async function send(batch: Entry[]): Promise<boolean> {
    // Once exit() handed the queue to the browser, a new request would send those events again.
    if (stale(drainExits)) return false;
    const body = tryEncode(batch);
    if (body === undefined) {
      // A plugin or format that throws on one event must not hold up the others.
      entries.settle(batch.filter((e) => !encodes(e)), 'dropped', 'unencodable');
      return true;
    }
    const bytes = utf8Bytes(body);
    const res = await request(batch, body, bytes);
    if (batch.some((e) => e.state !== 'sending')) return false; // exit() handed them over meanwhile
    batch.forEach((e) => (e.state = 'queued'));
    const lone = batch.length === 1 ? batch[0]!.rec.key : undefined;
    // A lone event dying with a network error while the collector accepts other requests: a strike.
    if (lone && res.status === 0 && accepted) strikes.set(lone, (strikes.get(lone) ?? 0) + 1);
    // No key is undefined: a batch of several has no strikes.
    const verdict = judge({ ...res, count: batch.length, bytes, failures: failures + 1, strikes: strikes.get(lone!) }, d.retry, d.random());
    if (verdict.action === 'delivered') return delivered(batch);
    if (verdict.action === 'split') {
      const half = Math.ceil(batch.length / 2);
      // Both halves go: a bad event in one must not hold up the other.
      const first = await send(batch.slice(0, half));
      return (await send(batch.slice(half))) && first;
    }
    if (verdict.action === 'drop') {
      entries.settle(batch, 'dropped', verdict.reason);
      if (verdict.reason === 'rejected') d.debug(`batch rejected: ${res.status}`);
      return true;
    }
    return retryLater(batch, verdict.delayMs, res.status);
  }

  /** The request itself, with the batch marked as sending (here, to other tabs, and in localStorage). */
  async function request(batch: Entry[], body: string, bytes: number) {
    const keys = batch.map((e) => e.rec.key);
    batch.forEach((e) => (e.state = 'sending'));
    inFlight = { batch, bytes };
    d.broadcast?.({ q: 'inflight', k: keys });
    const lent = lend(batch.filter((e) => !e.own).map((e) => e.rec.key));
    // Bounded here too: an injected transport (or a fetch wrapper) that never settles must not hold the lock.
    const send = d.transport.send(d.endpoint, body, { keepalive: bytes <= KEEPALIVE_BUDGET, headers: d.headers, timeoutMs: c.timeoutMs });
    const res = await settleWithin(send, c.timeoutMs, { status: 0 });
    inFlight = { batch: [], bytes: 0 };
    if (lent) lend([]);
    d.broadcast?.({ q: 'done', k: keys });
    return res;
  }

  /**
   * Other tabs' events in a request are also marked in localStorage: a tab leaving right now reads
   * it synchronously (a BroadcastChannel message may not have reached it yet) and does not beacon them too.
   */
  function lend(borrowed: string[]): boolean {
    // One entry per tab, so tabs never clear each other's marks.
    const all = lentMarks();
    if (borrowed.length) all[d.tab] = { keys: borrowed, until: d.now() + c.timeoutMs };
    else delete all[d.tab];
    if (Object.keys(all).length) d.kv.set('lent', all);
    else d.kv.remove('lent');
    return borrowed.length > 0;
  }
  // A fresh object each read (kv.get parses anew), so lend() may change it in place.
  const lentMarks = (): Record<string, { keys?: unknown; until?: unknown }> => {
    const all = d.kv.get<Record<string, { keys?: unknown; until?: unknown }>>('lent');
    return all && typeof all === 'object' && !Array.isArray(all) ? all : {};
  };

  function delivered(batch: Entry[]): boolean {
    entries.settle(batch, 'done');
    failures = 0;
    accepted = true;
    if (d.kv.get('down')) d.kv.remove('down');
    try {
      d.afterSend?.(batch.map((e) => e.rec.event));
    } catch {
      /* isolated */
    }
    return true;
  }

  function retryLater(batch: Entry[], delayMs: number, status: number): boolean {
    failures++;
    entries.retried(batch);
    // Remembered across page loads: a beacon to a collector known to be down would be lost.
    d.kv.set('down', d.now());
    backoffUntil = c.monotonic() + delayMs;
    d.debug(`send failed (${status || 'network'}), retry ${batch.length} in ${Math.round(delayMs)}ms`);
    c.schedule(delayMs);
    return false;
  }

  return {
    tryEncode,
    encodes,
    /**
     * Send until the queue is empty or a send fails. `askedAt` is `exits` when the flush was asked
     * for: a drain asked for before the page was left starts no request after exit() handed the
     * queue to the browser (the next page would send those events again). `fullOnly`: sent because
     * `batch.size` events waited, so a partial rest waits for the interval.
     */
    async drain(askedAt: number, fullOnly: boolean): Promise<void> {
      drainExits = askedAt;
      try {
        for (;;) {
          if (stale(askedAt)) return;
          const queued = expire(await candidates());
          if (!queued.length || stale(askedAt)) return;
          if (fullOnly && queued.length < d.batch.size) return c.schedule(d.batch.intervalMs);
          if (!(await send(fitBatch(queued)))) return;
        }
      } finally {
        // The send lock is let go only once what was delivered is deleted from the store: the next
        // tab's listing must not offer it again before that tab hears of it over the channel.
        await settleWithin(entries.idle(), STORE_LIST_MS, undefined);
      }
    },
    inFlight: () => inFlight,
    /** Whether the collector is failing right now (or was on an earlier page). */
    failing: () => failures > 0 || !!d.kv.get('down'),
    backoffUntil: () => backoffUntil,
    /** Keys of other tabs' events that a tab's request is carrying right now (see lend). */
    lentElsewhere(): Set<string> {
      const keys = new Set<string>();
      for (const [tab, mark] of Object.entries(lentMarks())) {
        // Past its time, a mark is stale. One from the future (the clock was set back) is still
        // honoured: the worst it does is keep a few events stored for the next page load.
        const fresh = typeof mark?.until === 'number' && mark.until > d.now();
        if (tab !== d.tab && fresh && Array.isArray(mark.keys)) for (const k of mark.keys) keys.add(String(k));
      }
      return keys;
    },
    listStore,
  };
}

/** `promise`'s value, or `fallback` if it has not settled after `ms` (or rejects). */
export function settleWithin<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(fallback), ms);
    Promise.resolve(promise).then(resolve, () => resolve(fallback)).finally(() => clearTimeout(t));
  });
}
