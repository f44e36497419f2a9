// The delivery queue with an injected clock (vitest fake timers drive Date.now and setTimeout),
// a fake transport and the in-memory store: every status path, backoff, Retry-After, 413
// splitting, age and size limits, offline, page exit and consent modes.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createQueue, type Queue, type QueueDeps } from '../../src/delivery/queue';
import { createMemoryStore, type EventStore, type Rec } from '../../src/delivery/store';
import { KEEPALIVE_BUDGET, RETRY_AFTER_CAP_MS, parseRetryAfter, type SendResult, type Transport } from '../../src/delivery/transport';
import { createKV, type KV } from '../../src/storage';
import type { WaymarkEvent } from '../../src/types';

let seq = 0;
function ev(props: Record<string, unknown> = {}): WaymarkEvent {
  seq++;
  return {
    id: `ev-${seq}`,
    type: 'track',
    name: 'thing',
    timestamp: new Date().toISOString(),
    seq,
    anonymousId: 'anon',
    sessionId: 'sess',
    stage: null,
    page: { url: 'https://site.test/', path: '/', title: 'T', referrer: '' },
    properties: props,
    context: { library: { name: 'waymark', version: '0.0.0' } },
  };
}
const evs = (n: number, props?: Record<string, unknown>) => Array.from({ length: n }, () => ev(props));

interface Call {
  at: number;
  body: string;
  json: { sentAt: string; events: Array<WaymarkEvent & { attempt: number }> };
  ids: string[];
  keepalive: boolean;
}
type Respond = (call: Call, index: number) => SendResult | Promise<SendResult>;

function fakeTransport(respond: Respond = () => ({ status: 200 })) {
  const calls: Call[] = [];
  const beacons: Call[] = [];
  const t = {
    calls,
    beacons,
    respond,
    beaconOk: true,
    transport: {
      async send(_url, body, opts) {
        const json = JSON.parse(body) as Call['json'];
        const call: Call = { at: Date.now(), body, json, ids: json.events.map((e) => e.id), keepalive: opts.keepalive };
        calls.push(call);
        return t.respond(call, calls.length - 1);
      },
      beacon(_url, body) {
        if (!t.beaconOk) return false;
        const json = JSON.parse(body) as Call['json'];
        beacons.push({ at: Date.now(), body, json, ids: json.events.map((e) => e.id), keepalive: true });
        return true;
      },
    } as Transport,
  };
  return t;
}

const accepted = (calls: Call[], ok = (s: number) => s >= 200 && s < 300, statuses: number[] = []) =>
  calls.filter((_, i) => ok(statuses[i] ?? 200)).flatMap((c) => c.ids);

type Opts = Partial<Omit<QueueDeps, 'batch' | 'retry'>> & {
  batch?: Partial<QueueDeps['batch']>;
  retry?: Partial<QueueDeps['retry']>;
};

function makeQueue(ft: ReturnType<typeof fakeTransport>, o: Opts = {}): { q: Queue; store: EventStore; kv: KV } {
  const store = o.store ?? createMemoryStore();
  const kv = o.kv ?? createKV();
  const q = createQueue({
    store,
    kv,
    transport: ft.transport,
    now: () => Date.now(),
    random: () => 1,
    tab: `tab-${Math.random()}`,
    endpoint: 'https://collector.test/e',
    encode: (events, sentAt) => JSON.stringify({ sentAt, events }),
    debug: () => {},
    maxEvents: 1000,
    ...o,
    batch: { size: 20, intervalMs: 5000, maxBytes: 60000, ...o.batch },
    retry: { baseDelayMs: 1000, maxDelayMs: 60000, maxAgeMs: 7 * 864e5, ...o.retry },
  });
  return { q, store, kv };
}

/** Let promise chains (memory store, fake transport) run to completion. */
async function settle() {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}
async function advance(ms: number) {
  await vi.advanceTimersByTimeAsync(ms);
  await settle();
}
const gaps = (calls: Call[]) => calls.slice(1).map((c, i) => c.at - calls[i]!.at);

function setOnline(on: boolean) {
  Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => on });
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-03-01T10:00:00Z') });
  setOnline(true);
});
afterEach(() => {
  vi.useRealTimers();
  setOnline(true);
});

