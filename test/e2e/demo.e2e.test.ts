// @vitest-environment node
// The `npm start` demo in real Chromium: a visitor clicks through the shop from
// the campaign landing to the thank-you page, then the journey view shows them
// at purchase with every stage change; the SPA example sends one page view per
// route. Writes test-results/journey-view.png for people to look at.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from './harness';
import { ENGINE_NAME } from './harness';
import { DIST, ROOT, hasBrowser, launch, openPage, summarize, until, type CollectedEvent } from './harness';

interface Demo {
  url: string;
  port: number;
  events(): CollectedEvent[];
  close(): Promise<void>;
}
type StartDemo = (opts: { port: number; dataDir: string; quiet: boolean }) => Promise<Demo>;
type StartCollector = (opts: { port: number; dataDir: string; quiet: boolean }) => Promise<Demo & { file: string }>;

// A variable specifier: examples/ is plain JS without type declarations.
const examples = (file: string) => import(new URL(`../../examples/${file}`, import.meta.url).href);

describe('examples/collector.mjs', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'waymark-collector-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const event = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    type: 'page_view',
    timestamp: new Date().toISOString(),
    anonymousId: 'a1',
    sessionId: 's1',
    stage: 'awareness',
    page: { url: 'http://x/', path: '/', title: '', referrer: '' },
    properties: {},
    context: { channel: 'email' },
    ...extra,
  });
  const post = (url: string, body: unknown) =>
    fetch(`${url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain;charset=UTF-8' }, body: JSON.stringify(body) });

  it('dedupes by id, keeps events across restarts and speaks the Segment batch format', async () => {
    const { startCollector } = (await examples('collector.mjs')) as { startCollector: StartCollector };
    let c = await startCollector({ port: 0, dataDir, quiet: true });
    const first = await post(c.url, { sentAt: new Date().toISOString(), events: [event('e1'), event('e2')] });
    expect(first.status).toBe(200);
    expect(first.headers.get('access-control-allow-origin')).toBe('*');
    // A retry of the same batch (at-least-once delivery) stores nothing twice.
    expect(await (await post(c.url, { sentAt: new Date().toISOString(), events: [event('e2'), event('e1')] })).json()).toMatchObject({ added: 0 });
    const segment = await post(c.url, {
      batch: [
        { type: 'track', event: 'plan_selected', messageId: 'm1', anonymousId: 'a1', timestamp: new Date().toISOString(), properties: { plan: 'pro' } },
        {
          type: 'track',
          event: 'Journey Stage Changed',
          messageId: 'm2',
          anonymousId: 'a1',
          timestamp: new Date().toISOString(),
          properties: { from: 'awareness', to: 'decision', rule: 'add-to-cart', journey_stage: 'decision' },
          context: { page: { path: '/product.html' }, journey: { stage: 'decision', rule: 'add-to-cart' } },
        },
      ],
    });
    expect(segment.status).toBe(200);
    expect((await post(c.url, { nope: true })).status).toBe(400);
    const bad = await fetch(`${c.url}/collect`, { method: 'POST', body: '{not json' });
    expect(bad.status).toBe(400);
    const preflight = await fetch(`${c.url}/collect`, { method: 'OPTIONS', headers: { 'Access-Control-Request-Headers': 'x-api-key' } });
    expect(preflight.headers.get('access-control-allow-headers')).toBe('x-api-key');
    await c.close();

    // A torn last line (a crash mid-write) is skipped, not fatal.
    appendFileSync(c.file, '{"id":"torn","ty');
    c = await startCollector({ port: 0, dataDir, quiet: true });
    const { events } = (await (await fetch(`${c.url}/api/events`)).json()) as { events: CollectedEvent[] };
    expect(events.map((e) => e.id)).toEqual(['e1', 'e2', 'm1', 'm2']);
    expect(events[2]).toMatchObject({ type: 'track', name: 'plan_selected', properties: { plan: 'pro' } });
    expect(events[3]).toMatchObject({ type: 'stage_change', stage: 'decision', page: { path: '/product.html' }, properties: { to: 'decision' } });
    expect(await (await post(c.url, { events: [event('e1')] })).json()).toMatchObject({ added: 0 });
    const journeys = (await (await fetch(`${c.url}/api/journeys`)).json()) as { funnel: Array<{ stage: string; reached: number }>; channels: Array<{ channel: string }> };
    expect(journeys.funnel.slice(0, 4).map((f) => f.reached)).toEqual([1, 1, 1, 0]);
    expect(journeys.channels.map((ch) => ch.channel)).toEqual(['email']);
    expect(readFileSync(c.file, 'utf8').split('\n').filter((l) => l.includes('"e1"'))).toHaveLength(1);
    await c.close();
  });

  it('announces new events on /events/stream', async () => {
    const { startCollector } = (await examples('collector.mjs')) as { startCollector: StartCollector };
    const c = await startCollector({ port: 0, dataDir: join(dataDir, 'stream'), quiet: true });
    const res = await fetch(`${c.url}/events/stream`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const read = async (needle: string) => {
      while (!text.includes(needle)) text += decoder.decode((await reader.read()).value);
    };
    await read('event: hello');
    await post(c.url, { events: [event('s1')] });
    await read('event: events');
    expect(text).toContain('"added":1');
    await reader.cancel();
    await c.close();
  });
});

describe.skipIf(!hasBrowser)(`npm start demo (shop, SPA, journey view) in ${ENGINE_NAME}`, () => {
  let browser: Browser;
  let demo: Demo;
  let dataDir: string;

  beforeAll(async () => {
    if (!existsSync(join(DIST, 'waymark.min.js')) || !existsSync(join(DIST, 'waymark.mjs'))) {
      throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
    }
    dataDir = mkdtempSync(join(tmpdir(), 'waymark-demo-'));
    const { startDemo } = (await examples('start.mjs')) as { startDemo: StartDemo };
    demo = await startDemo({ port: 0, dataDir, quiet: true });
    browser = await launch();
  });

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('maps a shop visitor from campaign landing to purchase and shows it in the journey view', async () => {
    const { context, page, errors } = await openPage(browser);
    const base = demo.url;

    await page.goto(`${base}/landing.html?utm_source=newsletter&utm_medium=email&utm_campaign=autumn`);
    await expect.poll(() => page.locator('[data-stage-badge]').textContent(), { timeout: 10000 }).toBe('awareness');
    await page.click('#see-pricing');
    await page.waitForURL('**/pricing.html');
    await page.click('a[data-waymark="plan_regular"]');
    await page.waitForURL('**/product.html');
    await page.click('[data-waymark="add_to_cart"]');
    await page.click('[data-added] a');
    await page.waitForURL('**/cart.html');
    await page.click('#go-checkout');
    await page.waitForURL('**/checkout.html');

    await page.fill('input[name=name]', 'Ada Lovelace');
    await page.fill('input[name=street]', 'Analytical Row 1');
    await page.fill('input[name=postcode]', '1010');
    await page.fill('input[name=city]', 'London');
    await page.fill('input[name=email]', 'ada@example.com');
    await page.click('fieldset[data-waymark-step=shipping] [data-next]');
    await page.fill('input[name=card]', '4242 4242 4242 4242');
    await page.fill('input[name=expiry]', '12/29');
    await page.fill('input[name=cvc]', '123');
    await page.click('fieldset[data-waymark-step=payment] [data-next]');
    await page.check('input[name=terms]');
    await page.click('#place-order');
    await page.waitForURL('**/thank-you.html');

    const mine = () => demo.events().filter((e) => e.type === 'stage_change');
    await until(
      () => mine().some((e) => e.properties?.to === 'purchase'),
      20000,
      () => `no stage_change to purchase reached the collector; got: ${summarize(demo.events())}`,
    );
    const changes = mine();
    const visitor = changes.find((e) => e.properties?.to === 'purchase')?.anonymousId as string;
    const path = changes.filter((e) => e.anonymousId === visitor).map((e) => e.properties?.to);
    expect(path).toEqual(['awareness', 'consideration', 'decision', 'purchase']);

    const all = demo.events().filter((e) => e.anonymousId === visitor);
    expect(all.find((e) => e.type === 'page_view')?.context?.channel).toBe('email');
    // No form value ever leaves the page.
    const wire = JSON.stringify(all);
    for (const secret of ['Ada Lovelace', 'ada@example.com', '4242 4242', 'Analytical Row']) expect(wire).not.toContain(secret);

    // The journey view.
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${base}/journey/`);
    const funnel = page.locator('[data-testid=funnel]');
    await expect.poll(() => funnel.locator('.funnel-row[data-stage=purchase]').getAttribute('data-count'), { timeout: 10000 }).toBe('1');
    expect(await funnel.locator('.funnel-row[data-stage=awareness]').getAttribute('data-count')).toBe('1');

    const card = page.locator(`[data-visitor="${visitor}"]`);
    await expect.poll(() => card.locator('[data-testid=visitor-stage]').textContent(), { timeout: 10000 }).toBe('purchase');
    const timeline = card.locator('[data-testid=timeline]');
    expect(await timeline.locator('[data-testid=stage-change]').evaluateAll((els) => els.map((el) => el.getAttribute('data-to')))).toEqual([
      'awareness',
      'consideration',
      'decision',
      'purchase',
    ]);
    const text = (await timeline.textContent()) ?? '';
    for (const touch of ['/landing.html', '/pricing.html', 'add_to_cart', '/checkout.html', 'submit #checkout']) expect(text).toContain(touch);
    expect(await page.locator('[data-testid=channels] [data-channel=email]').count()).toBe(1);
    expect(await page.locator('[data-testid=forms] [data-form=checkout]').count()).toBe(1);

    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-results', 'journey-view.png'), fullPage: true });

    // Live: a new event shows up without a reload.
    const before = Number(await page.locator('[data-total=events]').textContent());
    await fetch(`${base}/collect`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({
        sentAt: new Date().toISOString(),
        events: [{ id: 'live-check', type: 'track', name: 'live_check', timestamp: new Date().toISOString(), anonymousId: 'someone-else', sessionId: 's', stage: null, page: { url: base, path: '/', title: '', referrer: '' }, properties: {}, context: {} }],
      }),
    });
    await expect.poll(async () => Number(await page.locator('[data-total=events]').textContent()), { timeout: 5000 }).toBe(before + 1);

    expect(errors).toEqual([]);
    await context.close();
  });

  it('the SPA example sends one page view per route', async () => {
    const { context, page, errors } = await openPage(browser);
    await page.goto(`${demo.url}/spa/`);
    await expect.poll(() => page.locator('[data-stage-name]').textContent(), { timeout: 10000 }).toBe('awareness');
    await page.click('nav a[href="/spa/pricing"]');
    await expect.poll(() => page.locator('[data-stage-name]').textContent()).toBe('consideration');
    await page.click('button[data-plan=pro]');
    await page.waitForURL('**/spa/signup');
    await expect.poll(() => page.locator('[data-stage-name]').textContent()).toBe('decision');
    await page.fill('input[name=name]', 'Grace');
    await page.fill('input[name=email]', 'grace@example.com');
    await page.click('#signup button[type=submit]');
    await page.waitForURL('**/spa/welcome');

    const routes = ['/spa/', '/spa/pricing', '/spa/signup', '/spa/welcome'];
    const visitor = await until(
      () => demo.events().find((e) => e.type === 'page_view' && e.page?.path === '/spa/welcome')?.anonymousId as string | undefined,
      20000,
      () => `no page_view for /spa/welcome; got: ${summarize(demo.events())}`,
    );
    const views = demo.events().filter((e) => e.anonymousId === visitor && e.type === 'page_view').map((e) => e.page?.path);
    expect(views).toEqual(routes);
    const identify = demo.events().find((e) => e.anonymousId === visitor && e.type === 'identify');
    expect(identify?.userId).toMatch(/^user_/);
    const welcome = demo.events().find((e) => e.anonymousId === visitor && e.type === 'page_view' && e.page?.path === '/spa/welcome');
    expect(welcome?.userId).toBe(identify?.userId);
    expect(JSON.stringify(demo.events().filter((e) => e.anonymousId === visitor))).not.toContain('grace@example.com');
    expect(errors).toEqual([]);
    await context.close();
  });
});
