// Seeded model-based fault injection over the real delivery core (createQueue), thousands of
// steps per seed. The world: up to three tabs over one shared durable store (IndexedDB) and one
// shared localStorage, a fake BroadcastChannel, fake timers for delays (the queue's monotonic
// clock) and a wall clock `now` that jumps forward and back on its own.
//
// Injected faults: collector answers drawn per request (2xx, slow 2xx, 400, 413 over a body limit
// or at random, 429 with Retry-After, 5xx, network error, and HANG: a request never answered,
// which the transport turns into status 0 after `timeoutMs` as the browser transport does);
// poison properties (cycles, BigInt, throwing toJSON, functions) passed through toPlain at the
// door; raw unencodable events (BigInt) fed to the queue directly; events whose wire encoding
// throws; oversize (> MAX_EVENT_BYTES) and large (16–32 KB) events; tab reloads and closes
// (exit → beacons, accepted or refused); a second and third tab; store operations that reject,
// stall, or fall back to memory; the wall clock jumping; offline spells.
//
// After a healing phase (collector healthy, storage unstalled, fresh page load) it asserts:
//   - every tracked event was delivered or counted as dropped for a documented reason,
//   - an event that was dropped was not also delivered, and none was dropped twice,
//   - no id was accepted twice unless storage faulted (then at-least-once: same id),
//   - every flush() settled within 2 × retry.timeoutMs of fake time,
//   - nothing is left queued anywhere (no event stuck behind a bad one), exit() never threw.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mulberry32 } from './seeded';
import { createQueue, MAX_EVENT_BYTES, type Queue, type QueueMessage } from '../../src/delivery/queue';
import { createMemoryStore, type EventStore, type Rec } from '../../src/delivery/store';
import type { SendResult } from '../../src/delivery/transport';
import { toPlain } from '../../src/lib/plain';
import { createKV } from '../../src/storage';
import type { WaymarkEvent } from '../../src/types';

const TIMEOUT_MS = 2000;
const DOCUMENTED = ['queue_full', 'too_old', 'rejected', 'too_large', 'unencodable', 'opted_out'];
/** The collector's body limit: a larger request is answered 413. */
const BODY_LIMIT = 40000;


/** localStorage shared by the origin's tabs (what createKV writes through to). */
function sharedStorage(): Storage {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, String(v)),
    removeItem: (k: string) => void m.delete(k),
    clear: () => m.clear(),
    key: (i: number) => [...m.keys()][i] ?? null,
    get length() {
      return m.size;
    },
  };
}

/** A BroadcastChannel stand-in: messages reach the other members as a task (not synchronously). */
function createBus() {
  const members = new Set<{ onmessage: (msg: QueueMessage) => void }>();
  return {
    join(onmessage: (msg: QueueMessage) => void) {
      const me = { onmessage };
      members.add(me);
      return {
        postMessage(msg: QueueMessage) {
          const copy = structuredClone(msg);
          for (const m of members) if (m !== me) setTimeout(() => members.has(m) && m.onmessage(copy), 0);
        },
        close: () => void members.delete(me),
      };
    },
  };
}

/**
 * Web Locks with one exclusive lock, as the queue uses them (`signal` to bound the wait, or
 * `ifAvailable`). A dead tab's lock goes once its callback settles (every send is bounded).
 */
function fakeLocks() {
  let held = false;
  const waiting: Array<() => void> = [];
  const release = () => {
    held = false;
    waiting.shift()?.();
  };
  return {
    request(_name: string, options: { signal?: AbortSignal; ifAvailable?: boolean }, cb: (lock: unknown) => Promise<unknown>) {
      return new Promise((resolve, reject) => {
        const run = () => {
          held = true;
          Promise.resolve()
            .then(() => cb({ name: _name }))
            .then(resolve, reject)
            .finally(release);
        };
        if (!held) return run();
        if (options.ifAvailable) return void Promise.resolve(cb(null)).then(resolve, reject);
        const turn = () => {
          options.signal?.removeEventListener('abort', abort);
          run();
        };
        const abort = () => {
          waiting.splice(waiting.indexOf(turn), 1);
          reject(new DOMException('aborted', 'AbortError'));
        };
        waiting.push(turn);
        options.signal?.addEventListener('abort', abort);
      });
    },
  };
}

type Regime = 'healthy' | 'flaky' | 'down' | 'hanging' | 'rejecting';
type Answer = '2xx' | 'slow' | '400' | '413' | '429' | '5xx' | 'network' | 'hang';
type StoreFault = 'none' | 'reject' | 'stall' | 'memory';

interface Tab {
  name: string;
  q: Queue;
  dead: boolean;
  fault: StoreFault;
  stalled: Array<() => void>;
  /** Ids this tab queued. */
  own: Set<string>;
  channel: { postMessage(msg: QueueMessage): void; close(): void };
}

