// The browser transport against what real pages hand it: Response-like objects from fetch
// wrappers (no headers, no body, `ok` only), a fetch that throws synchronously or never answers
// (timeout → status 0), a missing or refusing sendBeacon. Nothing throws; a 2xx is never a failure.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createQueue } from '../../src/delivery/queue';
import { createMemoryStore } from '../../src/delivery/store';
import { browserTransport, readResponse, RETRY_AFTER_CAP_MS } from '../../src/delivery/transport';
import { createKV } from '../../src/storage';
import type { WaymarkEvent } from '../../src/types';

const realFetch = globalThis.fetch;
const realBeacon = Object.getOwnPropertyDescriptor(navigator, 'sendBeacon');
afterEach(() => {
  globalThis.fetch = realFetch;
  if (realBeacon) Object.defineProperty(navigator, 'sendBeacon', realBeacon);
  else delete (navigator as { sendBeacon?: unknown }).sendBeacon;
  vi.useRealTimers();
});
const setBeacon = (value: unknown) => Object.defineProperty(navigator, 'sendBeacon', { configurable: true, writable: true, value });

describe('readResponse', () => {
  it.each([
    ['a real Response 200', () => new Response('ok', { status: 200 }), 200],
    ['a real Response 503', () => new Response('', { status: 503 }), 503],
    ['status only', () => ({ status: 204 }), 204],
    ['ok only', () => ({ ok: true }), 200],
    ['ok: false only', () => ({ ok: false }), 0],
    ['status 0 with ok: true (opaque wrapper)', () => ({ status: 0, ok: true }), 200],
    ['status as a string', () => ({ status: '200', ok: true }), 200],
    ['headers without get', () => ({ status: 200, headers: {} }), 200],
    ['headers.get throws', () => ({ status: 200, headers: { get: () => { throw new Error('x'); } } }), 200],
    ['body.cancel throws', () => ({ status: 200, body: { cancel: () => { throw new Error('x'); } } }), 200],
    ['body.cancel rejects', () => ({ status: 201, body: { cancel: () => Promise.reject(new Error('x')) } }), 201],
    ['null', () => null, 0],
    ['undefined', () => undefined, 0],
    ['a string', () => 'OK', 0],
  ])('%s', (_name, make, status) => {
    expect(readResponse(make()).status).toBe(status);
  });

  it('reads Retry-After in seconds or as an HTTP date, capped', () => {
    const res = (v: string) => ({ status: 429, headers: { get: (k: string) => (k.toLowerCase() === 'retry-after' ? v : null) } });
    expect(readResponse(res('7')).retryAfterMs).toBe(7000);
    expect(readResponse(res('999999')).retryAfterMs).toBe(RETRY_AFTER_CAP_MS);
    const inAMinute = new Date(Date.now() + 60000).toUTCString();
    expect(readResponse(res(inAMinute)).retryAfterMs).toBeGreaterThan(50000);
    expect(readResponse(res('soon')).retryAfterMs).toBeUndefined();
    expect(readResponse({ status: 429 }).retryAfterMs).toBeUndefined();
  });

  it('releases the body of the response (an unread keepalive response eats the budget)', () => {
    const cancel = vi.fn(() => Promise.resolve());
    readResponse({ status: 200, body: { cancel } });
    expect(cancel).toHaveBeenCalledTimes(1);
  });
});