describe('2xx', () => {
  it('sends after batch.intervalMs, deletes the batch from the store and counts it delivered', async () => {
    const ft = fakeTransport();
    const { q, store } = makeQueue(ft);
    const sent = evs(3);
    q.add(sent);
    await settle();
    expect((await store.all()).map((r) => r.key)).toEqual(sent.map((e) => e.id));
    await advance(4999);
    expect(ft.calls).toHaveLength(0);
    await advance(1);
    expect(ft.calls).toHaveLength(1);
    expect(ft.calls[0]!.ids).toEqual(sent.map((e) => e.id));
    expect(ft.calls[0]!.json.sentAt).toBe(new Date(ft.calls[0]!.at).toISOString());
    expect(ft.calls[0]!.json.events.map((e) => e.attempt)).toEqual([1, 1, 1]);
    expect(await store.all()).toEqual([]);
    expect(q.stats()).toMatchObject({ delivered: 3, retried: 0, dropped: {}, queued: 0, storage: 'memory' });
    await advance(3600_000);
    expect(ft.calls).toHaveLength(1);
  });

  it('sends full batches as soon as batch.size events are queued; the rest waits for batch.intervalMs', async () => {
    const ft = fakeTransport();
    const { q } = makeQueue(ft, { batch: { size: 10 } });
    q.add(evs(25));
    await settle();
    expect(ft.calls.map((c) => c.ids.length)).toEqual([10, 10]);
    await advance(5000);
    expect(ft.calls.map((c) => c.ids.length)).toEqual([10, 10, 5]);
  });

  it('splits a batch that exceeds batch.maxBytes before sending', async () => {
    const ft = fakeTransport();
    const { q } = makeQueue(ft, { batch: { size: 100, maxBytes: 5000 } });
    q.add(evs(20, { pad: 'x'.repeat(1000) }));
    await q.flush();
    expect(ft.calls.length).toBeGreaterThan(1);
    for (const c of ft.calls) expect(new TextEncoder().encode(c.body).length).toBeLessThanOrEqual(5000);
    expect(q.stats().delivered).toBe(20);
  });
});

