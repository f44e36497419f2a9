// Issue 4, item 8: a visitor's journey across full page loads and tabs, in real Chromium.
import type { Browser, Page } from './harness';
import { ENGINE_NAME } from './harness';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CollectedEvent, type Collector, type Site, type WaymarkWindow,
  chronological, explainDuplicates, flush, hasBrowser, htmlPage, journeyOf, launch, openPage, sdkReady, sleep, snippet,
  startCollector, startSite, summarize,
} from './harness';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

// SPEC-style plain-data rules, as a site would write them in a script tag.
const RULES = [
  { stage: 'awareness', name: 'campaign-landing', query: { utm_source: '*' } },
  { stage: 'consideration', name: 'pricing-page', type: 'page_view', path: ['/pricing', '/compare/*'] },
  { stage: 'decision', name: 'add-to-cart', type: 'click', selector: '[data-action=add-to-cart], .add-to-cart' },
  { stage: 'purchase', name: 'checkout-done', type: 'form_submit', selector: '#checkout' },
];

describe.skipIf(!hasBrowser)(`journey stages in real ${ENGINE_NAME}`, () => {
  let browser: Browser;
  let site: Site;
  let collector: Collector;

  const tag = (): string =>
    snippet({
      endpoint: collector.url,
      batch: { intervalMs: 200 },
      retry: { baseDelayMs: 100, maxDelayMs: 1000 },
      stages: { rules: RULES, defaults: false },
    });

  const setPages = (): void => {
    site.setPage('/landing', htmlPage({ title: 'Spring sale', body: `<h1>Sale</h1><a id="to-pricing" href="/pricing">See pricing</a>${tag()}` }));
    site.setPage('/home', htmlPage({ title: 'Home', body: `<a id="to-pricing" href="/pricing">Pricing</a>${tag()}` }));
    site.setPage(
      '/pricing',
      htmlPage({
        title: 'Pricing',
        body: `<h1>Pricing</h1>
<button id="add" data-action="add-to-cart"><span>Add to cart</span></button>
<a id="to-checkout" href="/checkout">Checkout</a>${tag()}`,
      }),
    );
    site.setPage(
      '/checkout',
      htmlPage({
        title: 'Checkout',
        body: `<form id="checkout" action="/thank-you" method="post">
<label>Name <input id="fullname" name="fullname" autocomplete="name"></label>
<button id="pay" type="submit">Pay</button>
</form>${tag()}`,
      }),
    );
    site.setPage('/thank-you', htmlPage({ title: 'Thank you', body: `<h1>Thank you</h1>${tag()}` }));
  };

  const goVia = async (page: Page, selector: string, url: RegExp): Promise<void> => {
    await Promise.all([page.waitForURL(url), page.click(selector)]);
    await sdkReady(page);
  };

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
    setPages();
  });
  afterEach(async () => {
    await collector?.close();
  });

  it('walks a visitor from a campaign landing to purchase across page loads', async () => {
    const { page, context, errors } = await openPage(browser);
    await page.goto(site.url('/landing?utm_source=x'));
    await sdkReady(page);
    await collector.waitFor((es) => es.some((e) => e.type === 'page_view' && e.page.path === '/landing'));

    await goVia(page, '#to-pricing', /\/pricing$/);
    await page.click('#add span'); // an inner span: attributed to the button
    await collector.waitFor((es) => es.some((e) => e.type === 'click' && e.page.path === '/pricing' && e.target?.id === 'add'));
    await goVia(page, '#to-checkout', /\/checkout$/);
    await page.fill('#fullname', 'Ada Lovelace');
    await goVia(page, '#pay', /\/thank-you$/);

    await collector.waitFor(
      (es) =>
        es.some((e) => e.type === 'page_view' && e.page.path === '/thank-you') &&
        es.some((e) => e.type === 'form_submit') &&
        es.filter((e) => e.type === 'stage_change').length >= 4,
      15000,
    );

    // journey() after a reload: persisted, answered synchronously from the start.
    await page.reload();
    await sdkReady(page);
    const j = await journeyOf(page);
    const seen = `journey() ${JSON.stringify(j)}; events: ${summarize(chronological(collector.events()))}`;
    expect(j.stage, seen).toBe('purchase');
    expect(j.furthest, seen).toBe('purchase');
    expect(j.history.map((h) => h.stage), seen).toEqual(['awareness', 'consideration', 'decision', 'purchase']);
    for (const h of j.history) expect(h.at).toMatch(ISO);

    await collector.waitFor((es) => es.filter((e) => e.type === 'page_view' && e.page.path === '/thank-you').length >= 2);
    await sleep(400);
    await flush(page);
    const es = chronological(collector.events());
    const all = summarize(es);

    // The stage_change sequence.
    const changes = es.filter((e) => e.type === 'stage_change').map((e) => e.properties);
    expect(changes, all).toEqual([
      { from: null, to: 'awareness', rule: 'campaign-landing' },
      { from: 'awareness', to: 'consideration', rule: 'pricing-page' },
      { from: 'consideration', to: 'decision', rule: 'add-to-cart' },
      { from: 'decision', to: 'purchase', rule: 'checkout-done' },
    ]);

    // The events that set a stage name their rule.
    const first = (pred: (e: CollectedEvent) => boolean): CollectedEvent => {
      const e = es.find(pred);
      expect(e, all).toBeDefined();
      return e!;
    };
    const landingPv = first((e) => e.type === 'page_view' && e.page.path === '/landing');
    expect([landingPv.stage, landingPv.stageRule]).toEqual(['awareness', 'campaign-landing']);
    const pricingPv = first((e) => e.type === 'page_view' && e.page.path === '/pricing');
    expect([pricingPv.stage, pricingPv.stageRule]).toEqual(['consideration', 'pricing-page']);
    const cart = first((e) => e.type === 'click' && e.target?.id === 'add');
    expect([cart.stage, cart.stageRule]).toEqual(['decision', 'add-to-cart']);
    const checkoutPv = first((e) => e.type === 'page_view' && e.page.path === '/checkout');
    expect([checkoutPv.stage, checkoutPv.stageRule]).toEqual(['decision', undefined]);
    const submit = first((e) => e.type === 'form_submit');
    expect([submit.stage, submit.stageRule, submit.page.path]).toEqual(['purchase', 'checkout-done', '/checkout']);
    const thanks = es.filter((e) => e.type === 'page_view' && e.page.path === '/thank-you');
    for (const t of thanks) expect([t.stage, t.stageRule]).toEqual(['purchase', undefined]);

    // Every event's stage, by where and when it happened.
    const cartAt = Date.parse(cart.timestamp);
    const submitAt = Date.parse(submit.timestamp);
    const expected = (e: CollectedEvent): string | undefined => {
      const at = Date.parse(e.timestamp);
      switch (e.page?.path) {
        case '/landing':
          return 'awareness';
        case '/pricing':
          return at < cartAt ? 'consideration' : at > cartAt ? 'decision' : undefined;
        case '/checkout':
          return at < submitAt ? 'decision' : at > submitAt ? 'purchase' : undefined;
        case '/thank-you':
          return 'purchase';
        default:
          return undefined;
      }
    };
    for (const e of es) {
      if (e.type === 'stage_change' || e === cart || e === submit) continue;
      const want = expected(e);
      if (want) expect(e.stage, `${e.type}${e.name ? `:${e.name}` : ''} on ${e.page?.path}`).toBe(want);
      else expect(e.stage, `${e.type} on ${e.page?.path}`).not.toBeNull();
    }
    expect(es.filter((e) => e.type === 'form_abandon'), 'a submitted form is not abandoned').toEqual([]);
    expect(new Set(es.map((e) => e.anonymousId)).size, 'one visitor across page loads').toBe(1);
    expect(collector.duplicates(), explainDuplicates(collector)).toEqual([]);
    expect(errors.filter((x) => x.startsWith('pageerror'))).toEqual([]);
    await context.close();
  });

  it("shares the journey between tabs: a change in tab A shows in tab B's journey()", async () => {
    const { page: a, context } = await openPage(browser);
    const b = await context.newPage();
    await a.goto(site.url('/home'));
    await b.goto(site.url('/home'));
    await sdkReady(a);
    await sdkReady(b);
    expect((await journeyOf(b)).stage).toBeNull();

    await goVia(a, '#to-pricing', /\/pricing$/);
    expect((await journeyOf(a)).stage).toBe('consideration');
    await b
      .waitForFunction(() => (window as unknown as WaymarkWindow).waymark.journey().stage === 'consideration', undefined, {
        timeout: 3000,
      })
      .catch(async () => {
        throw new Error(`tab B did not see the stage change within 3 s: ${JSON.stringify(await journeyOf(b))}`);
      });
    const jb = await journeyOf(b);
    expect(jb.furthest).toBe('consideration');
    expect(jb.history.map((h) => h.stage)).toEqual(['consideration']);

    // Tab B's next event carries the shared stage, without a rule and without a second stage_change.
    await b.evaluate(() => (window as unknown as WaymarkWindow).waymark.track('in-tab-b'));
    await flush(b);
    await collector.waitFor((es) => es.some((e) => e.name === 'in-tab-b'));
    await sleep(400);
    await flush(a);
    await flush(b);
    const es = collector.events();
    const inB = es.find((e) => e.name === 'in-tab-b')!;
    expect([inB.stage, inB.stageRule]).toEqual(['consideration', undefined]);
    expect(es.filter((e) => e.type === 'stage_change').map((e) => e.properties), summarize(es)).toEqual([
      { from: null, to: 'consideration', rule: 'pricing-page' },
    ]);
    await context.close();
  });
});