describe('browserTransport().send', () => {
  it('a fetch that throws synchronously → status 0, no exception', async () => {
    globalThis.fetch = (() => {
      throw new TypeError('blocked by an extension');
    }) as typeof fetch;
    await expect(browserTransport().send('https://c.test/e', '{}', { keepalive: true, timeoutMs: 1000 })).resolves.toEqual({ status: 0 });
  });

  it('a fetch that rejects → status 0', async () => {
    globalThis.fetch = (() => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch;
    await expect(browserTransport().send('https://c.test/e', '{}', { keepalive: false, timeoutMs: 1000 })).resolves.toEqual({ status: 0 });
  });

  it('a fetch that never answers → status 0 after timeoutMs, and the request is aborted', async () => {
    vi.useFakeTimers();
    let signal: AbortSignal | undefined;
    globalThis.fetch = ((_u: string, init: RequestInit) => ((signal = init.signal ?? undefined), new Promise(() => {}))) as typeof fetch;
    let result: unknown;
    void browserTransport()
      .send('https://c.test/e', '{}', { keepalive: true, timeoutMs: 5000 })
      .then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(4999);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toEqual({ status: 0 });
    expect(signal?.aborted).toBe(true);
  });

  it('a wrapper that ignores the abort signal still settles on time', async () => {
    vi.useFakeTimers();
    globalThis.fetch = (() => new Promise(() => {})) as typeof fetch;
    const p = browserTransport().send('https://c.test/e', '{}', { keepalive: false, timeoutMs: 1000 });
    await vi.advanceTimersByTimeAsync(1000);
    await expect(p).resolves.toEqual({ status: 0 });
  });

  it('sends text/plain with custom headers, keepalive as asked, no credentials', async () => {
    const init: RequestInit[] = [];
    globalThis.fetch = ((_u: string, i: RequestInit) => (init.push(i), Promise.resolve({ ok: true }))) as typeof fetch;
    await browserTransport().send('https://c.test/e', '{"a":1}', { keepalive: true, headers: { 'X-Key': 'k' }, timeoutMs: 1000 });
    expect(init[0]).toMatchObject({ method: 'POST', body: '{"a":1}', keepalive: true, credentials: 'omit' });
    expect(init[0]!.headers).toMatchObject({ 'Content-Type': expect.stringMatching(/^text\/plain/), 'X-Key': 'k' });
  });

  it('a fetch wrapper answering a Response-like object without headers: the 200 is delivered once, not resent', async () => {
    vi.useFakeTimers();
    const bodies: string[] = [];
    globalThis.fetch = ((_u: string, i: RequestInit) => (bodies.push(String(i.body)), Promise.resolve({ status: 200 }))) as typeof fetch;
    let seq = 0;
    const ev = (): WaymarkEvent => ({
      id: `w${++seq}`, type: 'track', name: 'x', timestamp: new Date().toISOString(), seq, anonymousId: 'a', sessionId: 's', stage: null,
      page: { url: 'https://s.test/', path: '/', title: '', referrer: '' }, properties: {}, context: { library: { name: 'waymark', version: '0' } },
    });
    const q = createQueue({
      store: createMemoryStore(), kv: createKV(), transport: browserTransport(), now: () => Date.now(), random: () => 0.5,
      tab: 't', endpoint: 'https://c.test/e', batch: { size: 10, intervalMs: 1000, maxBytes: 60000 },
      retry: { baseDelayMs: 500, maxDelayMs: 5000, maxAgeMs: 864e5, timeoutMs: 2000 }, maxEvents: 100,
      encode: (events, sentAt) => JSON.stringify({ sentAt, events }), debug: () => {},
    });
    q.add([ev(), ev(), ev()]);
    await vi.advanceTimersByTimeAsync(60000);
    expect(bodies).toHaveLength(1);
    expect(q.stats()).toMatchObject({ delivered: 3, retried: 0, queued: 0 });
    q.stop();
  });
});

describe('browserTransport().beacon', () => {
  it('uses sendBeacon when there is one and no custom headers', () => {
    const calls: unknown[][] = [];
    setBeacon((...a: unknown[]) => (calls.push(a), true));
    globalThis.fetch = vi.fn() as unknown as typeof fetch;
    expect(browserTransport().beacon('https://c.test/e', '{}')).toBe(true);
    expect(calls).toHaveLength(1);
    expect(globalThis.fetch).not.toHaveBeenCalled();
  });

  it('sendBeacon missing → a keepalive fetch stands in', () => {
    setBeacon(undefined);
    const init: RequestInit[] = [];
    globalThis.fetch = ((_u: string, i: RequestInit) => (init.push(i), Promise.resolve({ ok: true }))) as typeof fetch;
    expect(browserTransport().beacon('https://c.test/e', '{"x":1}')).toBe(true);
    expect(init).toHaveLength(1);
    expect(init[0]).toMatchObject({ keepalive: true, body: '{"x":1}', method: 'POST' });
  });

  it('custom headers → a keepalive fetch (a beacon cannot carry them)', () => {
    setBeacon(() => true);
    const init: RequestInit[] = [];
    globalThis.fetch = ((_u: string, i: RequestInit) => (init.push(i), Promise.resolve({ ok: true }))) as typeof fetch;
    expect(browserTransport().beacon('https://c.test/e', '{}', { Authorization: 'x' })).toBe(true);
    expect(init[0]!.headers).toMatchObject({ Authorization: 'x' });
  });

  it('sendBeacon refusing the body → false (the events stay queued)', () => {
    setBeacon(() => false);
    expect(browserTransport().beacon('https://c.test/e', '{}')).toBe(false);
  });

  it('sendBeacon throwing, or no fetch at all → false, never an exception', () => {
    setBeacon(() => {
      throw new TypeError('Illegal invocation');
    });
    expect(browserTransport().beacon('https://c.test/e', '{}')).toBe(false);
    setBeacon(undefined);
    globalThis.fetch = undefined as unknown as typeof fetch;
    expect(browserTransport().beacon('https://c.test/e', '{}')).toBe(false);
  });

  it('a keepalive fetch that rejects later does not surface as an unhandled rejection', async () => {
    setBeacon(undefined);
    globalThis.fetch = (() => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch;
    expect(browserTransport().beacon('https://c.test/e', '{}')).toBe(true);
    await new Promise((r) => setTimeout(r, 10));
  });

  it('a queue whose beacon is refused at exit keeps its events for the next page load', async () => {
    setBeacon(() => false);
    let seq = 0;
    const ev = (): WaymarkEvent => ({
      id: `b${++seq}`, type: 'track', name: 'x', timestamp: new Date().toISOString(), seq, anonymousId: 'a', sessionId: 's', stage: null,
      page: { url: 'https://s.test/', path: '/', title: '', referrer: '' }, properties: {}, context: { library: { name: 'waymark', version: '0' } },
    });
    const kv = createKV();
    const store = createMemoryStore();
    const deps = {
      store: { ...store, mode: () => 'indexeddb' as const }, kv, transport: browserTransport(), now: () => Date.now(), random: () => 0.5,
      tab: 't', endpoint: 'https://c.test/e', batch: { size: 50, intervalMs: 60000, maxBytes: 60000 },
      retry: { baseDelayMs: 500, maxDelayMs: 5000, maxAgeMs: 864e5, timeoutMs: 2000 }, maxEvents: 100,
      encode: (events: WaymarkEvent[], sentAt: string) => JSON.stringify({ sentAt, events }), debug: () => {},
    };
    const q = createQueue(deps);
    const events = [ev(), ev()];
    q.add(events);
    q.exit();
    q.stop();
    expect(q.stats().delivered).toBe(0);
    await new Promise((r) => setTimeout(r, 20));
    // The next page load sends them.
    const bodies: string[] = [];
    globalThis.fetch = ((_u: string, i: RequestInit) => (bodies.push(String(i.body)), Promise.resolve(new Response('', { status: 200 })))) as typeof fetch;
    const next = createQueue({ ...deps, tab: 'u' });
    await next.start();
    await next.flush();
    expect(bodies.flatMap((b) => (JSON.parse(b) as { events: WaymarkEvent[] }).events.map((e) => e.id)).sort()).toEqual(events.map((e) => e.id).sort());
    next.stop();
  });
});
