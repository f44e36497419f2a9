/** The outcome of one request: never an exception. `status` 0 = network failure or timeout. */
export interface SendResult {
  status: number;
  /** Retry-After in ms, when the collector sent one. */
  retryAfterMs?: number;
}

/** How requests leave the page; injectable so tests need no tricks. */
export interface Transport {
  /**
   * POST a body. Settles within `timeoutMs` (a request still unanswered is
   * aborted and reported as status 0), never rejects.
   */
  send(url: string, body: string, opts: { keepalive: boolean; headers?: Record<string, string>; timeoutMs?: number }): Promise<SendResult>;
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

/**
 * Read what we need from whatever `fetch` returned. Wrappers from other
 * libraries may return Response-like objects without `headers` or `body`, or
 * with only `ok`: a 2xx must never be taken for a failure (it would be resent).
 */
export function readResponse(res: unknown): SendResult {
  const r = (res ?? {}) as { status?: unknown; ok?: unknown; headers?: { get?: unknown }; body?: { cancel?: unknown } };
  const status = typeof r.status === 'number' && r.status > 0 ? r.status : r.ok === true ? 200 : 0;
  let retryAfter: unknown;
  try {
    if (typeof r.headers?.get === 'function') retryAfter = r.headers.get('Retry-After');
    // Release the response: Chromium counts an unread keepalive response against the page's
    // 64 KB keepalive budget, and later keepalive sends then fail.
    if (typeof r.body?.cancel === 'function') (r.body.cancel() as Promise<void>)?.catch?.(() => {});
  } catch {
    /* an odd Response-like object: the status is what matters */
  }
  return { status, retryAfterMs: parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : null) };
}

const request = (body: string, keepalive: boolean, headers?: Record<string, string>, signal?: AbortSignal): RequestInit => ({
  method: 'POST',
  body,
  keepalive,
  credentials: 'omit',
  headers: { 'Content-Type': TEXT, ...headers },
  signal,
});

/** The browser transport: `fetch` (keepalive when asked, aborted after `timeoutMs`) and `sendBeacon`. */
export function browserTransport(): Transport {
  return {
    send(url, body, { keepalive, headers, timeoutMs = 10000 }) {
      return new Promise<SendResult>((resolve) => {
        const abort = typeof AbortController === 'undefined' ? undefined : new AbortController();
        // Settle on time even when the request cannot be aborted (or a wrapper ignores the signal).
        const timer = setTimeout(() => {
          abort?.abort();
          resolve({ status: 0 });
        }, timeoutMs);
        const settle = (result: SendResult) => {
          clearTimeout(timer);
          resolve(result);
        };
        // A fetch (or wrapper) that throws synchronously is a failure like one that rejects.
        new Promise((r) => r(fetch(url, request(body, keepalive, headers, abort?.signal)))).then(
          (res) => settle(readResponse(res)),
          () => settle({ status: 0 }),
        );
      });
    },
    beacon(url, body, headers) {
      try {
        // A refused beacon (false) keeps the events queued for the next page load. Custom headers
        // cannot ride a beacon, and some browsers lack sendBeacon: a keepalive fetch outlives the page too.
        if (!headers && typeof navigator.sendBeacon === 'function') return navigator.sendBeacon(url, new Blob([body], { type: TEXT }));
        if (typeof fetch !== 'function') return false;
        Promise.resolve(fetch(url, request(body, true, headers))).catch(() => {});
        return true;
      } catch {
        return false;
      }
    },
  };
}