interface Watch {
  tab: string;
  at: number;
  settledAt?: number;
}

type Ev = WaymarkEvent & { attempt?: number };

async function runModel(seed: number, steps: number, storageFaults: boolean) {
  const rnd = mulberry32(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const log: string[] = [];
  const shared = createMemoryStore();
  const ls = sharedStorage();
  const bus = createBus();
  let wallOffset = 0; // the wall clock's jump relative to the fake timers' clock
  const wall = () => Date.now() + wallOffset;
  let regime: Regime = 'healthy';
  let online = true;
  let storageFaulted = false;

  const tracked = new Map<string, { json: string; kind: string }>();
  const accepted = new Map<string, number>();
  const dropped = new Map<string, string>();
  const droppedTwice: string[] = [];
  const droppedBy = new Map<string, string>();
  const countedByTwoTabs = new Set<string>();
  const logged: Record<string, number> = {}; // drops by reason, as logged in debug mode
  const counted: Record<string, number> = {}; // drops by reason, as stats().dropped of every tab says
  const lostWithMemoryPage = new Set<string>(); // queued in a page whose storage had fallen back to memory, when it closed
  const sentAfterDrop = new Set<string>(); // counted as dropped, then sent all the same
  const lostAtExit = new Set<string>(); // in a keepalive request when the page closed; the collector then failed
  const watches: Watch[] = [];
  const exitErrors: string[] = [];
  const counts = { requests: 0, hangs: 0, beacons: 0, refusedBeacons: 0, jumps: 0, reloads: 0, closes: 0 };
  let n = 0;

  const trace = new Map<string, string[]>();
  const tr = (ids: string[], what: string) => {
    if (!process.env.MODEL_DEBUG) return;
    for (const id of ids) trace.set(id, [...(trace.get(id) ?? []), `${log.length}:${what}`]);
  };
  const strip = (e: Ev) => {
    const { attempt: _a, ...rest } = e;
    return JSON.stringify(rest);
  };
  const see = (events: Ev[]) => {
    for (const e of events) {
      const t = tracked.get(e.id);
      expect(t, `received unknown id ${e.id}`).toBeDefined();
      expect(strip(e), `event ${e.id} altered on the way`).toBe(t!.json);
    }
  };
  const accept = (events: Ev[]) => events.forEach((e) => accepted.set(e.id, (accepted.get(e.id) ?? 0) + 1));

  function answer(bytes: number): Answer {
    if (bytes > BODY_LIMIT) return '413';
    const r = rnd();
    switch (regime) {
      case 'healthy':
        return r < 0.85 ? '2xx' : 'slow';
      case 'flaky':
        return r < 0.35 ? '2xx' : r < 0.45 ? 'slow' : r < 0.48 ? '400' : r < 0.53 ? '413' : r < 0.63 ? '429' : r < 0.75 ? '5xx' : r < 0.87 ? 'network' : 'hang';
      case 'down':
        return r < 0.4 ? '5xx' : r < 0.8 ? 'network' : 'hang';
      case 'hanging':
        return r < 0.8 ? 'hang' : '2xx';
      case 'rejecting':
        return r < 0.5 ? '400' : '2xx';
    }
  }

  const tabs: Tab[] = [];
  let tabNo = 0;

  function storeFor(tab: Tab): EventStore {
    const own = createMemoryStore(); // where a tab whose IndexedDB failed keeps its events
    const target = () => (tab.fault === 'memory' ? own : shared);
    const op =
      <A extends unknown[], R>(fn: (s: EventStore, ...a: A) => Promise<R>, inert: R) =>
      (...a: A): Promise<R> => {
        // A dead page's JavaScript does nothing more.
        if (tab.dead) return Promise.resolve(inert);
        if (tab.fault === 'reject') return Promise.reject(new Error('storage fault'));
        if (tab.fault === 'stall')
          return new Promise<R>((resolve, reject) =>
            tab.stalled.push(() => (tab.dead ? resolve(inert) : fn(target(), ...a).then(resolve, reject))),
          );
        return fn(target(), ...a);
      };
    return {
      mode: () => (tab.fault === 'memory' ? 'memory' : 'indexeddb'),
      put: op((s, r: Rec[]) => (tr(r.map((x) => x.key), `${tab.name} put ${tab.fault}`), s.put(r.map((x) => structuredClone(x)))), undefined),
      all: op((s) => s.all(), [] as Rec[]),
      del: op((s, k: string[]) => (tr(k, `${tab.name} del ${tab.fault}`), s.del(k)), undefined),
      clear: op((s) => s.clear(), undefined),
      getMeta: op((s, k: string) => s.getMeta(k), undefined) as EventStore['getMeta'],
      setMeta: op((s, k: string, v: unknown) => s.setMeta(k, v), undefined),
    };
  }

  function openTab(): Tab {
    const name = `tab${++tabNo}`;
    const tab = { name, dead: false, fault: 'none', stalled: [], own: new Set() } as unknown as Tab;
    tab.channel = bus.join((msg) => !tab.dead && tab.q.receive(msg));
    tab.q = createQueue({
      store: storeFor(tab),
      // A dead page's JavaScript writes nothing more (its promise callbacks still run in this model).
      kv: createKV({ ...ls, getItem: (k) => ls.getItem(k), setItem: (k, v) => void (tab.dead || ls.setItem(k, v)), removeItem: (k) => void (tab.dead || ls.removeItem(k)) } as Storage),
      transport: {
        send(_url, body, opts) {
          counts.requests++;
          const events = (JSON.parse(body) as { events: Ev[] }).events;
          see(events);
          const a = online ? answer(body.length) : 'network';
          tr(events.map((e) => e.id), `${name} send ${a}`);
          for (const e of events) if (dropped.has(e.id)) sentAfterDrop.add(e.id);
          if (a === 'hang') {
            counts.hangs++;
            // The collector never answers; the transport gives up after timeoutMs (status 0).
            if (opts.timeoutMs === undefined) return new Promise<SendResult>(() => {});
            return new Promise((r) =>
              setTimeout(() => {
                if (tab.dead) events.forEach((e) => lostAtExit.add(e.id));
                r({ status: 0 });
              }, opts.timeoutMs),
            );
          }
          const delay = a === 'slow' ? TIMEOUT_MS * (0.3 + rnd() * 0.6) : rnd() * 300;
          const status = { '2xx': 200, slow: 202, '400': 400, '413': 413, '429': 429, '5xx': pick([500, 502, 503]), network: 0 }[a];
          return new Promise((resolve) =>
            setTimeout(() => {
              if (status >= 200 && status < 300) accept(events);
              tr(events.map((e) => e.id), `${name} answered ${status}${tab.dead ? ' (dead)' : ''}`);
              if (tab.dead) {
                // A keepalive request outlives its page; nobody reads the answer.
                if (!(status >= 200 && status < 300)) events.forEach((e) => lostAtExit.add(e.id));
                return resolve({ status: 0 });
              }
              resolve({ status, ...(status === 429 ? { retryAfterMs: Math.floor(rnd() * 5000) } : {}) });
            }, delay),
          );
        },
        beacon(_url, body) {
          const events = (JSON.parse(body) as { events: Ev[] }).events;
          see(events);
          const refuse = rnd() < 0.15;
          tr(events.map((e) => e.id), `${name} beacon ${refuse ? 'refused' : 'taken'}`);
          if (refuse) {
            counts.refusedBeacons++;
            return false; // the browser refused the body: the events stay queued
          }
          counts.beacons++;
          accept(events); // a beacon the browser took is delivered
          return true;
        },
      },
      now: wall,
      monotonic: () => Date.now(),
      random: rnd,
      tab: name,
      endpoint: 'https://collector.test/e',
      batch: { size: 8, intervalMs: 1500, maxBytes: 60000 },
      retry: { baseDelayMs: 300, maxDelayMs: 6000, maxAgeMs: 30 * 864e5, timeoutMs: TIMEOUT_MS },
      maxEvents: 80,
      encode: (events, sentAt) => {
        if (events.some((e) => (e.properties as { bomb?: boolean }).bomb)) throw new Error('format cannot encode this event');
        return JSON.stringify({ sentAt, events });
      },
      debug: (msg, data) => {
        const m = /^dropped (\d+): (\w+)/.exec(msg);
        if (process.env.MODEL_DEBUG === name) log.push(`  ${name}: ${msg} @${Date.now() % 1e6}`);
        // A dead page does nothing more (in this model its promise callbacks still run: ignore them).
        if (!m || tab.dead) return;
        tr(data as string[], `${name} dropped ${m[2]}`);
        logged[m[2]!] = (logged[m[2]!] ?? 0) + (data as string[]).length;
        for (const id of data as string[]) {
          // The same tab counting one event twice is a bug; two tabs that both expire an event
          // whose broadcast is still on its way may both count it (a known, harmless race).
          if (droppedBy.get(id) === name) droppedTwice.push(`${id} (${dropped.get(id)}, then ${m[2]}, by ${name})`);
          else if (dropped.has(id)) countedByTwoTabs.add(id);
          dropped.set(id, m[2]!);
          droppedBy.set(id, name);
        }
      },
      broadcast: (msg) => (tr(msg.k, `${name} bc ${msg.q}`), !tab.dead && tab.channel.postMessage(msg)),
    });
    tabs.push(tab);
    void tab.q.start();
    return tab;
  }

  async function kill(tab: Tab) {
    try {
      tab.q.exit();
    } catch (err) {
      exitErrors.push(`${tab.name}: ${String(err)}`);
    }
    // What pagehide started (and its microtasks) still happens; nothing after.
    for (let i = 0; i < 20; i++) await Promise.resolve();
    for (const [reason, k] of Object.entries(tab.q.stats().dropped)) counted[reason] = (counted[reason] ?? 0) + k;
    tab.dead = true;
    // IndexedDB failed in this page: what it could not hand over dies with it (the documented limit of memory storage).
    if (tab.fault === 'memory') for (const id of tab.own) if (!accepted.has(id) && !dropped.has(id)) lostWithMemoryPage.add(id);
    tab.channel.close();
    tab.q.stop();
    tab.stalled.splice(0).forEach((go) => go());
    tabs.splice(tabs.indexOf(tab), 1);
  }

  function flush(tab: Tab, force = true) {
    const w: Watch = { tab: tab.name, at: Date.now() };
    watches.push(w);
    void tab.q.flush(force).then(() => (w.settledAt = Date.now()));
  }

  function makeEvent(step: number): { event: WaymarkEvent; kind: string; raw?: boolean } {
    n++;
    const r = rnd();
    let kind = 'plain';
    let properties: Record<string, unknown> = { step, pad: 'x'.repeat(Math.floor(rnd() * 300)) };
    let raw = false;
    if (r < 0.04) {
      // Poison at the door: must become plain data and go out like any other event.
      kind = 'poison';
      const self: Record<string, unknown> = { step, big: 10n ** 20n, fn: () => 1, sym: Symbol('s') };
      self.self = self;
      self.bad = { toJSON: () => { throw new Error('nope'); } };
      properties = toPlain(self, () => {}) as Record<string, unknown>;
    } else if (r < 0.06) {
      kind = 'oversize';
      properties = { pad: 'x'.repeat(MAX_EVENT_BYTES + Math.floor(rnd() * 5000)) };
    } else if (r < 0.08) {
      kind = 'large'; // 16–32 KB: a network failure on it alone may mean "too large"
      properties = { pad: 'x'.repeat(17000 + Math.floor(rnd() * 14000)) };
    } else if (r < 0.095) {
      kind = 'bomb'; // the wire format throws on this one event
      properties = { bomb: true };
    } else if (r < 0.105) {
      kind = 'raw'; // reached the queue without toPlain: JSON.stringify throws
      raw = true;
    }
    const event: WaymarkEvent = {
      id: `s${seed}-e${n}`,
      type: 'track',
      name: `n${n}`,
      timestamp: new Date(wall()).toISOString(),
      seq: n,
      anonymousId: 'anon',
      sessionId: 'sess',
      stage: null,
      page: { url: 'https://s.test/', path: '/', title: '', referrer: '' },
      properties,
      context: { library: { name: 'waymark', version: '0' } },
    };
    tracked.set(event.id, { json: raw ? '' : JSON.stringify(event), kind });
    if (raw) event.properties = { big: 1n };
    return { event, kind, raw };
  }

  function checkFlushes() {
    for (const w of watches) {
      if (w.settledAt === undefined && Date.now() - w.at > 2 * TIMEOUT_MS + 1)
        throw new Error(`flush() of ${w.tab} at ${w.at} still pending at ${Date.now()} (bound ${2 * TIMEOUT_MS} ms); ${log.slice(-25).join('\n')}`);
      if (w.settledAt !== undefined) expect(w.settledAt - w.at, `flush() of ${w.tab} settled late`).toBeLessThanOrEqual(2 * TIMEOUT_MS);
    }
    for (let i = watches.length - 1; i >= 0; i--) if (watches[i]!.settledAt !== undefined) watches.splice(i, 1);
  }

  openTab();
  for (let step = 0; step < steps; step++) {
    const r = rnd();
    const tab = pick(tabs);
    if (r < 0.3) {
      const k = 1 + Math.floor(rnd() * 4);
      const events = Array.from({ length: k }, () => makeEvent(step).event);
      log.push(`${tab.name} add ${k}`);
      tr(events.map((e) => e.id), `${tab.name} add`);
      events.forEach((e) => tab.own.add(e.id));
      tab.q.add(events);
    } else if (r < 0.52) {
      const ms = Math.floor(rnd() * 4000);
      log.push(`advance ${ms}`);
      await vi.advanceTimersByTimeAsync(ms);
    } else if (r < 0.6) {
      log.push(`${tab.name} flush`);
      flush(tab, rnd() < 0.8);
    } else if (r < 0.68) {
      regime = rnd() < 0.4 ? 'healthy' : pick(['flaky', 'flaky', 'down', 'hanging', 'rejecting'] as const);
      log.push(`collector ${regime}`);
    } else if (r < 0.73) {
      log.push(`${tab.name} reload`);
      counts.reloads++;
      await kill(tab);
      openTab();
    } else if (r < 0.77 && tabs.length < 3) {
      log.push('open tab');
      openTab();
    } else if (r < 0.8 && tabs.length > 1) {
      log.push(`${tab.name} close`);
      counts.closes++;
      await kill(tab);
    } else if (r < 0.84) {
      if (!storageFaults) continue;
      const next: StoreFault = tab.fault === 'memory' ? 'memory' : pick(['none', 'none', 'reject', 'stall', 'memory'] as const);
      log.push(`${tab.name} storage ${next}`);
      if (next !== 'none') storageFaulted = true;
      const was = tab.fault;
      tab.fault = next;
      if (was === 'stall' && next !== 'stall') tab.stalled.splice(0).forEach((go) => go());
      if (next === 'memory' && was !== 'memory') tab.q.rehome(); // what the tracker does on fallback
    } else if (r < 0.88) {
      // Mostly hours and days either way; rarely far enough ahead that everything queued is too old.
      const jump = rnd() < 0.1 ? pick([40 * 864e5, 365 * 864e5] as const) : pick([3600e3, 864e5, -3600e3, -864e5, -wallOffset] as const);
      wallOffset += jump;
      counts.jumps++;
      log.push(`clock ${jump >= 0 ? '+' : ''}${Math.round(jump / 36e5)} h`);
    } else if (r < 0.9) {
      online = !online;
      Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => online });
      log.push(online ? 'online' : 'offline');
      if (online) for (const t of tabs) flush(t, false);
    } else {
      await vi.advanceTimersByTimeAsync(0);
    }
    checkFlushes();
  }

  // Heal: collector healthy, online, storage working again (stalls released), time for backoffs
  // and leases, every tab flushed; then every tab closes and a fresh page load sends the rest.
  log.push('heal');
  regime = 'healthy';
  online = true;
  Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => true });
  for (const t of tabs) {
    if (t.fault === 'reject' || t.fault === 'stall') t.fault = 'none';
    t.stalled.splice(0).forEach((go) => go());
  }
  for (let round = 0; round < 6; round++) {
    await vi.advanceTimersByTimeAsync(8000);
    for (const t of tabs) flush(t);
    await vi.advanceTimersByTimeAsync(3 * TIMEOUT_MS);
    checkFlushes();
  }
  const stuck = tabs.map((t) => `${t.name}: ${t.q.stats().queued}`).filter((s) => !s.endsWith(': 0'));
  for (const t of [...tabs]) await kill(t);
  await vi.advanceTimersByTimeAsync(12000);
  const last = openTab();
  for (let round = 0; round < 4; round++) {
    await vi.advanceTimersByTimeAsync(8000);
    flush(last);
    await vi.advanceTimersByTimeAsync(3 * TIMEOUT_MS);
    checkFlushes();
  }
  const lastQueued = last.q.stats().queued;
  await kill(last);
  await vi.advanceTimersByTimeAsync(5000);
  const leftInStore = (await shared.all()).map((r) => r.key);
  return { logged, counted, countedByTwoTabs, lostWithMemoryPage, sentAfterDrop, trace, log, tracked, accepted, dropped, droppedTwice, lostAtExit, exitErrors, stuck, lastQueued, leftInStore, storageFaulted, counts };
}

