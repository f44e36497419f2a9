/**
 * Small synchronous key-value storage over localStorage (keys `waymark:v1:*`),
 * falling back to memory when localStorage is missing, blocked or full, or
 * while consent is pending (`persist(false)`: nothing is written).
 */
export interface KV {
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  remove(key: string): void;
  /** Switch between writing through to localStorage (true) and memory only (false). */
  persist(on: boolean): void;
}

const PREFIX = 'waymark:v1:';

/** Create the key-value storage; `ls` is injectable for tests. */
export function createKV(ls: Storage | undefined = safeLocalStorage()): KV {
  const mem = new Map<string, string>();
  let on = true;
  const read = (key: string): string | null | undefined => {
    if (on && ls) {
      try {
        return ls.getItem(PREFIX + key);
      } catch {
        /* blocked: use memory */
      }
    }
    return mem.get(key);
  };
  return {
    get<T>(key: string): T | undefined {
      const raw = read(key);
      if (raw == null) return undefined;
      try {
        return JSON.parse(raw) as T;
      } catch {
        return undefined;
      }
    },
    set(key, value) {
      const raw = JSON.stringify(value);
      mem.set(key, raw);
      if (on && ls) {
        try {
          ls.setItem(PREFIX + key, raw);
        } catch {
          /* quota or blocked: memory keeps it */
        }
      }
    },
    remove(key) {
      mem.delete(key);
      try {
        ls?.removeItem(PREFIX + key);
      } catch {
        /* ignore */
      }
    },
    persist(v) {
      if (v && !on && ls) {
        for (const [k, raw] of mem) {
          try {
            ls.setItem(PREFIX + k, raw);
          } catch {
            /* ignore */
          }
        }
      }
      on = v;
    },
  };
}

function safeLocalStorage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Characters per id: 16 URL-safe characters carry 96 random bits, more than
 * the 74 of a UUID v7 (PostHog) and enough that a site sending ten billion
 * events has about a one-in-a-billion chance of any two sharing an id. Ids
 * are on every event (and several times in each), so their length is wire bytes.
 */
const ID_LENGTH = 16;

/** Random bytes drawn ahead: one crypto call serves 128 ids (a call per id dominated track()'s cost). */
const pool = new Uint8Array(ID_LENGTH * 128);
let used = pool.length;

/** A random id of `ID_LENGTH` URL-safe characters. */
export function uid(): string {
  if (used + ID_LENGTH > pool.length) {
    const c = (globalThis as { crypto?: Crypto }).crypto;
    if (c?.getRandomValues) c.getRandomValues(pool);
    else for (let i = 0; i < pool.length; i++) pool[i] = (Math.random() * 256) | 0;
    used = 0;
  }
  let id = '';
  for (let i = 0; i < ID_LENGTH; i++) id += ID_ALPHABET[pool[used++]! & 63];
  return id;
}
