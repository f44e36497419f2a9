// A randomised model test of the delivery queue (seeded PRNG, fixed seed list, no extra deps).
//
// A small world: up to three tabs, each a queue over one shared durable store and one shared
// localStorage, talking over a fake BroadcastChannel; a collector whose health the model changes
// (2xx, 5xx, 429, network error, 4xx, 413); page reloads and tab closes (exit → beacon); a tab's
// storage failing (memory fallback); offline periods; and fake time. After a healthy final drain:
//   - every tracked event is delivered or counted as dropped, and not both (delivered + drops = tracked),
//   - every event received has an id that was tracked, with its content unchanged (ids never change),
//   - no id is accepted twice (unless a storage failure forced at-least-once).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mulberry32 } from './seeded';
import { createQueue, type Queue, type QueueMessage } from '../../src/delivery/queue';
import { createMemoryStore, type EventStore } from '../../src/delivery/store';
import type { SendResult } from '../../src/delivery/transport';
import { createKV } from '../../src/storage';
import type { WaymarkEvent } from '../../src/types';


type Net = 'ok' | '500' | '429' | 'network' | '400' | '413big' | '413all';

interface Tab {
  name: string;
  q: Queue;
  dead: boolean;
  storeFailed: boolean;
}

async function settle() {
  for (let i = 0; i < 30; i++) await Promise.resolve();
}

function setOnline(on: boolean) {
  Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => on });
}

