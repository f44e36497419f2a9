// createTracker in happy-dom: the SPEC event envelope, the public API, sessions, consent, GPC,
// opt-out, robustness against garbage, and stats. The collector is msw (the default fetch
// transport) or an injected transport where a test needs to count or fail requests.
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Transport } from '../src/delivery/transport';
import { createTracker } from '../src/index';
import type { Internals } from '../src/tracker';
import type { Options, Tracker, WaymarkEvent } from '../src/types';

const ENDPOINT = 'https://collector.test/e';
/** Wire format v2: each event is `{ ...shared, ...event }`. */
const expandBody = (body: { shared?: object; events: WaymarkEvent[] }) => body.events.map((e) => ({ ...body.shared, ...e }) as WaymarkEvent);
const received: Array<{ body: { sentAt: string; events: WaymarkEvent[] }; contentType: string | null }> = [];
const server = setupServer(
  http.post(ENDPOINT, async ({ request }) => {
    const body = JSON.parse(await request.text());
    received.push({ body: { ...body, events: expandBody(body) }, contentType: request.headers.get('content-type') });
    return HttpResponse.json({ ok: true });
  }),
);

const trackers: Tracker[] = [];
function start(options: Partial<Options> = {}, internals: Internals = {}): Tracker {
  const t = createTracker(
    { endpoint: ENDPOINT, batch: { intervalMs: 100 }, autocapture: { vitals: false, engagement: false, friction: false }, ...options } as Options,
    internals,
  );
  trackers.push(t);
  return t;
}

