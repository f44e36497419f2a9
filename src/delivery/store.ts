import { clear, delMany, entries, get, set, setMany, type UseStore } from 'idb-keyval';
import type { WaymarkEvent } from '../types';

/** One queued event as stored. */
export interface Rec {
  /** The event's id. */
  key: string;
  event: WaymarkEvent;
  /** When it was queued (ms, wall clock; never later than "now" once read back). */
  createdAt: number;
  /** Failed delivery attempts so far. */
  attempts: number;
}

/** Where queued events and the journey live. Every method settles; none throws. */
export interface EventStore {
  mode(): 'indexeddb' | 'memory';
  put(recs: Rec[]): Promise<void>;
  /** Every queued record, oldest first. */
  all(): Promise<Rec[]>;
  del(keys: string[]): Promise<void>;
  clear(): Promise<void>;
  getMeta<T>(key: string): Promise<T | undefined>;
  setMeta(key: string, value: unknown): Promise<void>;
}

/** How long one IndexedDB operation may take before we stop trusting it. */
export const IDB_TIMEOUT_MS = 3000;
const EVENT = 'e:';
const META = 'm:';

const byAge = (a: Rec, b: Rec) => a.createdAt - b.createdAt || (a.event.seq ?? 0) - (b.event.seq ?? 0);

/** An in-memory store (fallback, consent pending, and tests). */
export function createMemoryStore(): EventStore {
  const recs = new Map<string, Rec>();
  const meta = new Map<string, unknown>();
  return {
    mode: () => 'memory',
    put: async (rs) => void rs.forEach((r) => recs.set(r.key, r)),
    all: async () => [...recs.values()].sort(byAge),
    del: async (ks) => void ks.forEach((k) => recs.delete(k)),
    clear: async () => {
      recs.clear();
      meta.clear();
    },
    getMeta: async <T>(k: string) => meta.get(k) as T | undefined,
    setMeta: async (k, v) => void meta.set(k, v),
  };
}

/**
 * The IndexedDB store (database `waymark`, object store `kv`, via idb-keyval).
 * Opening or any operation that throws, rejects or hangs past IDB_TIMEOUT_MS
 * is retried once on a fresh connection; a second failure switches to memory
 * for the rest of the page's life (`onFallback` is called once). What this tab
 * wrote is never lost in the switch: the caller keeps its own records in memory
 * until they are delivered.
 *
 * A page put into the back/forward cache (`pagehide` with `persisted`) or frozen
 * (`freeze`) keeps no transaction open: WebKit keeps such a page, connection and
 * all, and every later page's transactions on `kv` would wait behind one it left
 * running. So its live transactions are aborted (the queue spilled what is not yet
 * durable to localStorage as it left), the connection is closed, and operations
 * wait until the page shows again (`pageshow`/`resume`), on a fresh connection.
 */
export function createIdbStore(onFallback: (reason: unknown) => void, idb?: IDBFactory): EventStore {
  const memory = createMemoryStore();
  const factory = idb ?? (typeof indexedDB === 'undefined' ? undefined : indexedDB);
  let failed = !factory;
  let dbp: Promise<IDBDatabase> | undefined;
  const live = new Set<IDBTransaction>();
  // Bumped when the page is hidden: an operation interrupted by that is retried, not counted against IndexedDB.
  let gen = 0;
  let shown: Promise<void> | undefined;
  let reveal = () => {};
  const drop = () => {
    const p = dbp;
    dbp = undefined;
    p?.then((db) => db.close(), () => {});
  };
  const open = () =>
    new Promise<IDBDatabase>((resolve, reject) => {
      const r = factory!.open('waymark');
      r.onupgradeneeded = () => r.result.createObjectStore('kv');
      r.onsuccess = () => {
        const db = r.result;
        // Another tab upgrading or deleting the database, or the browser closing it: reopen on next use.
        db.onversionchange = db.onclose = () => (db.close(), (dbp = undefined));
        resolve(db);
      };
      r.onerror = () => reject(r.error);
    });
  const kv: UseStore = (mode, use) =>
    (dbp ??= open()).then((db) => {
      if (shown) throw new Error('page hidden');
      const tx = db.transaction('kv', mode);
      live.add(tx);
      tx.oncomplete = tx.onabort = tx.onerror = () => live.delete(tx);
      return use(tx.objectStore('kv'));
    });
  if (failed) queueMicrotask(() => onFallback(new Error('no IndexedDB')));
  else if (typeof addEventListener === 'function' && typeof document !== 'undefined') {
    const hide = () => {
      if (shown) return;
      gen++;
      shown = new Promise((r) => (reveal = r));
      for (const tx of live) {
        try {
          tx.abort();
        } catch {
          /* already finishing */
        }
      }
      live.clear();
      drop();
    };
    const show = () => {
      shown = undefined;
      reveal();
    };
    addEventListener('pagehide', (e) => (e as PageTransitionEvent).persisted && hide());
    addEventListener('pageshow', show);
    document.addEventListener('freeze', hide);
    document.addEventListener('resume', show);
  }
  let strikes = 0;

  async function run<T>(op: (s: UseStore) => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    while (!failed) {
      if (shown) await shown;
      const g = gen;
      try {
        const res = await withTimeout(op(kv));
        strikes = 0;
        return res;
      } catch (err) {
        if (g !== gen) continue;
        drop();
        // Concurrent operations fail together: only the first to reach two strikes switches.
        if (!failed && ++strikes >= 2) {
          failed = true;
          onFallback(err);
        }
      }
    }
    return fallback();
  }

  return {
    mode: () => (failed ? 'memory' : 'indexeddb'),
    put: (rs) => (rs.length ? run((s) => setMany(rs.map((r) => [EVENT + r.key, r]), s), () => memory.put(rs)) : Promise.resolve()),
    all: () =>
      run(
        async (s) => (await entries<string, unknown>(s)).flatMap(([k, v]) => (k.startsWith(EVENT) ? asRec(v) : [])).sort(byAge),
        memory.all,
      ),
    del: (ks) => (ks.length ? run((s) => delMany(ks.map((k) => EVENT + k), s), () => memory.del(ks)) : Promise.resolve()),
    clear: () => run(clear, memory.clear),
    getMeta: <T>(k: string) => run((s) => get<T>(META + k, s), () => memory.getMeta<T>(k)),
    setMeta: (k, v) => run((s) => set(META + k, v, s), () => memory.setMeta(k, v)),
  };
}

/** A stored value as a record, or nothing when it is junk. Records of waymark ≤ 0.1 (`{k, e, t, a}`) are read too. */
function asRec(v: unknown): Rec[] {
  const r = v as Partial<Rec> & { k?: string; e?: Rec['event']; t?: number; a?: number };
  if (!r || typeof r !== 'object') return [];
  const rec = { key: r.key ?? r.k, event: r.event ?? r.e, createdAt: r.createdAt ?? r.t, attempts: r.attempts ?? r.a ?? 0 };
  return typeof rec.key === 'string' && rec.event && typeof rec.event.id === 'string' && typeof rec.createdAt === 'number'
    ? [rec as Rec]
    : [];
}

function withTimeout<T>(p: Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('IndexedDB timed out')), IDB_TIMEOUT_MS);
    p.then(resolve, reject).finally(() => clearTimeout(t));
  });
}