/** Run one seeded scenario; returns a log for failure messages. */
async function runModel(seed: number, steps: number, faults = true, storageFaults = false) {
  const rnd = mulberry32(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const log: string[] = [];

  const shared = createMemoryStore(); // IndexedDB, shared by the origin's tabs
  const durableShared: EventStore = { ...shared, mode: () => 'indexeddb' };
  let net: Net = 'ok';
  let storageFailures = 0;
  let online = true;

  const tracked = new Map<string, string>(); // id → JSON (without attempt)
  const accepted = new Map<string, number>(); // id → times accepted (2xx or beacon)
  const received = new Map<string, string>(); // id → content as received (first time)
  const dropped = new Map<string, string>(); // id → reason
  const droppedTwice: string[] = [];
  const lostAtExit = new Set<string>(); // handed to a dying page's keepalive request that then failed
  let counted = 0;
  const countedBy: Record<string, number> = {};
  let n = 0;

  const strip = (e: WaymarkEvent & { attempt?: number }) => {
    const { attempt: _a, ...rest } = e;
    return JSON.stringify(rest);
  };
  const see = (events: Array<WaymarkEvent & { attempt?: number }>) => {
    for (const e of events) {
      const s = strip(e);
      const prev = received.get(e.id);
      if (prev === undefined) received.set(e.id, s);
      else expect(s, `event ${e.id} changed between attempts`).toBe(prev);
    }
  };
  const accept = (events: WaymarkEvent[]) => {
    for (const e of events) accepted.set(e.id, (accepted.get(e.id) ?? 0) + 1);
  };

  const trace = new Map<string, string[]>();
  const tr = (ids: string[], what: string) => {
    if (!process.env.MODEL_DEBUG) return;
    for (const id of ids) trace.set(id, [...(trace.get(id) ?? []), `${log.length}:${what}`]);
  };
  const tabs: Tab[] = [];
  const allQueues: Queue[] = [];
  let tabNo = 0;

  function openTab(): Tab {
    const name = `tab${++tabNo}`;
    const tab = { name, dead: false, storeFailed: false } as Tab;
    const own = createMemoryStore();
    // A dead page's JavaScript does nothing more: its storage work is inert.
    const live: EventStore = {
      mode: () => (tab.storeFailed ? 'memory' : 'indexeddb'),
      put: (r) => (tr(r.map((x) => x.key), `${name} put ${tab.storeFailed ? 'own' : 'shared'}`), tab.storeFailed ? own.put(r) : durableShared.put(r)),
      all: () => (tab.storeFailed ? own.all() : durableShared.all()),
      del: (k) => (tr(k, `${name} del ${tab.storeFailed ? 'own' : 'shared'}`), tab.storeFailed ? own.del(k) : durableShared.del(k)),
      clear: () => (tab.storeFailed ? own.clear() : durableShared.clear()),
      getMeta: (k) => (tab.storeFailed ? own.getMeta(k) : durableShared.getMeta(k)),
      setMeta: (k, v) => (tab.storeFailed ? own.setMeta(k, v) : durableShared.setMeta(k, v)),
    };
    const store: EventStore = {
      mode: () => live.mode(),
      put: (r) => (tab.dead ? Promise.resolve() : live.put(r)),
      all: () => (tab.dead ? Promise.resolve([]) : live.all()),
      del: (k) => (tab.dead ? Promise.resolve() : live.del(k)),
      clear: () => (tab.dead ? Promise.resolve() : live.clear()),
      getMeta: (k) => live.getMeta(k),
      setMeta: (k, v) => (tab.dead ? Promise.resolve() : live.setMeta(k, v)),
    };
    const q = createQueue({
      store,
      kv: createKV(),
      transport: {
        async send(_url, body, opts) {
          const json = JSON.parse(body) as { events: WaymarkEvent[] };
          see(json.events);
          const k = json.events.length;
          const status =
            !online || net === 'network'
              ? 0
              : net === 'ok'
                ? 200
                : net === '413big'
                  ? k > 3
                    ? 413
                    : 200
                  : net === '413all'
                    ? 413
                    : Number(net);
          tr(json.events.map((e) => e.id), `${name} send→${status}${tab.dead ? ' dead' : ''}`);
          await new Promise((r) => setTimeout(r, Math.floor(rnd() * 1500)));
          tr(json.events.map((e) => e.id), `${name} answered ${status}${tab.dead ? ' dead' : ''}`);
          if (status >= 200 && status < 300) accept(json.events);
          if (tab.dead) {
            // The page is gone: a keepalive request still completes at the server, but nobody reads the answer.
            if (!(status >= 200 && status < 300) && opts.keepalive) json.events.forEach((e) => lostAtExit.add(e.id));
            // Its send lock goes with it (Web Locks release on tab death): let the dead drain end.
            return { status: 0 } as SendResult;
          }
          return { status, ...(status === 429 ? { retryAfterMs: 2000 } : {}) };
        },
        beacon(_url, body) {
          // Model simplification: the browser delivers beacons eventually.
          const json = JSON.parse(body) as { events: WaymarkEvent[] };
          see(json.events);
          accept(json.events);
          tr(json.events.map((e) => e.id), `${name} beacon`);
          return true;
        },
      },
      now: () => Date.now(),
      random: rnd,
      tab: name,
      endpoint: 'https://collector.test/e',
      batch: { size: 8, intervalMs: 3000, maxBytes: 60000 },
      retry: { baseDelayMs: 500, maxDelayMs: 8000, maxAgeMs: 30 * 864e5 },
      maxEvents: 60,
      encode: (events, sentAt) => JSON.stringify({ sentAt, events }),
      debug: (msg, data) => {
        const m = /^dropped (\d+): (\w+)/.exec(msg);
        if (m) {
          counted += Number(m[1]);
          countedBy[m[2]!] = (countedBy[m[2]!] ?? 0) + Number(m[1]);
          for (const id of data as string[]) {
            if (dropped.has(id)) droppedTwice.push(id);
            dropped.set(id, m[2]!);
          }
        }
      },
      broadcast: (msg: QueueMessage) => {
        if (tab.dead) return;
        tr(msg.k, `${name} bc ${msg.q}`);
        // BroadcastChannel delivers within a task; a model step stands for far longer than that.
        for (const t of tabs) if (t !== tab && !t.dead) queueMicrotask(() => !t.dead && t.q.receive(msg));
      },
    });
    tab.q = q;
    allQueues.push(q);
    tabs.push(tab);
    void q.start();
    return tab;
  }

  async function kill(tab: Tab) {
    tab.q.exit();
    // Work issued during pagehide (and its microtasks) still happens; nothing after.
    await settle();
    tab.dead = true;
    tab.q.stop();
    tabs.splice(tabs.indexOf(tab), 1);
  }

  openTab();
  for (let step = 0; step < steps; step++) {
    const r = rnd();
    const tab = pick(tabs);
    if (r < 0.35) {
      const k = 1 + Math.floor(rnd() * 5);
      const events: WaymarkEvent[] = [];
      for (let i = 0; i < k; i++) {
        n++;
        const e: WaymarkEvent = {
          id: `s${seed}-e${n}`,
          type: 'track',
          name: `n${n}`,
          timestamp: new Date().toISOString(),
          seq: n,
          anonymousId: 'anon',
          sessionId: 'sess',
          stage: null,
          page: { url: 'https://s.test/', path: '/', title: '', referrer: '' },
          properties: { step, pad: 'x'.repeat(Math.floor(rnd() * 200)) },
          context: { library: { name: 'waymark', version: '0' } },
        };
        tracked.set(e.id, strip(e));
        tr([e.id], `${tab.name} add`);
        events.push(e);
      }
      log.push(`${tab.name} track ${k}`);
      tab.q.add(events);
    } else if (r < 0.55) {
      const ms = Math.floor(rnd() * 6000);
      log.push(`advance ${ms}`);
      await vi.advanceTimersByTimeAsync(ms);
    } else if (r < 0.63) {
      log.push(`${tab.name} flush`);
      await vi.advanceTimersByTimeAsync(0);
      void tab.q.flush();
    } else if (r < 0.73) {
      if (!faults) continue;
      const w = rnd();
      net = w < 0.5 ? 'ok' : pick(['500', '429', 'network', '400', '413big', '413all'] as const);
      log.push(`net ${net}`);
    } else if (r < 0.8) {
      log.push(`${tab.name} reload`);
      await kill(tab);
      openTab();
    } else if (r < 0.85 && tabs.length < 3) {
      log.push('open tab');
      openTab();
    } else if (r < 0.89 && tabs.length > 1) {
      log.push(`${tab.name} close`);
      await kill(tab);
    } else if (r < 0.91) {
      if (!storageFaults) continue;
      log.push(`${tab.name} storage fails`);
      storageFailures++;
      tab.storeFailed = true;
      void tab.q.setMode('on'); // what the tracker does on fallback: re-home this tab's events
    } else if (r < 0.95) {
      if (!faults) continue;
      online = !online;
      setOnline(online);
      log.push(online ? 'online' : 'offline');
      if (online) for (const t of tabs) void t.q.flush(false);
    } else {
      await settle();
    }
  }

  // Heal: network up, online, wait out leases and backoffs, flush every tab, then a fresh page.
  net = 'ok';
  online = true;
  setOnline(true);
  log.push('heal');
  for (let round = 0; round < 6; round++) {
    await vi.advanceTimersByTimeAsync(12000);
    for (const t of tabs) void t.q.flush();
    await vi.advanceTimersByTimeAsync(3000);
  }
  for (const t of [...tabs]) await kill(t);
  await vi.advanceTimersByTimeAsync(12000);
  const last = openTab();
  for (let round = 0; round < 4; round++) {
    await vi.advanceTimersByTimeAsync(12000);
    void last.q.flush();
    await vi.advanceTimersByTimeAsync(3000);
  }
  await kill(last);
  await vi.advanceTimersByTimeAsync(5000);

  return { droppedTwice, trace, log, tracked, accepted, received, dropped, counted, countedBy, lostAtExit, storageFailures, allQueues };
}

const SEEDS = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181, 6765, 10946, 42, 1234, 99991, 31337];

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-03-01T10:00:00Z') });
  setOnline(true);
});
afterEach(() => {
  vi.useRealTimers();
  setOnline(true);
});