interface Fake {
  status: number;
  batches: WaymarkEvent[][];
  readonly events: WaymarkEvent[];
  transport: Transport;
}
function fakeTransport(status = 200): Fake {
  const f: Fake = {
    status,
    batches: [] as WaymarkEvent[][],
    get events(): WaymarkEvent[] {
      return f.batches.flat();
    },
    transport: {
      async send(_url, body) {
        f.batches.push(expandBody(JSON.parse(body)));
        return { status: f.status };
      },
      beacon(_url, body) {
        f.batches.push(expandBody(JSON.parse(body)));
        return true;
      },
    } as Transport,
  };
  return f;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Flush until `check` passes (boot and storage are asynchronous). */
async function until(t: Tracker, check: () => boolean, ms = 3000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await t.flush();
    await sleep(20);
  }
}
const sdkKeys = () => Object.keys(localStorage).filter((k) => k.startsWith('waymark'));
const waymarkDb = async () => (await indexedDB.databases()).filter((d) => d.name === 'waymark');

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(async () => {
  for (const t of trackers.splice(0)) await t.shutdown();
  received.length = 0;
  server.resetHandlers();
  delete (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl;
  vi.restoreAllMocks();
});
afterAll(() => server.close());

describe('events (default fetch transport, msw collector)', () => {
  it('sends a page view on start with every SPEC field, as text/plain { sentAt, events }', async () => {
    document.title = 'Pricing';
    history.replaceState(null, '', '/pricing?plan=pro&token=SECRET');
    const t = start();
    const pvs = () => received.flatMap((r) => r.body.events).filter((e) => e.type === 'page_view');
    await until(t, () => pvs().length > 0);
    const pv = pvs()[0]!;
    expect(pv).toMatchObject({
      id: expect.any(String),
      type: 'page_view',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      anonymousId: expect.any(String),
      sessionId: expect.any(String),
      page: { url: expect.any(String), path: '/pricing', title: 'Pricing', referrer: expect.any(String) },
      properties: expect.any(Object),
      seq: expect.any(Number),
      context: { library: { name: 'waymark', version: expect.any(String) } },
      attempt: 1,
    });
    expect('stage' in pv).toBe(true);
    expect(pv.page.url).toContain('plan=pro');
    expect(pv.page.url).not.toContain('SECRET');
    expect(received[0]!.contentType).toMatch(/^text\/plain/);
    expect(Number.isNaN(Date.parse(received[0]!.body.sentAt))).toBe(false);
    expect(pvs()).toHaveLength(1);
  });
});

describe('API', () => {
  it('track / identify / reset', async () => {
    const f = fakeTransport();
    const t = start({}, { transport: f.transport });
    t.track('signup', { plan: 'pro' });
    t.identify('user-1', { tier: 'gold' });
    t.track('after_identify');
    await until(t, () => f.events.some((e) => e.name === 'after_identify'));
    const signup = f.events.find((e) => e.name === 'signup')!;
    expect(signup).toMatchObject({ type: 'track', properties: { plan: 'pro' } });
    const ident = f.events.find((e) => e.type === 'identify')!;
    expect(ident).toMatchObject({ userId: 'user-1', traits: { tier: 'gold' } });
    const after = f.events.find((e) => e.name === 'after_identify')!;
    expect(after.userId).toBe('user-1');
    expect(after.anonymousId).toBe(signup.anonymousId);
    // seq orders events within the session
    expect(after.seq).toBeGreaterThan(signup.seq);

    t.reset();
    t.track('after_reset');
    await until(t, () => f.events.some((e) => e.name === 'after_reset'));
    const reset = f.events.find((e) => e.name === 'after_reset')!;
    expect(reset.userId).toBeUndefined();
    expect(reset.anonymousId).not.toBe(signup.anonymousId);
    expect(reset.sessionId).not.toBe(signup.sessionId);
    // Ids are unique
    expect(new Set(f.events.map((e) => e.id)).size).toBe(f.events.length);
  });

  it('identify() does not stamp its userId on events tracked before it', async () => {
    const f = fakeTransport();
    const t = start({}, { transport: f.transport });
    t.track('anonymous_step');
    t.identify('user-2');
    await until(t, () => f.events.some((e) => e.type === 'identify'));
    expect(f.events.find((e) => e.name === 'anonymous_step')!.userId).toBeUndefined();
  });

  it('starts a new session after 30 minutes of inactivity (injected clock)', async () => {
    let now = Date.parse('2026-03-01T10:00:00Z');
    const f = fakeTransport();
    const t = start({}, { transport: f.transport, now: () => now });
    t.track('a');
    await until(t, () => f.events.some((e) => e.name === 'a'));
    now += 29 * 60_000;
    t.track('b');
    now += 31 * 60_000;
    t.track('c');
    now += 60_000;
    t.track('d');
    await until(t, () => f.events.some((e) => e.name === 'd'));
    const s = (n: string) => f.events.find((e) => e.name === n)!.sessionId;
    expect(s('b')).toBe(s('a'));
    expect(s('c')).not.toBe(s('b'));
    expect(s('d')).toBe(s('c'));
  });

  it('no public method throws, whatever it is given', async () => {
    const f = fakeTransport();
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const t = start({}, { transport: f.transport });
    const any = t as unknown as Record<string, (...a: unknown[]) => unknown>;
    const garbage: unknown[][] = [[], [undefined], [null], [42], [{}], [[]], ['x', 'y'], [Symbol('s')], [() => {}], ['', null], ['n', { a: 1n }]];
    for (const m of ['track', 'page', 'identify', 'reset', 'journey', 'on', 'optIn', 'stats']) {
      for (const args of garbage) expect(() => any[m]!(...args), `${m}(${args.map(String).join(', ')})`).not.toThrow();
    }
    await expect(t.flush()).resolves.toBeUndefined();
    t.track('still_works');
    await until(t, () => f.events.some((e) => e.name === 'still_works'));
    expect(err).toHaveBeenCalled();
  });

  it('a throwing beforeSend or stage listener does not escape; tracking continues', async () => {
    const f = fakeTransport();
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const t = start(
      {
        beforeSend: () => {
          throw new Error('boom');
        },
        stages: { rules: [{ stage: 'decision', type: 'track', event: 'buy' }] },
      },
      { transport: f.transport },
    );
    t.on('stage', () => {
      throw new Error('listener boom');
    });
    expect(() => t.track('buy')).not.toThrow();
    await until(t, () => f.events.some((e) => e.name === 'buy'));
    expect(f.events.find((e) => e.name === 'buy')!.stage).toBe('decision');
    expect(err).toHaveBeenCalled();
  });

  it('bad options: one console error per bad field, tracking continues', async () => {
    const f = fakeTransport();
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const t = start({ batch: 'fast', bogus: true } as unknown as Partial<Options>, { transport: f.transport });
    t.track('ok');
    await until(t, () => f.events.some((e) => e.name === 'ok'));
    const msgs = err.mock.calls.map((c) => c.join(' '));
    expect(msgs.filter((m) => m.includes('"batch"'))).toHaveLength(1);
    expect(msgs.filter((m) => m.includes('"bogus"'))).toHaveLength(1);
  });

  it('without an endpoint: one error, a tracker that does nothing', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const t = createTracker({} as Options);
    expect(() => t.track('x')).not.toThrow();
    await t.flush();
    expect(t.stats()).toMatchObject({ delivered: 0, queued: 0, storage: 'none' });
    expect(err).toHaveBeenCalledTimes(1);
    expect(received).toHaveLength(0);
  });

  it('stats(): delivered, retried, dropped by reason, storage', async () => {
    const f = fakeTransport(503);
    const t = start({ beforeSend: (e) => (e.name === 'secret' ? null : e), retry: { baseDelayMs: 100, maxDelayMs: 1000 } }, { transport: f.transport });
    t.track('one');
    t.track('secret');
    await until(t, () => t.stats().retried > 0);
    expect(t.stats().storage).toBe('indexeddb');
    expect(t.stats().delivered).toBe(0);
    f.status = 200;
    await until(t, () => t.stats().queued === 0);
    const s = t.stats();
    expect(s.delivered).toBeGreaterThanOrEqual(2); // page_view + one
    expect(s.dropped.before_send).toBe(1);
    expect(f.events.some((e) => e.name === 'secret')).toBe(false);
  });
});