const RUNS: Array<[seed: number, steps: number, storageFaults: boolean]> = [
  [11, 2500, false],
  [2027, 2500, false],
  [65537, 2500, false],
  [31337, 2500, false],
  [23, 2500, true],
  [404, 2500, true],
  [9001, 2500, true],
  [777, 2500, true],
];

const realTimeout = AbortSignal.timeout;
beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-03-01T10:00:00Z') });
  // Web Locks, and AbortSignal.timeout on the fake clock (Node's runs on real time).
  Object.defineProperty(navigator, 'locks', { configurable: true, value: fakeLocks() });
  AbortSignal.timeout = (ms: number) => {
    const c = new AbortController();
    setTimeout(() => c.abort(new DOMException('timed out', 'TimeoutError')), ms);
    return c.signal;
  };
});
afterEach(() => {
  vi.useRealTimers();
  AbortSignal.timeout = realTimeout;
  delete (navigator as { locks?: unknown }).locks;
  Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => true });
});

describe('delivery core under injected faults (seeded model)', () => {
  it.each(RUNS)('seed %i, %i steps (storage faults: %s)', async (seed, steps, storageFaults) => {
    const w = await runModel(seed, steps, storageFaults);
    const why = () => `seed ${seed}; last steps:\n${w.log.slice(-30).join('\n')}`;
    if (process.env.MODEL_DEBUG)
      console.log(`seed ${seed}: ${steps} steps, tracked ${w.tracked.size}, delivered ${w.accepted.size}, dropped ${w.dropped.size}, lost at exit ${w.lostAtExit.size}, lost with a memory page ${w.lostWithMemoryPage.size}, counted by two tabs ${w.countedByTwoTabs.size}`, w.counts, [...w.dropped.values()].reduce<Record<string, number>>((m, r) => ((m[r] = (m[r] ?? 0) + 1), m), {}));
    expect(w.tracked.size, 'the run tracked enough events to mean something').toBeGreaterThan(steps / 2);
    expect(w.exitErrors, `exit() threw; ${why()}`).toEqual([]);
    // Nothing stuck: after healing, no tab holds a queued event, the store is empty.
    expect(w.stuck, `events still queued after healing; ${why()}`).toEqual([]);
    expect(w.lastQueued).toBe(0);
    expect(w.leftInStore, `records left in the store; ${why()}`).toEqual([]);
    // Every event delivered or counted as dropped for a documented reason.
    const missing = [...w.tracked.keys()].filter((id) => !w.accepted.has(id) && !w.dropped.has(id) && !w.lostAtExit.has(id) && !w.lostWithMemoryPage.has(id));
    // MODEL_FROM=n prints the steps from n on (with MODEL_DEBUG=1 for per-event traces, MODEL_DEBUG=tabN for a tab's debug log).
    if (process.env.MODEL_FROM) console.log(w.log.map((l, i) => `${i}: ${l}`).slice(Number(process.env.MODEL_FROM), Number(process.env.MODEL_FROM) + 40).join('\n'));
    if (missing.length && process.env.MODEL_DEBUG) console.log(missing.slice(0, 2).map((id) => `${id}: ${w.trace.get(id)?.join(' | ')}`).join('\n'));
    expect(missing.map((id) => `${id} (${w.tracked.get(id)!.kind})`), `lost without a count; ${why()}`).toEqual([]);
    for (const reason of new Set(w.dropped.values())) expect(DOCUMENTED).toContain(reason);
    // What stats().dropped counts is what debug mode logged, reason by reason.
    expect(w.counted, `stats().dropped disagrees with the debug log; ${why()}`).toEqual(w.logged);
    // Each kind of bad event meets its documented fate and holds up nothing.
    for (const [id, { kind }] of w.tracked) {
      if (kind === 'oversize') expect(w.dropped.get(id), id).toBe('too_large');
      if (kind === 'raw') expect(w.dropped.get(id), id).toBe('unencodable');
      if (kind === 'bomb' && !w.lostWithMemoryPage.has(id)) expect(['unencodable', 'queue_full', 'too_old'], id).toContain(w.dropped.get(id));
      if (kind === 'bomb' || kind === 'oversize' || kind === 'raw') expect(w.accepted.has(id), `${id} (${kind}) reached the collector`).toBe(false);
    }
    const poison = [...w.tracked].filter(([, t]) => t.kind === 'poison').map(([id]) => id);
    expect(poison.length).toBeGreaterThan(0);
    expect(poison.filter((id) => w.accepted.has(id)).length, 'poison events (made plain) are delivered like others').toBeGreaterThan(0);
    if (w.storageFaulted) return; // at-least-once: the same id may arrive twice
    const both = [...w.dropped.keys()].filter((id) => w.accepted.has(id));
    if (both.length && process.env.MODEL_DEBUG) console.log(both.slice(0, 2).map((id) => `${id} (${w.dropped.get(id)}): ${w.trace.get(id)?.join(' | ')}`).join('\n'));
    expect(both, `counted as dropped but delivered; ${why()}`).toEqual([]);
    const dups = [...w.accepted].filter(([, k]) => k > 1).map(([id]) => id);
    if (dups.length && process.env.MODEL_DEBUG) console.log(dups.slice(0, 2).map((id) => `${id}: ${w.trace.get(id)?.join(' | ')}`).join('\n'));
    expect(dups, `accepted twice on a healthy store; ${why()}`).toEqual([]);
    expect([...w.sentAfterDrop], `sent again after being counted as dropped; ${why()}`).toEqual([]);
    if (w.droppedTwice.length && process.env.MODEL_DEBUG) console.log(w.droppedTwice.slice(0, 3).map((d) => d.split(' ')[0]!).map((id) => `${id}: ${w.trace.get(id)?.join(' | ')}`).join('\n'));
    expect(w.droppedTwice, `dropped twice; ${why()}`).toEqual([]);
  });
});

