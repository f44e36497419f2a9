// @vitest-environment node
// Real Chromium posts Segment-format batches from the built script-tag bundle to a
// local collector on another origin, so a CORS preflight or auth header would show.
import type { Browser } from './harness';
import { ENGINE_NAME } from './harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  flush,
  hasBrowser,
  htmlPage,
  launch,
  openPage,
  sdkReady,
  snippet,
  startCollector,
  startSite,
  type Collector,
  type Site,
  type WaymarkWindow,
} from './harness';

describe.skipIf(!hasBrowser)(`format: segment in ${ENGINE_NAME}`, () => {
  let browser: Browser;
  let collector: Collector;
  let site: Site;

  beforeAll(async () => {
    browser = await launch();
    collector = await startCollector();
    site = await startSite();
  });

  afterAll(async () => {
    await browser?.close();
    await collector?.close();
    await site?.close();
  });

  it('posts { batch, sentAt, writeKey } with page and track calls, CORS-simple and without auth', async () => {
    const options = {
      endpoint: collector.url,
      format: 'segment',
      writeKey: 'wk',
      batch: { intervalMs: 600000 },
      autocapture: { vitals: false },
    };
    site.setPage('/pricing', htmlPage({ title: 'Pricing', head: '<link rel="icon" href="data:,">', body: snippet(options) }));
    const { page, context, errors } = await openPage(browser);
    await page.goto(site.url('/pricing?utm_source=google&utm_medium=cpc&utm_campaign=brand'));
    await sdkReady(page);
    await page.evaluate(() => (window as unknown as WaymarkWindow).waymark.track('plan_selected', { plan: 'pro' }));
    await flush(page);

    const calls = await collector.waitFor((es) => es.some((c) => c.event === 'plan_selected'));

    const posts = collector.requests.filter((r) => r.method === 'POST');
    expect(posts.length).toBeGreaterThan(0);
    for (const post of posts) {
      expect(Object.keys(post.json).sort()).toEqual(['batch', 'sentAt', 'writeKey']);
      expect(post.json.writeKey).toBe('wk');
      expect(Number.isNaN(Date.parse(post.json.sentAt))).toBe(false);
      expect(post.headers.authorization).toBeUndefined();
      expect(String(post.headers['content-type'])).toMatch(/^text\/plain/);
    }
    expect(collector.preflights).toBe(0);

    const track = calls.find((c) => c.event === 'plan_selected')!;
    expect(track).toMatchObject({
      type: 'track',
      properties: { plan: 'pro' },
      context: {
        library: { name: 'waymark' },
        page: { path: '/pricing', title: 'Pricing' },
        campaign: { source: 'google', medium: 'cpc', name: 'brand' },
      },
    });
    expect(track.messageId).toEqual(expect.any(String));
    expect(track.anonymousId).toEqual(expect.any(String));
    expect(track.timestamp).toEqual(expect.any(String));
    expect('journey_stage' in track.properties).toBe(true);
    expect(track.context.journey.stage).toBe(track.properties.journey_stage);

    const pageCall = calls.find((c) => c.type === 'page');
    expect(pageCall).toMatchObject({ name: 'Pricing', properties: { path: '/pricing', title: 'Pricing' } });
    expect(pageCall!.anonymousId).toBe(track.anonymousId);

    // Only spec call types leave the page, each with its own messageId.
    expect(calls.every((c) => ['page', 'track', 'identify'].includes(c.type!))).toBe(true);
    expect(collector.duplicates()).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
