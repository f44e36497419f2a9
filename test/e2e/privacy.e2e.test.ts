// @vitest-environment node
// Privacy in real Chromium: Global Privacy Control, consent held then granted, opt-out purging
// the queue, canary secrets in URLs, and strict Content-Security-Policy with both builds.
import type { Browser, BrowserContext, Page } from './harness';
import { ENGINE_NAME } from './harness';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  dumpStorage,
  hasBrowser,
  htmlPage,
  json,
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

const base = (collector: Collector, extra: Record<string, unknown> = {}) => ({
  endpoint: collector.url,
  batch: { intervalMs: 300 },
  retry: { baseDelayMs: 200, maxDelayMs: 1000 },
  autocapture: { vitals: false, engagement: false, friction: false },
  ...extra,
});

const CSP_WATCH = `window.__csp = []; document.addEventListener('securitypolicyviolation', function (e) { window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });`;

async function sdkStorage(page: Page) {
  const dump = JSON.parse(await dumpStorage(page)) as { indexedDB: Record<string, unknown>; localStorage: Record<string, string> };
  return { dbs: Object.keys(dump.indexedDB), keys: Object.keys(dump.localStorage).filter((k) => k.startsWith('waymark')), raw: JSON.stringify(dump) };
}

describe.skipIf(!hasBrowser)(`privacy in ${ENGINE_NAME}`, () => {
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
    site.setCsp(undefined);
  });
  afterAll(async () => {
    await browser?.close();
    await collector?.close();
    await site?.close();
  });

  async function open(init?: string) {
    const context = await browser.newContext();
    contexts.push(context);
    if (init) await context.addInitScript({ content: init });
    const page = await context.newPage();
    const errors = watchErrors(page);
    return { context, page, errors };
  }
  const track = (page: Page, name: string) => page.evaluate((n) => (window as unknown as WaymarkWindow).waymark.track(n), name);

  it('GPC: nothing stored, nothing sent', async () => {
    site.setPage('/gpc', htmlPage({ body: snippet(base(collector)) }));
    const { page } = await open(`Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: function () { return true; } });`);
    await page.goto(site.url('/gpc'));
    await sdkReady(page);
    await track(page, 'gpc_event');
    await page.evaluate(() => (window as unknown as WaymarkWindow).waymark.flush());
    await sleep(1500);
    expect(collector.requests).toHaveLength(0);
    const s = await sdkStorage(page);
    expect(s.dbs).toEqual([]);
    expect(s.keys).toEqual([]);
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });

  it('consent held, then granted: nothing stored or sent before optIn(); held events sent after', async () => {
    site.setPage('/consent', htmlPage({ body: snippet(base(collector, { privacy: { requireConsent: true } }), [['track', 'before_consent']]) }));
    const { page } = await open();
    await page.goto(site.url('/consent'));
    await sdkReady(page);
    await sleep(1500);
    expect(collector.requests).toHaveLength(0);
    const before = await sdkStorage(page);
    expect(before.dbs).toEqual([]);
    expect(before.keys).toEqual([]);
    await page.evaluate(() => (window as unknown as WaymarkWindow).waymark.optIn());
    const events = await collector.waitFor((es) => es.some((e) => e.name === 'before_consent') && es.some((e) => e.type === 'page_view'));
    expect(events.filter((e) => e.name === 'before_consent')).toHaveLength(1);
  });

  it('opt-out purges pending events: they are never sent, not even on the next visit', async () => {
    site.setPage('/optout', htmlPage({ body: snippet(base(collector)) }));
    collector.plan = () => ({ status: 503 });
    const { page } = await open();
    await page.goto(site.url('/optout'));
    await sdkReady(page);
    for (let i = 0; i < 10; i++) await track(page, `pending-${i}`);
    await until(() => collector.allEvents().some((e) => String(e.name).startsWith('pending')), 5000, 'no attempt was made');
    await page.evaluate(() => (window as unknown as WaymarkWindow).waymark.optOut());
    collector.plan = () => undefined;
    await sleep(1500);
    await page.reload();
    await sdkReady(page);
    await track(page, 'after_opt_out');
    await sleep(2000);
    expect(collector.events()).toEqual([]);
    const s = await sdkStorage(page);
    expect(s.raw).not.toContain('pending-');
    expect(s.raw).not.toContain('after_opt_out');
  });

  it('canary URLs (?token=…&email=…) never appear in request bodies or storage', async () => {
    site.setPage('/account/canary.user@example.com', htmlPage({ body: snippet(base(collector), [['track', 'seen']]) }));
    const { page } = await open();
    await page.goto(site.url('/account/canary.user@example.com?token=CANARYTOKEN&email=canary.mail%40example.com&utm_source=news#access_token=CANARYFRAG'));
    await sdkReady(page);
    // SPA navigation with secrets too
    await page.evaluate(() => history.pushState(null, '', '/next?code=CANARYCODE&session=CANARYSESSION&page=2'));
    await track(page, 'after_nav');
    const events = await collector.waitFor((es) => es.some((e) => e.name === 'after_nav'));
    const storage = (await sdkStorage(page)).raw;
    for (const haystack of [collector.requests.map((r) => r.body).join('\n'), storage]) {
      const at = haystack.search(/CANARY|canary/);
      expect(at < 0 ? "" : haystack.slice(Math.max(0, at - 120), at + 60)).toBe("");
    }
    const pv = events.find((e) => e.type === 'page_view')!;
    expect(pv.page.url).toContain('utm_source=news');
  });

  describe('strict CSP', () => {
    const cases = [
      {
        name: "script tag, script-src 'self' (zero-code data-endpoint)",
        csp: (c: Collector) => `default-src 'none'; script-src 'self'; connect-src ${c.origin}`,
        body: (c: Collector) =>
          `<script async src="/waymark.min.js" data-endpoint="${c.url}"></script>`,
      },
      {
        name: 'script tag with the stub, nonce',
        csp: (c: Collector) => `default-src 'none'; script-src 'self' 'nonce-n0nce'; connect-src ${c.origin}`,
        body: (c: Collector) => snippet(base(c), [['track', 'csp_track']]).replace('<script>', '<script nonce="n0nce">'),
      },
      {
        name: 'ESM build, nonce module script',
        csp: (c: Collector) => `default-src 'none'; script-src 'self' 'nonce-n0nce'; connect-src ${c.origin}`,
        body: (c: Collector) => `<script type="module" nonce="n0nce">
import { createTracker } from '/waymark.mjs';
const t = createTracker(${json(base(c))});
t.track('csp_track');
window.__esm = t;
</script>`,
      },
    ];
    it.each(cases)('$name: zero violations, every event delivered', async ({ csp, body }) => {
      site.setCsp(csp(collector));
      site.setPage('/csp', htmlPage({ body: `${body(collector)}<a id="go" href="/csp#x">link</a>` }));
      const { page, errors } = await open(CSP_WATCH);
      await page.goto(site.url('/csp'));
      await collector.waitFor((es) => es.some((e) => e.type === 'page_view'), 10000);
      const trackCase = !body(collector).includes('data-endpoint');
      if (trackCase) await collector.waitFor((es) => es.some((e) => e.name === 'csp_track'), 10000);
      await page.click('#go');
      await sleep(800);
      // Firefox and WebKit fetch /favicon.ico on their own; under default-src 'none' that is a violation
      // no page script caused (Firefox is also told not to: browser.chrome.site_icons = false).
      const violations = (await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).filter((v) => !/^img-src \S+\/favicon\.ico$/.test(v));
      expect(violations).toEqual([]);
      expect(errors.filter((e) => /Content Security Policy|Refused/i.test(e) && !/\/favicon\.ico/.test(e))).toEqual([]);
      expect(collector.preflights).toBe(0);
    });
  });
});