describe('consent and privacy signals', () => {
  it('requireConsent: nothing stored or sent until optIn(), then the held events go out', async () => {
    const f = fakeTransport();
    const t = start({ privacy: { requireConsent: true } as Options['privacy'] }, { transport: f.transport });
    t.track('before_consent');
    await sleep(300);
    await t.flush();
    expect(f.batches).toHaveLength(0);
    expect(sdkKeys()).toEqual([]);
    expect(await waymarkDb()).toEqual([]);
    expect(t.stats().storage).toBe('none');
    t.optIn();
    await until(t, () => f.events.some((e) => e.name === 'before_consent'));
    expect(f.events.some((e) => e.type === 'page_view')).toBe(true);
    expect(sdkKeys().length).toBeGreaterThan(0);
  });

  it('optOut() deletes the queue, sends nothing more, and persists across a new tracker', async () => {
    const f = fakeTransport(503);
    const t = start({ retry: { baseDelayMs: 100, maxDelayMs: 1000 } }, { transport: f.transport });
    t.track('pending');
    await until(t, () => t.stats().retried > 0);
    t.optOut();
    const before = f.batches.length;
    f.status = 200;
    t.track('after_opt_out');
    await sleep(300);
    await t.flush();
    expect(f.batches.length).toBe(before);
    expect(t.stats()).toMatchObject({ queued: 0, storage: 'none' });
    await t.shutdown();

    const f2 = fakeTransport();
    const t2 = start({}, { transport: f2.transport });
    t2.track('next_visit');
    await sleep(300);
    await t2.flush();
    expect(f2.batches).toHaveLength(0);
    expect(f.batches.slice(before).flat().length).toBe(0);
    // optIn resumes, sending only what is tracked after it
    t2.optIn();
    t2.track('back');
    await until(t2, () => f2.events.some((e) => e.name === 'back'));
    expect(f2.events.some((e) => e.name === 'pending' || e.name === 'next_visit')).toBe(false);
  });

  it('GPC: nothing stored or sent; an explicit optIn() overrides it', async () => {
    Object.defineProperty(navigator, 'globalPrivacyControl', { configurable: true, value: true });
    const f = fakeTransport();
    const t = start({}, { transport: f.transport });
    t.track('gpc');
    await sleep(300);
    await t.flush();
    expect(f.batches).toHaveLength(0);
    expect(sdkKeys()).toEqual([]);
    expect(await waymarkDb()).toEqual([]);
    t.optIn();
    t.track('consented');
    await until(t, () => f.events.some((e) => e.name === 'consented'));
  });

  it('GPC is ignored when respectGPC is false', async () => {
    Object.defineProperty(navigator, 'globalPrivacyControl', { configurable: true, value: true });
    const f = fakeTransport();
    const t = start({ privacy: { respectGPC: false } as Options['privacy'] }, { transport: f.transport });
    t.track('x');
    await until(t, () => f.events.some((e) => e.name === 'x'));
  });
});
