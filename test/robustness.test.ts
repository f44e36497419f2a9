// What a hostile-but-ordinary site does to the tracker, through the public API (happy-dom,
// fake-indexeddb, an injected transport): circular/BigInt/throwing properties and traits,
// Symbols/functions/DOM nodes, a 40 KB event, a collector that never answers, clock jumps.
// No public method throws and every later event arrives.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SendResult, Transport } from '../src/delivery/transport';
import { createTracker } from '../src/index';
import type { Internals } from '../src/tracker';
import type { Options, Tracker, WaymarkEvent } from '../src/types';

const ENDPOINT = 'https://collector.test/e';
const trackers: Tracker[] = [];
function start(options: Partial<Options> = {}, internals: Internals = {}): Tracker {
  const t = createTracker(
    { endpoint: ENDPOINT, batch: { intervalMs: 100 }, autocapture: { pageViews: false, clicks: false, forms: false, vitals: false, engagement: false, friction: false }, ...options } as Options,
    internals,
  );
  trackers.push(t);
  return t;
}

/** A collector behind an injected transport; `answer` decides each request. */
interface Collector {
  requests: WaymarkEvent[][];
  accepted: WaymarkEvent[];
  answer: (events: WaymarkEvent[]) => SendResult | Promise<SendResult>;
  transport: Transport;
  names(): string[];
}
function collector(answer: Collector['answer'] = () => ({ status: 200 })): Collector {
  const c: Collector = {
    requests: [] as WaymarkEvent[][],
    accepted: [] as WaymarkEvent[],
    answer,
    transport: {
      async send(_url, body) {
        const events = expand(body);
        c.requests.push(events);
        const res = await c.answer(events);
        if (res.status >= 200 && res.status < 300) c.accepted.push(...events);
        return res;
      },
      beacon(_url, body) {
        c.accepted.push(...expand(body));
        return true;
      },
    } as Transport,
    names: () => c.accepted.map((e) => e.name).filter(Boolean) as string[],
  };
  return c;
}

/** Wire format v2: each event is `{ ...shared, ...event }`. */
const expand = (body: string) => {
  const b = JSON.parse(body) as { shared?: object; events: WaymarkEvent[] };
  return b.events.map((e) => ({ ...b.shared, ...e }) as WaymarkEvent);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(t: Tracker, check: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await t.flush();
    await sleep(20);
  }
}
const quiet = () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  return { warn, error };
};

afterEach(async () => {
  for (const t of trackers.splice(0)) await t.shutdown();
  vi.restoreAllMocks();
});

describe('poison data at the door', () => {
  it.each([
    ['a circular property', () => {
      const self: Record<string, unknown> = { name: 'loop' };
      self.self = self;
      return { self };
    }],
    ['a BigInt', () => ({ big: 2n ** 70n })],
    ['a throwing toJSON', () => ({ bad: { toJSON: () => { throw new Error('nope'); } }, ok: 1 })],
    ['a throwing getter', () => Object.defineProperty({ ok: 1 }, 'boom', { enumerable: true, get: () => { throw new Error('getter'); } })],
    ['a hostile Proxy', () => new Proxy({}, { ownKeys: () => { throw new Error('trap'); }, get: () => { throw new Error('trap'); } })],
  ])('track() with %s: nothing throws, it and the next 5 events arrive', async (_name, make) => {
    const { error } = quiet();
    const c = collector();
    const t = start({}, { transport: c.transport });
    expect(() => t.track('poison', make() as Record<string, unknown>)).not.toThrow();
    for (let i = 0; i < 5; i++) t.track(`after-${i}`);
    expect(() => t.page(make() as Record<string, unknown>)).not.toThrow();
    expect(() => t.stats()).not.toThrow();
    expect(() => t.journey()).not.toThrow();
    await until(t, () => [0, 1, 2, 3, 4].every((i) => c.names().includes(`after-${i}`)));
    expect(c.names()).toContain('poison');
    expect(error).not.toHaveBeenCalled();
    expect(t.stats().dropped).toEqual({});
  });

  it('the circular property arrives as plain data, the cycle cut, the rest kept', async () => {
    quiet();
    const c = collector();
    const t = start({}, { transport: c.transport });
    const self: Record<string, unknown> = { name: 'loop', n: 3n };
    self.self = self;
    t.track('circular', { self, plan: 'pro' });
    await until(t, () => c.names().includes('circular'));
    expect(c.accepted.find((e) => e.name === 'circular')!.properties).toEqual({ self: { name: 'loop', n: '3' }, plan: 'pro' });
  });

  it('one console warning per kind of problem, not one per event', async () => {
    const { warn } = quiet();
    const c = collector();
    const t = start({}, { transport: c.transport });
    for (let i = 0; i < 20; i++) t.track('big', { n: BigInt(i) });
    await until(t, () => c.names().filter((n) => n === 'big').length >= 20);
    expect(c.names().filter((n) => n === 'big')).toHaveLength(20);
    expect(warn.mock.calls.filter((call) => String(call[0]).includes('BigInt'))).toHaveLength(1);
  });

  it('identify() with circular or BigInt traits does not throw; later events arrive, with the user id', async () => {
    const { error } = quiet();
    const c = collector();
    const t = start({}, { transport: c.transport });
    const traits: Record<string, unknown> = { plan: 'pro', credits: 10n };
    traits.me = traits;
    expect(() => t.identify('u1', traits)).not.toThrow();
    t.track('after-identify');
    await until(t, () => c.names().includes('after-identify'));
    const identify = c.accepted.find((e) => e.type === 'identify')!;
    expect(identify.traits).toEqual({ plan: 'pro', credits: '10' });
    expect(c.accepted.find((e) => e.name === 'after-identify')!.userId).toBe('u1');
    expect(error).not.toHaveBeenCalled();
  });

  it('a Symbol, a function or a DOM node in the properties does not flip storage to memory', async () => {
    quiet();
    const c = collector();
    const t = start({}, { transport: c.transport });
    await until(t, () => t.stats().storage === 'indexeddb');
    const el = document.createElement('button');
    document.body.append(el);
    t.track('odd', { s: Symbol('x'), f: () => 1, el, win: window, ok: 'yes' });
    t.track('next');
    await until(t, () => c.names().includes('next'));
    expect(c.accepted.find((e) => e.name === 'odd')!.properties).toEqual({ ok: 'yes' });
    expect(t.stats().storage).toBe('indexeddb');
    el.remove();
  });
});