describe('retryable failures', () => {
  it.each([500, 503, 408, 429, 0])('status %s is retried with exponential backoff; same ids, attempt in the body', async (status) => {
    const ft = fakeTransport((_c, i) => ({ status: i < 3 ? status : 200 }));
    const { q, store } = makeQueue(ft);
    const sent = evs(4);
    q.add(sent);
    await advance(5000);
    await advance(1000 + 2000 + 4000);
    expect(ft.calls).toHaveLength(4);
    // random() = 1: the upper end of the jitter, so exactly base·2^n.
    expect(gaps(ft.calls)).toEqual([1000, 2000, 4000]);
    for (const c of ft.calls) expect(c.ids).toEqual(sent.map((e) => e.id));
    expect(ft.calls.map((c) => c.json.events[0]!.attempt)).toEqual([1, 2, 3, 4]);
    expect(ft.calls.map((c) => c.json.events[0]!.timestamp)).toEqual(Array(4).fill(sent[0]!.timestamp));
    expect(await store.all()).toEqual([]);
    expect(q.stats()).toMatchObject({ delivered: 4, retried: 12, dropped: {}, queued: 0 });
    await advance(3600_000);
    expect(ft.calls).toHaveLength(4);
  });

  it('keeps every delay between baseDelayMs and maxDelayMs, whatever the jitter', async () => {
    for (const r of [0, 0.37, 1]) {
      const ft = fakeTransport(() => ({ status: 503 }));
      const { q } = makeQueue(ft, { random: () => r, retry: { baseDelayMs: 1000, maxDelayMs: 8000 } });
      q.add(evs(1));
      await advance(5000);
      for (let i = 0; i < 12; i++) await advance(8000);
      const g = gaps(ft.calls);
      expect(g.length).toBeGreaterThanOrEqual(10);
      for (const d of g) {
        expect(d).toBeGreaterThanOrEqual(1000);
        expect(d).toBeLessThanOrEqual(8000);
      }
      // Capped: once there, it stays at or below the cap (no runaway, no hammering).
      expect(Math.max(...g.slice(-3))).toBeGreaterThanOrEqual(4000);
      q.stop();
    }
  });

  it('jitter spreads retries: delay is in [max(base, exp/2), exp]', async () => {
    const ft = fakeTransport((_c, i) => ({ status: i < 4 ? 500 : 200 }));
    const { q } = makeQueue(ft, { random: () => 0 });
    q.add(evs(1));
    await advance(5000);
    await advance(20000);
    expect(gaps(ft.calls)).toEqual([1000, 1000, 2000, 4000]);
  });

  it('does not retry before Retry-After (seconds parsed by the transport)', async () => {
    const ft = fakeTransport((_c, i) => (i === 0 ? { status: 429, retryAfterMs: 7000 } : { status: 200 }));
    const { q } = makeQueue(ft);
    q.add(evs(10));
    await advance(5000);
    await advance(6999);
    expect(ft.calls).toHaveLength(1);
    await advance(1);
    expect(ft.calls).toHaveLength(2);
    expect(q.stats()).toMatchObject({ delivered: 10, dropped: {} });
  });

  it('a flush() during backoff sends at once (force) but a timer-driven send waits', async () => {
    const ft = fakeTransport((_c, i) => (i === 0 ? { status: 503, retryAfterMs: 30000 } : { status: 200 }));
    const { q } = makeQueue(ft, { batch: { size: 5 } });
    q.add(evs(1));
    await advance(5000);
    expect(ft.calls).toHaveLength(1);
    q.add(evs(5)); // reaches batch.size: would send now, but the collector asked us to wait
    await advance(10000);
    expect(ft.calls).toHaveLength(1);
    await q.flush();
    expect(ft.calls).toHaveLength(3); // batch.size 5: 5 + 1
    expect(ft.calls.slice(1).flatMap((c) => c.ids)).toHaveLength(6);
  });

  it('a backoff timer that fires a little early (browser clocks) re-arms instead of stalling', async () => {
    let lag = 0;
    const ft = fakeTransport((_c, i) => ({ status: i === 0 ? 503 : 200 }));
    const { q } = makeQueue(ft, { now: () => Date.now() - lag });
    q.add(evs(2));
    await advance(5000);
    expect(ft.calls).toHaveLength(1);
    lag = 1; // from now on the clock reads 1 ms behind the timers
    await advance(5000);
    expect(ft.calls).toHaveLength(2);
    expect(q.stats().queued).toBe(0);
  });

  it('flush() resolves (does not hang) when the send fails', async () => {
    const ft = fakeTransport(() => ({ status: 0 }));
    const { q } = makeQueue(ft);
    q.add(evs(2));
    await expect(q.flush()).resolves.toBeUndefined();
    expect(q.stats()).toMatchObject({ delivered: 0, retried: 2, queued: 2 });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-01T10:00:00Z');
  it('reads seconds', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('0', now)).toBe(0);
  });
  it('reads an HTTP date', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 10:00:10 GMT', now)).toBe(10000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 09:00:00 GMT', now)).toBe(0);
  });
  it('caps long waits at 300 s', () => {
    expect(RETRY_AFTER_CAP_MS).toBe(300000);
    expect(parseRetryAfter('99999', now)).toBe(300000);
    expect(parseRetryAfter('Mon, 01 Mar 2027 10:00:00 GMT', now)).toBe(300000);
  });
  it('ignores garbage and absence', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBe(0);
  });
  it('a capped Retry-After holds the queue back exactly that long', async () => {
    const ft = fakeTransport((_c, i) => (i === 0 ? { status: 503, retryAfterMs: parseRetryAfter('99999') } : { status: 200 }));
    const { q } = makeQueue(ft);
    q.add(evs(1));
    await advance(5000);
    await advance(299_999);
    expect(ft.calls).toHaveLength(1);
    await advance(1);
    expect(ft.calls).toHaveLength(2);
  });
});

