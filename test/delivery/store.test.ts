// The IndexedDB event store on fake-indexeddb (a fresh factory per test, see test/setup.ts):
// order, persistence across instances, and every storage fault falling back to memory once,
// quickly, without throwing or leaving a promise unsettled.
import { IDBObjectStore as FakeIDBObjectStore, forceCloseDatabase } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createIdbStore, createMemoryStore, IDB_TIMEOUT_MS, type EventStore, type Rec } from '../../src/delivery/store';
import type { WaymarkEvent } from '../../src/types';

let n = 0;
function rec(t: number, extra: Partial<Rec> = {}): Rec {
  n++;
  const e: WaymarkEvent = {
    id: `id-${n}`,
    type: 'track',
    name: 'x',
    timestamp: new Date(t).toISOString(),
    seq: n,
    anonymousId: 'a',
    sessionId: 's',
    stage: null,
    page: { url: 'https://s.test/', path: '/', title: '', referrer: '' },
    properties: {},
    context: { library: { name: 'waymark', version: '0' } },
  };
  return { key: e.id, event: e, createdAt: t, attempts: 0, ...extra };
}

/** Resolve with the promise's outcome, or 'hung' if it has not settled within `ms` (real timers). */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'hung'> {
  return Promise.race([p, new Promise<'hung'>((r) => setTimeout(() => r('hung'), ms))]);
}

const realIndexedDB = () => globalThis.indexedDB;