describe('one oversize event', () => {
  it('an event over 32 KB is dropped and counted as too_large; the events around it arrive', async () => {
    quiet();
    const c = collector();
    const t = start({}, { transport: c.transport });
    t.track('before');
    t.track('huge', { blob: 'x'.repeat(40000) });
    t.track('after');
    await until(t, () => c.names().includes('after') && c.names().includes('before'));
    expect(c.names()).not.toContain('huge');
    expect(t.stats().dropped).toEqual({ too_large: 1 });
  });
});

describe('a collector that never answers', () => {
  it('fetch hanging for ever (browser transport): flush() settles within 2 × retry.timeoutMs, the events go out once it answers', async () => {
    quiet();
    const realFetch = globalThis.fetch;
    let hang = true;
    const got: WaymarkEvent[] = [];
    globalThis.fetch = (async (_u: string, init: RequestInit) => {
      if (hang)
        return new Promise((_r, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
      got.push(...expand(String(init.body)));
      return new Response('', { status: 200 });
    }) as typeof fetch;
    try {
      const t = start({ retry: { timeoutMs: 1000, baseDelayMs: 100, maxDelayMs: 500 } });
      t.track('while-hanging');
      const t0 = Date.now();
      await t.flush();
      expect(Date.now() - t0).toBeLessThan(2 * 1000 + 500);
      hang = false;
      t.track('after');
      await until(t, () => got.some((e) => e.name === 'while-hanging') && got.some((e) => e.name === 'after'), 8000);
      expect(got.filter((e) => e.name === 'while-hanging')).toHaveLength(1);
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  it('an injected transport that hangs for ever: flush() settles, and the events go out once it answers again', async () => {
    quiet();
    let hang = true;
    const c = collector(() => (hang ? new Promise<SendResult>(() => {}) : { status: 200 }));
    const t = start({ retry: { timeoutMs: 1000, baseDelayMs: 100, maxDelayMs: 500 } }, { transport: c.transport });
    t.track('while-hanging');
    const t0 = Date.now();
    await t.flush();
    expect(Date.now() - t0).toBeLessThan(2 * 1000 + 500);
    hang = false;
    t.track('after');
    // Fails while the queue trusts the transport to honour timeoutMs (see the report): the hung
    // request holds the drain, and with it every later send, for ever.
    await until(t, () => c.names().includes('while-hanging') && c.names().includes('after'), 6000);
  }, 20000);
});

describe('clock jumps', () => {
  it('after one load with the clock a year ahead, a later load still rolls the session over after 30 minutes', async () => {
    quiet();
    const year = 365 * 864e5;
    const c = collector();
    const ahead = start({}, { transport: c.transport, now: () => Date.now() + year });
    ahead.track('in-the-future');
    await until(ahead, () => c.names().includes('in-the-future'));
    await ahead.shutdown();
    // The clock is right again.
    const normal = start({}, { transport: c.transport });
    normal.track('now');
    await until(normal, () => c.names().includes('now'));
    await normal.shutdown();
    // 31 minutes of inactivity later: a new session.
    const later = start({}, { transport: c.transport, now: () => Date.now() + 31 * 60000 });
    later.track('later');
    await until(later, () => c.names().includes('later'));
    const byName = (n: string) => c.accepted.find((e) => e.name === n)!;
    expect(byName('later').anonymousId).toBe(byName('now').anonymousId);
    expect(byName('later').sessionId).not.toBe(byName('now').sessionId);
  });

  it('the clock set back a day after a failed send: the timed retry still happens', async () => {
    quiet();
    let offset = 0;
    let status = 503;
    const c = collector(() => ({ status }));
    const t = start({ retry: { baseDelayMs: 200, maxDelayMs: 400 } }, { transport: c.transport, now: () => Date.now() + offset });
    t.track('retry-me');
    await until(t, () => c.requests.length > 0);
    await sleep(50);
    offset = -864e5;
    status = 200;
    // No flush() from here on: only the queue's own timers.
    const end = Date.now() + 5000;
    while (!c.names().includes('retry-me') && Date.now() < end) await sleep(50);
    expect(c.names()).toContain('retry-me');
    expect(t.stats().queued).toBe(0);
  });
});