describe('413', () => {
  it('halves the batch until it fits; a single event too large alone is dropped as too_large', async () => {
    const all = evs(50);
    const huge = all[36]!.id;
    const ft = fakeTransport((c) => ({ status: c.ids.length > 12 || c.ids.includes(huge) ? 413 : 200 }));
    const statuses: number[] = [];
    const inner = ft.respond;
    ft.respond = async (c, i) => {
      const r = await inner(c, i);
      statuses.push(r.status);
      return r;
    };
    const { q, store } = makeQueue(ft, { batch: { size: 50 } });
    q.add(all);
    await q.flush();
    const ok = ft.calls.filter((_, i) => statuses[i] === 200);
    const ids = ok.flatMap((c) => c.ids);
    expect(ids).toHaveLength(49);
    expect(new Set(ids).size).toBe(49);
    expect(ids).not.toContain(huge);
    for (const c of ok) expect(c.ids.length).toBeLessThanOrEqual(12);
    expect(q.stats()).toMatchObject({ delivered: 49, dropped: { too_large: 1 }, queued: 0 });
    expect(await store.all()).toEqual([]);
    expect(ft.calls.some((c) => c.ids.length === 1 && c.ids[0] === huge)).toBe(true);
  });
});

describe('other 4xx', () => {
  it.each([400, 401, 403, 404, 422])('%s drops the batch, counted as rejected, never retried', async (status) => {
    const ft = fakeTransport(() => ({ status }));
    const debug = vi.fn();
    const { q, store } = makeQueue(ft, { debug });
    q.add(evs(5));
    await advance(5000);
    expect(ft.calls).toHaveLength(1);
    expect(q.stats()).toMatchObject({ delivered: 0, retried: 0, dropped: { rejected: 5 }, queued: 0 });
    expect(await store.all()).toEqual([]);
    expect(debug.mock.calls.some(([m]) => /rejected/.test(String(m)))).toBe(true);
    await advance(3600_000);
    expect(ft.calls).toHaveLength(1);
  });
});

describe('retry.maxAgeMs', () => {
  it('drops events still undelivered after maxAgeMs as too_old; younger events still go out', async () => {
    let down = true;
    const ft = fakeTransport(() => ({ status: down ? 503 : 200 }));
    const { q, store } = makeQueue(ft, { retry: { maxAgeMs: 60000, maxDelayMs: 10000 } });
    const old = evs(3);
    q.add(old);
    await advance(61000);
    expect(q.stats().retried).toBeGreaterThan(0);
    down = false;
    const fresh = evs(2);
    q.add(fresh);
    await q.flush();
    await advance(20000);
    const delivered = ft.calls.filter((c) => c.at > 61000 + Date.parse('2026-03-01T10:00:00Z') - 1).flatMap((c) => c.ids);
    expect(delivered).toEqual(fresh.map((e) => e.id));
    expect(q.stats()).toMatchObject({ delivered: 2, dropped: { too_old: 3 }, queued: 0 });
    expect(await store.all()).toEqual([]);
  });

  it('drops too-old events left by a previous page on start-up', async () => {
    const store = createMemoryStore();
    const t0 = Date.now();
    await store.put([{ key: 'stale', event: { ...ev(), id: 'stale' }, createdAt: t0 - 8 * 864e5, attempts: 3 }]);
    const ft = fakeTransport();
    const { q } = makeQueue(ft, { store });
    await q.start();
    await advance(2000);
    expect(ft.calls).toHaveLength(0);
    expect(q.stats().dropped).toEqual({ too_old: 1 });
    expect(await store.all()).toEqual([]);
  });
});

describe('queue.maxEvents', () => {
  it('evicts the oldest first, counted as queue_full; the newest are delivered', async () => {
    setOnline(false);
    const ft = fakeTransport();
    const { q, store } = makeQueue(ft, { maxEvents: 10 });
    const all = evs(15);
    for (const e of all) q.add([e]);
    await advance(60000);
    expect(ft.calls).toHaveLength(0);
    expect(q.stats()).toMatchObject({ queued: 10, dropped: { queue_full: 5 } });
    expect((await store.all()).map((r) => r.key)).toEqual(all.slice(5).map((e) => e.id));
    setOnline(true);
    await q.flush(false);
    expect(ft.calls.flatMap((c) => c.ids)).toEqual(all.slice(5).map((e) => e.id));
    expect(q.stats()).toMatchObject({ delivered: 10, queued: 0, dropped: { queue_full: 5 } });
  });

  it('bounds a store filled by earlier pages, oldest first', async () => {
    const store = createMemoryStore();
    const t0 = Date.now();
    const left = evs(15);
    await store.put(left.map((e, i): Rec => ({ key: e.id, event: e, createdAt: t0 - 1000 + i, attempts: 0 })));
    const ft = fakeTransport();
    const { q } = makeQueue(ft, { store, maxEvents: 10 });
    await q.start();
    await q.flush();
    expect(ft.calls.flatMap((c) => c.ids)).toEqual(left.slice(5).map((e) => e.id));
    expect(q.stats().dropped).toEqual({ queue_full: 5 });
  });
});

