// Every test gets a fresh, empty fake IndexedDB and a clean localStorage.
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { beforeEach } from 'vitest';

beforeEach(() => {
  (globalThis as { indexedDB: unknown }).indexedDB = new IDBFactory();
  (globalThis as { IDBKeyRange: unknown }).IDBKeyRange = IDBKeyRange;
  try {
    globalThis.localStorage?.clear();
  } catch {
    /* no localStorage in this environment */
  }
});
