// Issue 2, item 11: the built bundles in real Chromium, checked at a local collector.
import type { Browser, Page } from './harness';
import { ENGINE_NAME } from './harness';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CollectedEvent, type Collector, type Site, type WaymarkWindow,
  eventId, explainDuplicates, flush, hasBrowser, htmlPage, importMap, journeyOf, json, launch, openPage, sdkReady, sleep, snippet,
  startCollector, startSite, summarize, until,
} from './harness';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

describe.skipIf(!hasBrowser)(`foundation in real ${ENGINE_NAME}`, () => {
  let browser: Browser;
  let site: Site;
  let collector: Collector;

  const opts = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    endpoint: collector.url,
    batch: { intervalMs: 200 },
    retry: { baseDelayMs: 100, maxDelayMs: 1000 },
    ...extra,
  });
  const named = (name: string) => (e: CollectedEvent) => e.type === 'track' && e.name === name;

  beforeAll(async () => {
    browser = await launch();
    site = await startSite();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });
  beforeEach(async () => {
    collector = await startCollector();
  });
  afterEach(async () => {
    await collector?.close();
  });

  it('delivers a page view with every SPEC field, as a CORS-simple text/plain POST', async () => {
    site.setPage('/start', htmlPage({ body: '<a id="go" href="/fields?utm_source=news&token=secret123">go</a>' }));
    site.setPage('/fields', htmlPage({ title: 'Fields page', body: snippet(opts()) }));
    const { page, context, errors } = await openPage(browser);
    await page.goto(site.url('/start'));
    const t0 = Date.now();
    await Promise.all([page.waitForURL(/\/fields\?/), page.click('#go')]);

    const [pv] = (await collector.waitFor((es) => es.some((e) => e.type === 'page_view'))).filter(
      (e) => e.type === 'page_view',
    );
    expect(pv).toBeDefined();
    const e = pv!;
    expect(typeof e.id).toBe('string');
    expect(e.id!.length).toBeGreaterThan(0);
    expect(e.timestamp).toMatch(ISO);
    expect(Date.parse(e.timestamp)).toBeGreaterThanOrEqual(t0 - 2000);
    expect(Date.parse(e.timestamp)).toBeLessThanOrEqual(Date.now() + 2000);
    expect(typeof e.anonymousId).toBe('string');
    expect(e.anonymousId.length).toBeGreaterThan(0);
    expect(typeof e.sessionId).toBe('string');
    expect(e.sessionId.length).toBeGreaterThan(0);
    expect(e.userId).toBeUndefined();
    expect('stage' in e).toBe(true);
    expect(e.stage === null || typeof e.stage === 'string').toBe(true);
    expect(e.page.path).toBe('/fields');
    expect(e.page.title).toBe('Fields page');
    expect(e.page.referrer).toBe(site.url('/start'));
    expect(e.page.url.startsWith(site.url('/fields'))).toBe(true);
    expect(e.page.url).toContain('utm_source=news');
    expect(e.page.url).not.toContain('secret123');
    expect(typeof e.properties).toBe('object');

    const req = collector.requests.find((r) => r.events.some((x) => x.id === e.id))!;
    expect(req.method).toBe('POST');
    expect(String(req.headers['content-type'])).toMatch(/^text\/plain;\s*charset=utf-8$/i);
    expect(req.json.sentAt).toMatch(ISO);
    expect(Array.isArray(req.json.events)).toBe(true);
    expect(collector.preflights).toBe(0);
    expect(errors.filter((x) => x.startsWith('pageerror'))).toEqual([]);
    await context.close();
  });

  it('replays calls queued by the stub before load, in order', async () => {
    site.setPage(
      '/stub',
      htmlPage({
        body: snippet(opts(), [
          ['track', 'a', { n: 1 }],
          ['identify', 'user-1', { plan: 'pro' }],
          ['track', 'b', { n: 2 }],
        ]),
      }),
    );
    const { page, context } = await openPage(browser);
    await page.goto(site.url('/stub'));
    await collector.waitFor((es) => es.some(named('b')));
    const seq = collector.events((e) => e.type === 'identify' || e.type === 'track');
    expect(seq.map((e) => `${e.type}:${e.name ?? e.userId}`)).toEqual(['track:a', 'identify:user-1', 'track:b']);
    const [a, who, b] = seq as [CollectedEvent, CollectedEvent, CollectedEvent];
    expect(a.properties).toMatchObject({ n: 1 });
    expect(a.userId).toBeUndefined(); // identify came after it
    expect(who.userId).toBe('user-1');
    expect({ ...who.properties, ...who.traits }).toMatchObject({ plan: 'pro' });
    expect(b.userId).toBe('user-1');
    expect(b.properties).toMatchObject({ n: 2 });
    expect(Date.parse(a.timestamp)).toBeLessThanOrEqual(Date.parse(b.timestamp));
    await context.close();
  });

  it('works after load both as waymark(command, …) and as waymark.track(…) methods', async () => {
    site.setPage('/methods', htmlPage({ body: snippet(opts()) }));
    const { page, context, errors } = await openPage(browser);
    await page.goto(site.url('/methods'));
    await sdkReady(page);
    await page.evaluate(() => {
      const w = (window as unknown as WaymarkWindow).waymark;
      w.track('method-form', { via: 'method' });
      w('track', 'command-form', { via: 'command' });
      w.page({ manual: true });
    });
    const es = await collector.waitFor(
      (all) => all.some(named('method-form')) && all.some(named('command-form')) && all.filter((e) => e.type === 'page_view').length >= 2,
    );
    expect(es.find(named('method-form'))!.properties).toMatchObject({ via: 'method' });
    expect(es.find(named('command-form'))!.properties).toMatchObject({ via: 'command' });
    expect(es.filter((e) => e.type === 'page_view').some((e) => e.properties?.manual === true)).toBe(true);
    expect(errors.filter((x) => x.startsWith('pageerror'))).toEqual([]);
    await context.close();
  });

  it('starts with defaults from a zero-code <script data-endpoint> tag', async () => {
    site.setPage('/zero', htmlPage({ body: `<script async src="/waymark.min.js" data-endpoint="${collector.url}"></script>` }));
    const { page, context } = await openPage(browser);
    await page.goto(site.url('/zero'));
    // Default batch interval (5 s) applies: no options were given.
    const es = await collector.waitFor((all) => all.some((e) => e.type === 'page_view'), 12000);
    expect(es.find((e) => e.type === 'page_view')!.page.path).toBe('/zero');
    await sdkReady(page);
    await page.evaluate(() => (window as unknown as WaymarkWindow).waymark.track('zero-code-track'));
    await flush(page);
    await collector.waitFor((all) => all.some(named('zero-code-track')), 8000);
    await context.close();
  });

  it('loading the script twice (or three times) does nothing twice', async () => {
    site.setPage(
      '/twice',
      // Distinct URLs so Chromium fetches and runs each copy (it shares one fetch for identical async srcs).
      htmlPage({ body: `${snippet(opts())}\n<script async src="/waymark.min.js?copy=2"></script>` }),
    );
    const before = site.requests.filter((r) => r.path === '/waymark.min.js').length;
    const { page, context, errors } = await openPage(browser);
    await page.goto(site.url('/twice'));
    await sdkReady(page);
    await page.evaluate(
      () =>
        new Promise<void>((resolve) => {
          const s = document.createElement('script');
          s.src = '/waymark.min.js?copy=3';
          s.onload = s.onerror = () => resolve();
          document.head.appendChild(s);
        }),
    );
    expect(site.requests.filter((r) => r.path === '/waymark.min.js').length - before).toBe(3);
    await page.evaluate(() => {
      const w = (window as unknown as WaymarkWindow).waymark;
      w.track('once');
      history.pushState({}, '', '/twice/next');
    });
    await flush(page);
    await collector.waitFor((es) => es.some(named('once')) && es.some((e) => e.type === 'page_view' && e.page.path === '/twice/next'));
    await sleep(600);
    await flush(page);
    const es = collector.events();
    expect(es.filter(named('once')), summarize(es)).toHaveLength(1);
    expect(es.filter((e) => e.type === 'page_view' && e.page.path === '/twice'), summarize(es)).toHaveLength(1);
    expect(es.filter((e) => e.type === 'page_view' && e.page.path === '/twice/next'), summarize(es)).toHaveLength(1);
    expect(collector.duplicates(), explainDuplicates(collector)).toEqual([]);
    expect(errors.filter((x) => x.startsWith('pageerror'))).toEqual([]);
    await context.close();
  });

  it('counts SPA navigations right: one page view per path change, none for query rewrites or anchors', async () => {
    site.setPage('/app', htmlPage({ body: `<h1>app</h1><p id="section">section</p>${snippet(opts())}` }));
    const { page, context } = await openPage(browser);
    await page.goto(site.url('/app'));
    await sdkReady(page);
    await collector.waitFor((es) => es.some((e) => e.type === 'page_view'));

    let marks = 0;
    const step = async (action: (p: Page) => Promise<unknown>): Promise<CollectedEvent[]> => {
      const before = collector.events('page_view').length;
      await action(page);
      await sleep(150);
      const label = `mark-${++marks}`;
      await page.evaluate((l) => (window as unknown as WaymarkWindow).waymark.track('marker', { l }), label);
      await collector.waitFor((es) => es.some((e) => e.name === 'marker' && e.properties?.l === label));
      return collector.events('page_view').slice(before);
    };
    const where = (pvs: CollectedEvent[]) => pvs.map((e) => e.page.url).join(', ');

    let pvs = await step((p) => p.evaluate(() => history.pushState({}, '', '/app/a')));
    expect(pvs.map((e) => e.page.path), 'pushState /app/a').toEqual(['/app/a']);
    expect(pvs[0]!.page.referrer, 'referrer after an SPA navigation is the previous URL').toBe(site.url('/app'));

    pvs = await step((p) => p.evaluate(() => history.pushState({}, '', '/app/b')));
    expect(pvs.map((e) => e.page.path), 'pushState /app/b').toEqual(['/app/b']);

    pvs = await step(async (p) => {
      await p.evaluate(() => history.back());
      await p.waitForURL(/\/app\/a$/);
    });
    expect(pvs.map((e) => e.page.path), 'back to /app/a').toEqual(['/app/a']);

    pvs = await step((p) => p.evaluate(() => history.replaceState({}, '', '/app/a?x=1')));
    expect(pvs, `replaceState query-only: ${where(pvs)}`).toHaveLength(0);

    pvs = await step(async (p) => {
      await p.evaluate(() => void (location.hash = 'section'));
      await p.waitForURL(/#section$/);
    });
    expect(pvs, `in-page anchor: ${where(pvs)}`).toHaveLength(0);

    pvs = await step(async (p) => {
      await p.evaluate(() => void (location.hash = '/route-a'));
      await p.waitForURL(/#\/route-a$/);
    });
    expect(pvs, `hash route #/route-a: ${where(pvs)}`).toHaveLength(1);
    expect(pvs[0]!.page.url).toContain('#/route-a');

    pvs = await step(async (p) => {
      await p.evaluate(() => void (location.hash = '/route-b'));
      await p.waitForURL(/#\/route-b$/);
    });
    expect(pvs, `hash route #/route-b: ${where(pvs)}`).toHaveLength(1);
    expect(pvs[0]!.page.url).toContain('#/route-b');

    pvs = await step(async (p) => {
      await p.evaluate(() => history.back());
      await p.waitForURL(/#\/route-a$/);
    });
    expect(pvs, `back to #/route-a (popstate + hashchange): ${where(pvs)}`).toHaveLength(1);

    await sleep(400);
    await flush(page);
    const all = collector.events('page_view');
    expect(all.length, `page views: ${where(all)}`).toBe(7);
    expect(collector.duplicates(), explainDuplicates(collector)).toEqual([]);
    await context.close();
  });

  it('works as ESM in a <script type="module"> without touching globals', async () => {
    site.setPage(
      '/esm',
      htmlPage({
        head: importMap(),
        body: `<script type="module">
import { createTracker } from '/waymark.mjs';
const t = createTracker(${json(opts())});
t.track('esm-ok', { from: 'module' });
window.__esm = { global: 'waymark' in window, journey: t.journey() };
</script>`,
      }),
    );
    const { page, context, errors } = await openPage(browser);
    await page.goto(site.url('/esm'));
    await page.waitForFunction(() => '__esm' in window, undefined, { timeout: 10000 }).catch(() => {
      throw new Error(`the module script did not run: ${errors.join(' | ')}`);
    });
    const es = await collector.waitFor((all) => all.some(named('esm-ok')) && all.some((e) => e.type === 'page_view'));
    expect(es.find(named('esm-ok'))!.properties).toMatchObject({ from: 'module' });
    expect(es.find((e) => e.type === 'page_view')!.page.path).toBe('/esm');
    const state = await page.evaluate(() => (window as unknown as { __esm: { global: boolean; journey: unknown } }).__esm);
    expect(state.global, 'the ESM build must not create window.waymark').toBe(false);
    expect(state.journey).toMatchObject({ history: expect.any(Array) });
    await context.close();
  });

  it('delivers every event exactly once after a collector outage (503, then refused) and a reload', async () => {
    site.setPage('/outage', htmlPage({ body: snippet(opts()) }));
    collector.plan = () => ({ status: 503 });
    const { page, context } = await openPage(browser);
    await page.goto(site.url('/outage'));
    await sdkReady(page);
    await page.evaluate(() => {
      const w = (window as unknown as WaymarkWindow).waymark;
      w.track('outage-a');
      w.track('outage-b');
    });
    // The SDK tried and got 503: nothing is stored yet.
    await until(() => collector.allEvents().some(named('outage-b')), 8000, () => `no attempt to send outage-b: ${summarize(collector.allEvents())}`);
    expect(collector.events()).toEqual([]);

    await collector.down(); // now: connection refused
    await page.evaluate(() => (window as unknown as WaymarkWindow).waymark.track('outage-c'));
    await sleep(500);
    await page.reload();
    await sdkReady(page);
    await page.evaluate(() => (window as unknown as WaymarkWindow).waymark.track('outage-d'));
    await sleep(500);

    collector.plan = () => undefined;
    await collector.up();
    const names = ['outage-a', 'outage-b', 'outage-c', 'outage-d'];
    await collector.waitFor(
      (es) => names.every((n) => es.some(named(n))) && es.filter((e) => e.type === 'page_view').length >= 2,
      20000,
    );
    await sleep(500);
    let es = collector.events();
    for (const n of names) expect(es.filter(named(n)), `${n}: ${summarize(es)}`).toHaveLength(1);
    expect(es.filter((e) => e.type === 'page_view'), summarize(es)).toHaveLength(2);
    expect(collector.duplicates(), explainDuplicates(collector)).toEqual([]);

    // Delivered events are gone from the queue: another load sends only its own.
    await page.reload();
    await collector.waitFor((all) => all.filter((e) => e.type === 'page_view').length >= 3);
    await sleep(600);
    es = collector.events();
    for (const n of names) expect(es.filter(named(n)), `${n} after a second reload`).toHaveLength(1);
    expect(collector.duplicates(), explainDuplicates(collector)).toEqual([]);
    expect(new Set(es.map(eventId)).size).toBe(es.length);
    await context.close();
  });

  it('window.waymark.journey() returns { stage, furthest, history }', async () => {
    site.setPage('/shape', htmlPage({ body: snippet(opts({ stages: { defaults: false } })) }));
    const { page, context } = await openPage(browser);
    await page.goto(site.url('/shape'));
    await sdkReady(page);
    const j = await journeyOf(page);
    expect(Object.keys(j)).toEqual(expect.arrayContaining(['stage', 'furthest', 'history']));
    expect(j.stage).toBeNull();
    expect(j.furthest).toBeNull();
    expect(j.history).toEqual([]);
    await context.close();
  });
});