describe('offline', () => {
  it('sends nothing and spends no attempts while navigator.onLine is false; flush after online sends', async () => {
    setOnline(false);
    const ft = fakeTransport();
    const { q } = makeQueue(ft);
    const sent = evs(5);
    q.add(sent);
    await advance(5000);
    await expect(q.flush()).resolves.toBeUndefined();
    await advance(600_000);
    expect(ft.calls).toHaveLength(0);
    expect(q.stats()).toMatchObject({ retried: 0, queued: 5 });
    setOnline(true);
    await q.flush(false); // what the tracker does on `online`
    expect(ft.calls).toHaveLength(1);
    expect(ft.calls[0]!.ids).toEqual(sent.map((e) => e.id));
    expect(ft.calls[0]!.json.events.map((e) => e.attempt)).toEqual([1, 1, 1, 1, 1]);
  });
});

describe('page exit', () => {
  /** A store that stops applying writes once the page "dies" (what an unfinished IndexedDB transaction does). */
  function mortal(inner: EventStore) {
    const s = { dead: false, store: { ...inner } as EventStore };
    s.store.put = (r) => (s.dead ? Promise.resolve() : inner.put(r));
    s.store.del = (k) => (s.dead ? Promise.resolve() : inner.del(k));
    return s;
  }

  it('beacons within the 64 KB budget in chunks; the rest stays stored; nothing is sent twice after a reload', async () => {
    const ft = fakeTransport();
    const inner = createMemoryStore();
    const m = mortal(inner);
    const { q } = makeQueue(ft, { store: m.store, batch: { size: 500, intervalMs: 600000 } });
    const all = evs(200, { pad: 'x'.repeat(900) });
    q.add(all);
    await settle();
    expect((await inner.all()).length).toBe(200);
    m.dead = true; // whatever IndexedDB work the exit starts never commits
    q.exit();
    expect(ft.calls).toHaveLength(0);
    expect(ft.beacons.length).toBeGreaterThan(0);
    const sizes = ft.beacons.map((b) => new TextEncoder().encode(b.body).length);
    for (const s of sizes) expect(s).toBeLessThanOrEqual(60000);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(KEEPALIVE_BUDGET);
    const handed = ft.beacons.flatMap((b) => b.ids);
    expect(handed.length).toBeGreaterThan(20);
    expect(handed.length).toBeLessThan(200);
    expect(q.stats().delivered).toBe(handed.length);
    for (const b of ft.beacons) expect(b.json.events.every((e) => e.attempt === 1)).toBe(true);

    // Reload: a new page, a new queue over the same storage.
    const ft2 = fakeTransport();
    const { q: q2 } = makeQueue(ft2, { store: inner, kv: createKV(), batch: { size: 500, intervalMs: 600000 } });
    await q2.start();
    await q2.flush();
    const later = ft2.calls.flatMap((c) => c.ids);
    expect(later.filter((id) => handed.includes(id))).toEqual([]);
    expect(new Set([...handed, ...later])).toEqual(new Set(all.map((e) => e.id)));
    expect(handed.length + later.length).toBe(200);
    // And the page after that has nothing left to send.
    const ft3 = fakeTransport();
    const { q: q3 } = makeQueue(ft3, { store: inner, kv: createKV() });
    await q3.start();
    await q3.flush();
    expect(ft3.calls).toHaveLength(0);
  });

  it('keeps everything stored when the browser refuses the beacon', async () => {
    const ft = fakeTransport();
    ft.beaconOk = false;
    const store = createMemoryStore();
    const { q } = makeQueue(ft, { store, batch: { intervalMs: 600000 } });
    const all = evs(5);
    q.add(all);
    q.exit();
    await settle();
    expect(q.stats().delivered).toBe(0);
    const ft2 = fakeTransport();
    const { q: q2 } = makeQueue(ft2, { store, kv: createKV() });
    await q2.start();
    await q2.flush();
    expect(ft2.calls.flatMap((c) => c.ids)).toEqual(all.map((e) => e.id));
  });

  /** A memory store that says it is durable (IndexedDB), as the real one would. */
  const durable = (inner: EventStore): EventStore => ({ ...inner, mode: () => 'indexeddb' });

  it('does not beacon while the collector is failing: the events wait for the next page load', async () => {
    const ft = fakeTransport(() => ({ status: 0 }));
    const inner = createMemoryStore();
    const store = durable(inner);
    const { q } = makeQueue(ft, { store, batch: { intervalMs: 1000 } });
    const all = evs(5);
    q.add(all);
    await advance(1000);
    expect(ft.calls).toHaveLength(1);
    q.exit();
    await settle();
    expect(ft.beacons).toHaveLength(0);
    const ft2 = fakeTransport();
    const { q: q2 } = makeQueue(ft2, { store: inner, kv: createKV() });
    await q2.start();
    await q2.flush();
    expect(ft2.calls.flatMap((c) => c.ids)).toEqual(all.map((e) => e.id));
  });

  it('does not beacon while offline', async () => {
    setOnline(false);
    const ft = fakeTransport();
    const inner = createMemoryStore();
    const { q } = makeQueue(ft, { store: durable(inner) });
    q.add(evs(3));
    q.exit();
    await settle();
    expect(ft.beacons).toHaveLength(0);
    expect(q.stats().queued).toBe(3);
    expect(await inner.all()).toHaveLength(3);
  });

  it('in memory mode (nothing survives the page) it beacons even after failures: the last chance', async () => {
    const ft = fakeTransport(() => ({ status: 503 }));
    const { q } = makeQueue(ft, { batch: { intervalMs: 1000 } });
    q.add(evs(3));
    await advance(1000);
    q.exit();
    expect(ft.beacons.flatMap((b) => b.ids)).toHaveLength(3);
    expect(ft.beacons[0]!.json.events[0]!.attempt).toBe(2);
  });
});

