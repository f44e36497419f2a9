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

/** A random id (uuid v4 where crypto exists). */
export function uid(): string {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  let s = '';
  for (let i = 0; i < 32; i++) s += ((Math.random() * 16) | 0).toString(16);
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-a${s.slice(17, 20)}-${s.slice(20)}`;
}
