/** The outcome of one request: never an exception. `status` 0 = network failure. */
export interface SendResult {
  status: number;
  /** Retry-After in ms, when the collector sent one. */
  retryAfterMs?: number;
}

/** How requests leave the page; injectable so tests need no tricks. */
export interface Transport {
  send(url: string, body: string, opts: { keepalive: boolean; headers?: Record<string, string> }): Promise<SendResult>;
  /** Hand a body to the browser for delivery after the page is gone; false when it refused. */
  beacon(url: string, body: string, headers?: Record<string, string>): boolean;
}

/** Keepalive requests share a 64 KiB budget per page (Fetch spec); we keep a margin. */
export const KEEPALIVE_BUDGET = 63000;
/** The most a Retry-After may hold us back. */
export const RETRY_AFTER_CAP_MS = 300000;

const TEXT = 'text/plain;charset=UTF-8';

/** Parse Retry-After (seconds or HTTP date) into ms, capped. */
export function parseRetryAfter(v: string | null | undefined, now = Date.now()): number | undefined {
  if (!v) return undefined;
  const s = Number(v);
  const ms = Number.isFinite(s) ? s * 1000 : Date.parse(v) - now;
  return Number.isFinite(ms) ? Math.min(RETRY_AFTER_CAP_MS, Math.max(0, ms)) : undefined;
}

/** The browser transport: `fetch` (keepalive when asked) and `sendBeacon`. */
export function browserTransport(): Transport {
  return {
    async send(url, body, { keepalive, headers }) {
      try {
        const res = await fetch(url, {
          method: 'POST',
          body,
          keepalive,
          credentials: 'omit',
          headers: { 'Content-Type': TEXT, ...headers },
        });
        // Release the response: Chromium counts an unread keepalive response against the page's
        // 64 KB keepalive budget, and later keepalive sends then fail.
        res.body?.cancel().catch(() => {});
        return { status: res.status, retryAfterMs: parseRetryAfter(res.headers.get('Retry-After')) };
      } catch {
        return { status: 0 };
      }
    },
    beacon(url, body, headers) {
      try {
        if (headers) {
          // Custom headers cannot ride a beacon; a keepalive fetch is the closest thing.
          fetch(url, { method: 'POST', body, keepalive: true, credentials: 'omit', headers: { 'Content-Type': TEXT, ...headers } }).catch(() => {});
          return true;
        }
        return navigator.sendBeacon(url, new Blob([body], { type: TEXT }));
      } catch {
        return false;
      }
    },
  };
}