describe('setMode', () => {
  it("'held' keeps events in memory only, sends nothing; 'on' stores and sends them", async () => {
    const ft = fakeTransport();
    const { q, store } = makeQueue(ft);
    await q.setMode('held');
    const held = evs(3);
    q.add(held);
    await advance(60000);
    await q.flush();
    q.exit();
    expect(ft.calls).toHaveLength(0);
    expect(ft.beacons).toHaveLength(0);
    expect(await store.all()).toEqual([]);
    expect(q.stats()).toMatchObject({ queued: 3, storage: 'none' });
    await q.setMode('on');
    expect((await store.all()).map((r) => r.key)).toEqual(held.map((e) => e.id));
    await advance(0);
    expect(ft.calls.flatMap((c) => c.ids)).toEqual(held.map((e) => e.id));
  });

  it("'off' deletes the queue and drops later events, counted as opted_out", async () => {
    const ft = fakeTransport(() => ({ status: 503 }));
    const { q, store } = makeQueue(ft);
    q.add(evs(4));
    await advance(5000);
    expect(ft.calls).toHaveLength(1);
    await q.setMode('off');
    expect(await store.all()).toEqual([]);
    q.add(evs(2));
    await advance(3600_000);
    await q.flush();
    q.exit();
    expect(ft.calls).toHaveLength(1);
    expect(ft.beacons).toHaveLength(0);
    expect(q.stats()).toMatchObject({ queued: 0, dropped: { opted_out: 6 }, storage: 'none' });
  });

  it("'off' then 'on' sends only what was tracked after", async () => {
    const ft = fakeTransport();
    const { q } = makeQueue(ft);
    await q.setMode('held');
    q.add(evs(2));
    await q.setMode('off');
    await q.setMode('on');
    const after = evs(1);
    q.add(after);
    await q.flush();
    expect(ft.calls.flatMap((c) => c.ids)).toEqual([after[0]!.id]);
  });
});
