// @vitest-environment node
// No event can stop delivery, in a real browser with the script-tag build: a circular property,
// BigInt traits, a collector that hangs while two tabs track, and a 1 MB event against the
// example collector (examples/collector.mjs), which refuses bodies over 1 MB.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from './harness';
import {
  ENGINE_NAME,
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
  type CollectedEvent,
  type Collector,
  type Site,
  type WaymarkWindow,
} from './harness';

const OPTIONS = (endpoint: string, extra: Record<string, unknown> = {}) => ({
  endpoint,
  batch: { intervalMs: 200 },
  retry: { baseDelayMs: 200, maxDelayMs: 1000, timeoutMs: 1000 },
  autocapture: { pageViews: false, vitals: false, engagement: false, friction: false, clicks: false, forms: false },
  ...extra,
});

const named = (events: CollectedEvent[], name: string) => events.filter((e) => e.name === name);

describe.skipIf(!hasBrowser)(`robustness in ${ENGINE_NAME}`, () => {
  let browser: Browser;
  let collector: Collector;
  let site: Site;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launch();
    collector = await startCollector();
    site = await startSite();
  });
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close().catch(() => {});
    collector.plan = () => undefined;
    collector.clear();
  });
  afterAll(async () => {
    await browser?.close();
    await collector?.close();
    await site?.close();
  });

  async function open(path: string, options: Record<string, unknown>): Promise<{ page: Page; errors: string[]; context: BrowserContext }> {
    site.setPage(path, htmlPage({ body: snippet(options) }));
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(site.url(path));
    await sdkReady(page);
    return { page, errors, context };
  }

  it('a circular property: nothing throws, the event arrives with the cycle cut, the next 5 arrive', async () => {
    const { page, errors } = await open('/circular', OPTIONS(collector.url));
    const threw = await page.evaluate(() => {
      const w = (window as unknown as WaymarkWindow).waymark;
      const self: Record<string, unknown> = { name: 'loop' };
      self.self = self;
      try {
        w.track('circular', { self, plan: 'pro', el: document.body });
        for (let i = 0; i < 5; i++) w.track(`after-${i}`);
        return '';
      } catch (e) {
        return String(e);
      }
    });
    expect(threw).toBe('');
    await collector.waitFor((events) => [0, 1, 2, 3, 4].every((i) => named(events, `after-${i}`).length > 0), 15000);
    const circular = named(collector.events(), 'circular');
    expect(circular).toHaveLength(1);
    expect(circular[0]!.properties).toEqual({ self: { name: 'loop' }, plan: 'pro' });
    expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
    // Still stored durably: the odd property did not push the SDK to memory.
    expect(await page.evaluate(() => (window as unknown as WaymarkWindow).waymark.stats().storage)).toBe('indexeddb');
  });

  it('BigInt traits: identify() does not throw, traits arrive as strings, later events carry the user id', async () => {
    const { page, errors } = await open('/bigint', OPTIONS(collector.url));
    const threw = await page.evaluate(() => {
      const w = (window as unknown as WaymarkWindow).waymark;
      try {
        w.identify('u1', { credits: BigInt(10), nested: { big: BigInt(2) ** BigInt(64) }, plan: 'gold' });
        w.track('after-identify');
        return '';
      } catch (e) {
        return String(e);
      }
    });
    expect(threw).toBe('');
    await collector.waitFor((events) => named(events, 'after-identify').length > 0, 15000);
    const identify = collector.events('identify');
    expect(identify).toHaveLength(1);
    expect(identify[0]!.traits).toEqual({ credits: '10', nested: { big: '18446744073709551616' }, plan: 'gold' });
    expect(named(collector.events(), 'after-identify')[0]!.userId).toBe('u1');
    expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
  });

  it('a collector that hangs while two tabs track: flush() settles, both tabs\' events arrive once it answers, none twice', async () => {
    // The first requests are never answered (retry.timeoutMs 1 s aborts them).
    let hung = 0;
    collector.plan = () => (hung++ < 4 ? { hang: true } : undefined);
    site.setPage('/hang', htmlPage({ body: snippet(OPTIONS(collector.url)) }));
    const context = await browser.newContext();
    contexts.push(context);
    const tabs = [await context.newPage(), await context.newPage()];
    for (const tab of tabs) {
      await tab.goto(site.url('/hang'));
      await sdkReady(tab);
    }
    const track = (tab: Page, prefix: string, n: number) =>
      tab.evaluate(
        ({ prefix, n }) => {
          const w = (window as unknown as WaymarkWindow).waymark;
          for (let i = 0; i < n; i++) w.track(`${prefix}-${i}`);
        },
        { prefix, n },
      );
    await track(tabs[0]!, 'a', 10);
    await track(tabs[1]!, 'b', 10);
    // flush() is bounded even against a collector that never answers (2 × retry.timeoutMs).
    const took = await Promise.all(
      tabs.map((tab) =>
        tab.evaluate(async () => {
          const t0 = performance.now();
          await (window as unknown as WaymarkWindow).waymark.flush();
          return performance.now() - t0;
        }),
      ),
    );
    for (const ms of took) expect(ms).toBeLessThan(2 * 1000 + 1000);
    await until(() => hung >= 4, 15000, () => `only ${hung} requests reached the hanging collector`);
    // The collector answers again: both tabs' events arrive, and later ones too (no tab stuck).
    await track(tabs[0]!, 'a2', 5);
    await track(tabs[1]!, 'b2', 5);
    const want = [...['a', 'b'].flatMap((p) => Array.from({ length: 10 }, (_, i) => `${p}-${i}`)), ...['a2', 'b2'].flatMap((p) => Array.from({ length: 5 }, (_, i) => `${p}-${i}`))];
    await until(
      () => want.every((n) => named(collector.events(), n).length > 0),
      30000,
      () => `missing: ${want.filter((n) => !named(collector.events(), n).length).join(', ')}`,
    );
    await sleep(500);
    expect(collector.duplicates()).toEqual([]);
  });

  describe('against the example collector', () => {
    type Example = { url: string; events(): CollectedEvent[]; close(): Promise<void> };
    let example: Example;
    let dataDir: string;
    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'waymark-robust-'));
      // A variable specifier: examples/ is plain JS without type declarations.
      const mod = (await import(new URL('../../examples/collector.mjs', import.meta.url).href)) as {
        startCollector(o: { port: number; dataDir: string; quiet: boolean; warn?: (l: string) => void }): Promise<Example>;
      };
      example = await mod.startCollector({ port: 0, dataDir, quiet: true, warn: () => {} });
    });
    afterAll(async () => {
      await example?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('a 1 MB event is dropped as too_large; the events before and after it arrive', async () => {
      const { page, errors } = await open('/huge', OPTIONS(`${example.url}/collect`));
      await page.evaluate(() => {
        const w = (window as unknown as WaymarkWindow).waymark;
        w.track('before-huge');
        w.track('huge', { blob: 'x'.repeat(1024 * 1024) });
        for (let i = 0; i < 3; i++) w.track(`after-huge-${i}`);
      });
      await until(
        () => ['before-huge', 'after-huge-0', 'after-huge-1', 'after-huge-2'].every((n) => named(example.events(), n).length === 1),
        20000,
        () => `the example collector has: ${example.events().map((e) => e.name).join(', ')}`,
      );
      expect(named(example.events(), 'huge')).toEqual([]);
      const stats = (await page.evaluate(() => (window as unknown as WaymarkWindow).waymark.stats())) as { dropped: Record<string, number>; queued: number };
      expect(stats.dropped).toEqual({ too_large: 1 });
      // Nothing stuck behind it.
      await page.evaluate(() => (window as unknown as WaymarkWindow).waymark.track('later'));
      await until(() => named(example.events(), 'later').length === 1, 10000, 'the event after the huge one never arrived');
      expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
    });
  });
});