// Small, deterministic cases for what the model found (each failed on the delivery core of e7b2c13).
describe('delivery core: cases found by the model', () => {
  let seq = 0;
  const ev = (properties: Record<string, unknown> = {}): WaymarkEvent => ({
    id: `r${++seq}`,
    type: 'track',
    name: 'x',
    timestamp: new Date().toISOString(),
    seq,
    anonymousId: 'a',
    sessionId: 's',
    stage: null,
    page: { url: 'https://s.test/', path: '/', title: '', referrer: '' },
    properties,
    context: { library: { name: 'waymark', version: '0' } },
  });
  type Sent = { ids: string[]; at: number };
  function world(answer: (ids: string[]) => SendResult | Promise<SendResult> = () => ({ status: 200 }), store: EventStore = createMemoryStore(), ls = sharedStorage()) {
    const sent: Sent[] = [];
    const beacons: string[][] = [];
    const open = (extra: Partial<Parameters<typeof createQueue>[0]> = {}) =>
      createQueue({
        store,
        kv: createKV(ls),
        transport: {
          send: async (_u, body) => {
            const ids = (JSON.parse(body) as { events: Ev[] }).events.map((e) => e.id);
            sent.push({ ids, at: Date.now() });
            return answer(ids);
          },
          beacon: (_u, body) => (beacons.push((JSON.parse(body) as { events: Ev[] }).events.map((e) => e.id)), true),
        },
        now: () => Date.now(),
        monotonic: () => Date.now(),
        random: () => 0.5,
        tab: `t${++seq}`,
        endpoint: 'https://c.test/e',
        batch: { size: 10, intervalMs: 1000, maxBytes: 60000 },
        retry: { baseDelayMs: 500, maxDelayMs: 5000, maxAgeMs: 864e5, timeoutMs: TIMEOUT_MS },
        maxEvents: 100,
        encode: (events, sentAt) => {
          if (events.some((e) => (e.properties as { bomb?: boolean }).bomb)) throw new Error('cannot encode');
          return JSON.stringify({ sentAt, events });
        },
        debug: () => {},
        ...extra,
      });
    return { sent, beacons, open, store, ls };
  }
  /** flush(), with fake time running until it settles (it must, within 2 × retry.timeoutMs). */
  async function flushed(q: Queue) {
    let done = false;
    void q.flush().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(2 * TIMEOUT_MS + 10);
    expect(done, 'flush() settled').toBe(true);
  }
  /** A store whose deletes take a while (a busy IndexedDB). */
  const slowDeletes = (): EventStore => {
    const s = createMemoryStore();
    // Listing takes a moment too, as IndexedDB answers in a task (a drain never spins on microtasks alone).
    const later = <T,>(ms: number, f: () => Promise<T>) => new Promise<T>((r) => setTimeout(() => void f().then(r), ms));
    return { ...s, mode: () => 'indexeddb', del: (k) => later(200, () => s.del(k)), all: () => later(1, () => s.all()) };
  };

  it('a flush() that joins a running drain settles within 2 × retry.timeoutMs', async () => {
    // Slow but successful answers: one drain of 6 batches takes about 6 × 0.9 × the timeout.
    const w = world(() => new Promise((r) => setTimeout(() => r({ status: 200 }), TIMEOUT_MS * 0.9)));
    const q = w.open({ batch: { size: 1, intervalMs: 60000, maxBytes: 60000 } });
    q.add([ev(), ev(), ev(), ev(), ev(), ev()]);
    const first = q.flush();
    await vi.advanceTimersByTimeAsync(100);
    let second = false;
    void q.flush().then(() => (second = true));
    await vi.advanceTimersByTimeAsync(2 * TIMEOUT_MS);
    expect(second, 'the second flush() is still pending after 2 × retry.timeoutMs').toBe(true);
    await first;
  });

  it('exit() with an event the wire format cannot encode does not throw, and hands over the others', async () => {
    const w = world(() => ({ status: 503 }));
    const q = w.open();
    const good = [ev(), ev()];
    q.add([ev({ bomb: true }), ...good]);
    expect(() => q.exit()).not.toThrow();
    expect(w.beacons.flat()).toEqual(good.map((e) => e.id));
  });

  it('a rejected batch is not sent again while its records are being deleted', async () => {
    const w = world(() => ({ status: 400 }), slowDeletes());
    const q = w.open();
    const batch = [ev(), ev(), ev()];
    q.add(batch);
    await vi.advanceTimersByTimeAsync(10);
    await flushed(q);
    expect(w.sent.length, `sent ${w.sent.length} times: ${JSON.stringify(w.sent.map((s) => s.ids))}`).toBe(1);
    expect(q.stats().dropped).toEqual({ rejected: 3 });
  });

  it('an event that cannot be encoded is counted once, not once per stale store listing', async () => {
    const w = world(() => ({ status: 200 }), slowDeletes());
    const q = w.open();
    q.add([ev({ bomb: true }), ev()]);
    await vi.advanceTimersByTimeAsync(10);
    await flushed(q);
    expect(q.stats().dropped).toEqual({ unencodable: 1 });
    expect(q.stats().delivered).toBe(1);
  });

  it('a flush() asked for before exit() starts no request after it (the next page would send the same events)', async () => {
    const w = world(() => new Promise((r) => setTimeout(() => r({ status: 200 }), 300)));
    // An earlier page left three events in the store.
    const left = [ev(), ev(), ev()];
    await w.store.put(left.map((event) => ({ key: event.id, event, createdAt: Date.now(), attempts: 0 })));
    const q = w.open({ store: { ...w.store, mode: () => 'indexeddb' } });
    void q.flush();
    void q.flush(); // joins the first, then sends again
    q.exit();
    const exitedAt = Date.now();
    await vi.advanceTimersByTimeAsync(5000);
    expect(w.sent.filter((s) => s.at >= exitedAt && s.ids.length), 'requests started after exit()').toEqual([]);
  });

  it('two tabs that close with unsaved events both keep them for the next page load (spills add up)', async () => {
    // IndexedDB writes that never finish before the pages go.
    const stalled: EventStore = { ...createMemoryStore(), mode: () => 'indexeddb', put: () => new Promise(() => {}) };
    const w = world(() => ({ status: 200 }), stalled);
    const a = w.open({ store: stalled });
    const b = w.open({ store: stalled });
    const fromA = [ev(), ev()];
    const fromB = [ev(), ev()];
    // The collector is known to be failing: nothing is beaconed, everything waits for the next page.
    w.ls.setItem('waymark:v1:down', String(Date.now()));
    a.add(fromA);
    b.add(fromB);
    a.exit();
    b.exit();
    a.stop();
    b.stop();
    const next = w.open({ store: createMemoryStore() });
    await next.start();
    await flushed(next);
    expect(new Set(w.sent.flatMap((s) => s.ids))).toEqual(new Set([...fromA, ...fromB].map((e) => e.id)));
  });

  it('without Web Locks, the clock set back while a tab holds the lease does not let a second tab send at the same time', async () => {
    delete (navigator as { locks?: unknown }).locks; // an insecure context: the localStorage lease stands in
    let offset = 0;
    let sending = 0;
    let overlap = 0;
    const w = world(
      () =>
        new Promise((r) => {
          if (++sending > 1) overlap++;
          setTimeout(() => (sending--, r({ status: 503 })), 1500);
        }),
    );
    const now = () => Date.now() + offset;
    const a = w.open({ now, batch: { size: 1, intervalMs: 60000, maxBytes: 60000 } });
    const b = w.open({ now, batch: { size: 1, intervalMs: 60000, maxBytes: 60000 } });
    a.add([ev()]);
    b.add([ev()]);
    await vi.advanceTimersByTimeAsync(0);
    void a.flush(); // a holds the lease for its slow send
    await vi.advanceTimersByTimeAsync(100);
    offset = -3600e3; // the clock goes back an hour
    void b.flush();
    await vi.advanceTimersByTimeAsync(1000);
    expect(overlap, 'two tabs were sending at once').toBe(0);
    a.stop();
    b.stop();
  });

  it('an event dropped by another tab is not brought back from a closed page\'s spill', async () => {
    const ls = sharedStorage();
    const durable = { ...createMemoryStore(), mode: () => 'indexeddb' as const };
    let status = 400;
    const w = world(() => ({ status }), durable, ls);
    // Page A closes while its IndexedDB write is still under way: the event is spilled (and lands in the store too).
    let land!: () => void;
    const a = w.open({ store: { ...durable, put: (r) => new Promise<void>((res) => (land = () => void durable.put(r).then(res))) } });
    ls.setItem('waymark:v1:down', String(Date.now()));
    const e = ev();
    a.add([e]);
    await vi.advanceTimersByTimeAsync(0); // the write has begun
    a.exit();
    a.stop();
    land();
    ls.removeItem('waymark:v1:down');
    // Tab B (already open) sends it; the collector rejects it: dropped and counted.
    const b = w.open();
    await vi.advanceTimersByTimeAsync(10);
    await flushed(b);
    expect(b.stats().dropped).toEqual({ rejected: 1 });
    // The next page load must not send it again (and have it accepted: counted as dropped, yet delivered).
    status = 200;
    const c = w.open();
    await c.start();
    await flushed(c);
    expect(w.sent.filter((s) => s.ids.includes(e.id)).length).toBe(1);
  });
});