async function exercise(store: EventStore) {
  const a = rec(1000);
  const b = rec(2000);
  await store.put([b, a]);
  await store.setMeta('journey', { stage: 'x' });
  expect((await store.all()).map((r) => r.key)).toEqual([a.key, b.key]);
  expect(await store.getMeta('journey')).toEqual({ stage: 'x' });
  await store.del([a.key]);
  expect((await store.all()).map((r) => r.key)).toEqual([b.key]);
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('IndexedDB store', () => {
  it('put / all (oldest first, seq breaks ties) / del / meta / clear', async () => {
    const onFallback = vi.fn();
    const store = createIdbStore(onFallback);
    expect(store.mode()).toBe('indexeddb');
    const r1 = rec(3000);
    const r2 = rec(1000);
    const r3 = rec(1000); // same time as r2, later seq
    await store.put([r1, r3, r2]);
    expect((await store.all()).map((r) => r.key)).toEqual([r2.key, r3.key, r1.key]);
    expect((await store.all())[0]).toEqual(r2);
    await store.del([r2.key, 'never-existed']);
    expect((await store.all()).map((r) => r.key)).toEqual([r3.key, r1.key]);
    await store.setMeta('journey', { stage: 'decision' });
    expect(await store.getMeta('journey')).toEqual({ stage: 'decision' });
    // Meta entries are not events.
    expect(await store.all()).toHaveLength(2);
    await store.clear();
    expect(await store.all()).toEqual([]);
    expect(onFallback).not.toHaveBeenCalled();
  });

  it('re-putting a record replaces it (retry count updates, no duplicate)', async () => {
    const store = createIdbStore(() => {});
    const r = rec(1);
    await store.put([r]);
    await store.put([{ ...r, attempts: 2 }]);
    const all = await store.all();
    expect(all).toHaveLength(1);
    expect(all[0]!.attempts).toBe(2);
  });

  it('survives a new store instance (a reload) in database "waymark"', async () => {
    const first = createIdbStore(() => {});
    const r = rec(5);
    await first.put([r]);
    await first.setMeta('journey', { stage: 'purchase' });
    const second = createIdbStore(() => {});
    expect(await second.all()).toEqual([r]);
    expect(await second.getMeta('journey')).toEqual({ stage: 'purchase' });
    const dbs = await indexedDB.databases();
    expect(dbs.map((d) => d.name)).toContain('waymark');
  });

  it('ignores records that are not events (corrupt entries) instead of crashing', async () => {
    const store = createIdbStore(() => {});
    await store.put([rec(1)]);
    // Write junk next to it with the raw API.
    await new Promise<void>((res, rej) => {
      const req = indexedDB.open('waymark');
      req.onsuccess = () => {
        const tx = req.result.transaction('kv', 'readwrite');
        tx.objectStore('kv').put('not json at all', 'e:junk');
        tx.objectStore('kv').put({ k: 'x' }, 'e:half');
        tx.oncomplete = () => (req.result.close(), res());
        tx.onerror = () => rej(tx.error);
      };
      req.onerror = () => rej(req.error);
    });
    const all = await store.all();
    expect(all).toHaveLength(1);
  });

  it('reopens after the connection is closed mid-session (no fallback, nothing lost)', async () => {
    const opened: IDBOpenDBRequest[] = [];
    const orig = indexedDB.open.bind(indexedDB);
    vi.spyOn(indexedDB, 'open').mockImplementation((name: string, v?: number) => {
      const r = orig(name, v);
      opened.push(r);
      return r;
    });
    const onFallback = vi.fn();
    const store = createIdbStore(onFallback);
    await store.put([rec(1)]);
    expect(opened).toHaveLength(1);
    forceCloseDatabase(opened[0]!.result as never); // what the browser does when it drops the connection
    await store.put([rec(2)]);
    expect(await store.all()).toHaveLength(2);
    expect(opened.length).toBe(2);
    expect(store.mode()).toBe('indexeddb');
    expect(onFallback).not.toHaveBeenCalled();
  });
});

describe('IndexedDB faults fall back to memory', () => {
  it('indexedDB undefined: memory at once, onFallback once, everything works', async () => {
    const saved = realIndexedDB();
    (globalThis as { indexedDB?: unknown }).indexedDB = undefined;
    try {
      const onFallback = vi.fn();
      const store = createIdbStore(onFallback);
      expect(store.mode()).toBe('memory');
      await exercise(store);
      expect(onFallback).toHaveBeenCalledTimes(1);
    } finally {
      (globalThis as { indexedDB?: unknown }).indexedDB = saved;
    }
  });

  it('open throws (SecurityError): memory after one retry, onFallback once, no throw', async () => {
    const open = vi.spyOn(indexedDB, 'open').mockImplementation(() => {
      throw new DOMException('The operation is insecure.', 'SecurityError');
    });
    const onFallback = vi.fn();
    const store = createIdbStore(onFallback);
    const t0 = Date.now();
    await exercise(store);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(store.mode()).toBe('memory');
    expect(onFallback).toHaveBeenCalledTimes(1);
    expect(open.mock.calls.length).toBeLessThanOrEqual(2);
  });

  it('open request fails (InvalidStateError, Firefox private mode style): memory, once', async () => {
    vi.spyOn(indexedDB, 'open').mockImplementation(() => {
      const req = {} as IDBOpenDBRequest & { error: DOMException };
      queueMicrotask(() => {
        Object.assign(req, { error: new DOMException('no', 'InvalidStateError') });
        (req.onerror as ((ev: Event) => void) | null)?.(new Event('error'));
      });
      return req;
    });
    const onFallback = vi.fn();
    const store = createIdbStore(onFallback);
    await exercise(store);
    expect(store.mode()).toBe('memory');
    expect(onFallback).toHaveBeenCalledTimes(1);
  });

  it('open hangs forever: memory within 2 × IDB_TIMEOUT_MS, onFallback once even with concurrent operations', async () => {
    vi.useFakeTimers();
    vi.spyOn(indexedDB, 'open').mockImplementation(() => ({}) as IDBOpenDBRequest); // never fires
    const onFallback = vi.fn();
    const store = createIdbStore(onFallback);
    const settled: string[] = [];
    const ops = [
      store.put([rec(1)]).then(() => settled.push('put')),
      store.all().then(() => settled.push('all')),
      store.getMeta('journey').then(() => settled.push('getMeta')),
      store.del(['nope']).then(() => settled.push('del')),
    ];
    await vi.advanceTimersByTimeAsync(2 * IDB_TIMEOUT_MS);
    expect(IDB_TIMEOUT_MS * 2).toBeLessThanOrEqual(6000);
    await Promise.all(ops);
    expect(settled.sort()).toEqual(['all', 'del', 'getMeta', 'put']);
    expect(store.mode()).toBe('memory');
    // Later operations answer at once from memory.
    await store.put([rec(2)]);
    await vi.advanceTimersByTimeAsync(10 * IDB_TIMEOUT_MS);
    expect(onFallback).toHaveBeenCalledTimes(1);
  });

  it('writes fail (put throws QuotaExceededError): memory, onFallback once, no promise left hanging', async () => {
    const store = createIdbStore(vi.fn());
    const onFallback = vi.fn();
    const failing = createIdbStore(onFallback);
    await store.put([rec(1)]); // the database works...
    vi.spyOn(FakeIDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    const r = rec(2);
    const out = await within(failing.put([r]), 3000);
    expect(out).not.toBe('hung');
    expect(failing.mode()).toBe('memory');
    expect(onFallback).toHaveBeenCalledTimes(1);
    // The event is not lost: memory has it.
    expect((await failing.all()).map((x) => x.key)).toEqual([r.key]);
    await failing.put([rec(3)]);
    expect(onFallback).toHaveBeenCalledTimes(1);
  });

  it('quota by transaction abort (no request error): settles and falls back', async () => {
    const onFallback = vi.fn();
    const store = createIdbStore(onFallback);
    await store.all(); // open first
    vi.spyOn(FakeIDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore) {
      const tx = this.transaction;
      queueMicrotask(() => {
        try {
          tx.abort();
        } catch {
          /* already finished */
        }
      });
      return {} as IDBRequest;
    });
    const out = await within(store.put([rec(1)]), 3000);
    expect(out).not.toBe('hung');
    expect(store.mode()).toBe('memory');
    expect(onFallback).toHaveBeenCalledTimes(1);
  });
});

describe('memory store', () => {
  it('behaves like the IndexedDB store', async () => {
    const store = createMemoryStore();
    expect(store.mode()).toBe('memory');
    await exercise(store);
    await store.clear();
    expect(await store.all()).toEqual([]);
    expect(await store.getMeta('journey')).toBeUndefined();
  });
});