describe('queue model', () => {
  it.each(SEEDS.flatMap((seed) => [[seed, false] as const, [seed, true] as const]))('seed %i (storage faults: %s): delivered + counted drops = tracked; ids never change; no duplicates', async (seed, storageFaults) => {
    const w = await runModel(seed, 160, true, storageFaults);
    expect(w.tracked.size).toBeGreaterThan(50);
    if (process.env.MODEL_DEBUG) console.log(`seed ${seed}: tracked ${w.tracked.size}, delivered ${w.accepted.size}, dropped ${JSON.stringify(w.countedBy)}, lost at exit ${w.lostAtExit.size}, storage failures ${w.storageFailures}`);
    const why = () => `seed ${seed}\n${w.log.slice(-40).join('\n')}`;
    // Ids never change: everything received was tracked, with identical content.
    for (const [id, s] of w.received) {
      expect(w.tracked.has(id), `received unknown id ${id}; ${why()}`).toBe(true);
      expect(s, `event ${id} altered; ${why()}`).toBe(w.tracked.get(id));
    }
    const missing = [...w.tracked.keys()].filter((id) => !w.accepted.has(id) && !w.dropped.has(id) && !w.lostAtExit.has(id));
    if (missing.length && process.env.MODEL_DEBUG) console.log(missing.map((id) => `${id}: ${w.trace.get(id)?.join(' | ')}`).join('\n'));
    expect(missing, `lost without a count; ${why()}`).toEqual([]);
    const lostAtExit = [...w.lostAtExit].filter((id) => !w.accepted.has(id) && !w.dropped.has(id));
    if (storageFaults) {
      // A tab whose IndexedDB failed re-homes its events to memory while a copy may stay readable by
      // other tabs: at-least-once, so an event may be handled twice (same id), but none is lost.
      return;
    }
    expect(w.droppedTwice, `dropped twice; ${why()}`).toEqual([]);
    const both = [...w.dropped.keys()].filter((id) => w.accepted.has(id));
    if (both.length && process.env.MODEL_DEBUG) console.log(both.slice(0, 2).map((id) => `${id} (${w.dropped.get(id)}): ${w.trace.get(id)?.join(' | ')}`).join('\n'));
    expect(both, `counted as dropped but delivered; ${why()}`).toEqual([]);
    // delivered + counted drops (+ keepalive requests of a closing page that the collector then refused) = tracked
    expect(w.accepted.size + w.counted + lostAtExit.length, why()).toBe(w.tracked.size);
    for (const reason of Object.keys(w.countedBy)) {
      expect(['rejected', 'too_large', 'queue_full', 'too_old']).toContain(reason);
    }
    const dup = [...w.accepted].filter(([, k]) => k > 1).map(([id]) => id);
    if (dup.length && process.env.MODEL_DEBUG) console.log(dup.slice(0, 1).map((id) => `${id}: ${w.trace.get(id)?.join(' | ')}`).join('\n'), w.log.map((l, i) => `${i}: ${l}`).slice(-60).join('\n'));
    expect(dup, `duplicates; ${why()}`).toEqual([]);
  });

  it.each([7, 77, 777, 7777])('seed %i, healthy network (reloads, tabs, closes): every event delivered exactly once', async (seed) => {
    const w = await runModel(seed, 200, false);
    const why = () => `seed ${seed}\n${w.log.slice(-40).join('\n')}`;
    expect(w.countedBy, why()).toEqual({});
    expect(w.lostAtExit.size).toBe(0);
    const dups = [...w.accepted].filter(([, k]) => k > 1).map(([id]) => id);
    expect(dups, `duplicates; ${why()}`).toEqual([]);
    expect(new Set(w.accepted.keys())).toEqual(new Set(w.tracked.keys()));
  });
});
