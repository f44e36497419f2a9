// Issue 14: waymark on apps built with the libraries real sites use, in a real browser.
// React 19 + React Router 7 + Formik, Vue 3 + vue-router (history and hash), Turbo 8 with a server
// redirect, and the lazily imported web-vitals chunk mis-served or behind a strict CSP. The app
// sources are in ./apps and are bundled here with esbuild (one build per app, in memory).
// Canary strings prove that no typed value, no e-mail address and no token ever leaves the page
// (request bodies) or is stored (localStorage, IndexedDB).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Browser, type CollectedEvent, type Collector, type Page, type Site,
  DIST, ENGINE_NAME, dumpStorage, flush, hasBrowser, htmlPage, journeyOf, launch, openPage, sdkReady, sleep, snippet,
  startCollector, startSite, summarize,
} from './harness';

const APPS = fileURLToPath(new URL('./apps/', import.meta.url));
/** Anything a visitor typed, and every e-mail address or token the pages carry, contains this. */
const CANARY = /canary/i;

async function bundle(entry: string): Promise<string> {
  const out = await build({
    entryPoints: [join(APPS, entry)],
    bundle: true,
    write: false,
    format: 'esm',
    minify: true,
    target: 'es2020',
    jsx: 'automatic',
    logLevel: 'silent',
    define: {
      'process.env.NODE_ENV': '"production"',
      __VUE_OPTIONS_API__: 'true',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    },
  });
  return out.outputFiles[0]!.text;
}
/** An inline module script (a `</script` inside the bundle's strings must not end the element). */
const moduleScript = (code: string): string => `<script type="module">${code.replace(/<\/script/gi, '<\\/script')}</script>`;

const views = (es: CollectedEvent[]) => es.filter((e) => e.type === 'page_view');
const bodies = (collector: Collector) => collector.requests.map((r) => r.body).join('\n');

describe.skipIf(!hasBrowser)(`real routers and form libraries in ${ENGINE_NAME}`, () => {
  let browser: Browser;
  let collector: Collector;
  let site: Site;
  let apps: { react: string; vue: string; turbo: string };

  const sdk = (extra: Record<string, unknown> = {}) =>
    snippet({
      endpoint: collector.url,
      batch: { intervalMs: 150 },
      retry: { baseDelayMs: 100, maxDelayMs: 1000 },
      autocapture: { vitals: false },
      stages: { rules: [{ stage: 'purchase', name: 'signed-up', type: 'form_submit' }], defaults: false },
      ...extra,
    });

  /** Wait for the page views whose paths satisfy `paths`, then a bit more so late duplicates would show. */
  const settle = async (page: Page, check: (es: CollectedEvent[]) => boolean, label: string) => {
    await collector.waitFor(check, 10000).catch(() => {
      throw new Error(`${label}: ${summarize(collector.events())}`);
    });
    await sleep(700);
    await flush(page);
    await sleep(200);
    return collector.events();
  };

  /** Nothing typed and no e-mail or token in any request body or in storage. */
  const noCanary = async (page: Page) => {
    expect(bodies(collector)).not.toMatch(CANARY);
    expect(bodies(collector)).not.toMatch(/example\.com|müller|m%C3%BCller/i);
    const stored = await dumpStorage(page);
    expect(stored).toContain('waymark');
    expect(stored).not.toMatch(CANARY);
    expect(stored).not.toMatch(/example\.com/);
  };

  beforeAll(async () => {
    const [react, vue, turbo] = await Promise.all([bundle('react-shop.jsx'), bundle('vue-app.ts'), bundle('turbo-app.js')]);
    apps = { react, vue, turbo };
    browser = await launch();
    collector = await startCollector();
    site = await startSite();
    const shop = htmlPage({ title: 'Shop', body: `<div id="root"></div>${moduleScript(react)}${sdk()}` });
    for (const path of ['/', '/products', '/old', '/new', '/signup', '/welcome', '/cb']) site.setPage(path, shop);
    const vueHistory = htmlPage({ title: 'Vue', body: `<div id="app"></div>${moduleScript(vue)}${sdk()}` });
    for (const path of ['/vue', '/vue/', '/vue/about']) site.setPage(path, vueHistory);
    site.setPage(
      '/vue-hash',
      htmlPage({ title: 'Vue', body: `<div id="app"></div>${moduleScript(vue)}${sdk()}` }).replace('<html lang="en">', '<html lang="en" data-router="hash">'),
    );
  }, 60000);
  afterAll(async () => {
    await browser?.close();
    await collector?.close();
    await site?.close();
  });

  describe('React 19 + React Router 7', () => {
    it('one page view per navigation with the title set in an effect; <Navigate replace> counts once; e-mails and tokens masked', async () => {
      collector.clear();
      const { page, context, errors } = await openPage(browser);
      await page.goto(
        site.url('/?user=bob.canary@example.com&reset_token=r3setCanaryToken&otp=123456&utm_source=news&utm_content=carol.canary@example.com&plan=pro'),
      );
      await collector.waitFor((es) => views(es).length === 1);
      await page.click('#to-products');
      await collector.waitFor((es) => views(es).some((e) => e.page.path === '/products'));
      await page.click('#to-old');
      await collector.waitFor((es) => views(es).some((e) => e.page.path === '/new'));
      await page.click('#to-user');
      const es = await settle(page, (all) => views(all).some((e) => e.page.path.startsWith('/users/')), 'profile page view');

      // The initial page view goes out at once (its title is whatever the document has then).
      expect(views(es).map((e) => e.page.path), summarize(es)).toEqual(['/', '/products', '/new', '/users/[email]']);
      expect(views(es).slice(1).map((e) => e.page.title)).toEqual(['Products · Shop', 'New offers · Shop', 'Profile of [email] · Shop']);
      const [home, products] = views(es);
      expect(home!.page.url).toBe(site.url('/?user=[email]&utm_source=news&utm_content=[email]&plan=pro'));
      expect(home!.context.campaign).toMatchObject({ source: 'news', content: '[email]' });
      expect(products!.page.referrer).toBe(home!.page.url);
      // The e-mail split over <b>alice.canary</b>@example.com is masked as a whole, in text and href.
      const profileClick = es.find((e) => e.type === 'click' && e.target?.id === 'to-user')!;
      expect(profileClick.target).toMatchObject({ text: '[email]', href: site.url('/users/[email]') });
      // Events belong to the page view of the page they happened on.
      expect(es.find((e) => e.type === 'click' && e.target?.id === 'to-old')!.context.pageViewId).toBe(products!.id);
      await noCanary(page);
      expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
      await context.close();
    });

    it('Formik (action="#"): one identity; a rejected submit is form_reject, matches no form_submit rule, then form_abandon; a valid one is form_submit', async () => {
      collector.clear();
      const { page, context } = await openPage(browser);
      await page.goto(site.url('/'));
      await sdkReady(page);
      await page.click('#to-signup');
      await page.fill('#email', 'not-an-address-canary-1');
      await page.fill('#name', 'Canary Name 2');
      await page.click('#create');
      await page.waitForFunction(() => document.querySelector('#email')?.getAttribute('aria-invalid') === 'true');
      await collector.waitFor((es) => es.some((e) => e.type === 'form_reject'));
      expect((await journeyOf(page)).stage).toBeNull();
      // Gives up: another route.
      await page.click('#to-products');
      let es = await settle(page, (all) => all.some((e) => e.type === 'form_abandon'), 'form_abandon after a rejected submit');
      const funnel = es.filter((e) => e.type.startsWith('form_'));
      // (form_step per completed field in between: how many depends on where the engine moves focus on a click.)
      expect(funnel.map((e) => e.type).filter((t) => t !== 'form_step'), summarize(es)).toEqual(['form_start', 'form_reject', 'form_abandon']);
      expect(funnel.filter((e) => e.type === 'form_step').length).toBeGreaterThan(0);
      expect(funnel.find((e) => e.type === 'form_reject')!.form.rejected).toBe(true);
      // Same identity from first to last event: the action resolved on /signup, not on /products.
      for (const e of funnel) {
        expect({ action: e.form.action, id: e.form.id, name: e.form.name, selector: e.properties.formSelector }).toEqual({
          action: site.url('/signup#'),
          id: undefined,
          name: undefined,
          selector: funnel[0]!.properties.formSelector,
        });
      }
      expect(funnel.find((e) => e.type === 'form_abandon')!.page.path).toBe('/signup');
      expect(es.some((e) => e.type === 'form_submit' || e.stage === 'purchase')).toBe(false);

      // Comes back and signs up for real: a form_submit, which does move the journey.
      collector.clear();
      await page.click('#to-signup');
      await page.fill('#email', 'dora.canary@example.com');
      await page.fill('#name', 'Dora Canary');
      await page.click('#create');
      await page.waitForURL(/\/welcome$/);
      es = await settle(page, (all) => views(all).some((e) => e.page.path === '/welcome') && all.some((e) => e.type === 'form_submit'), 'form_submit');
      expect(es.filter((e) => e.type.startsWith('form_') && e.type !== 'form_step').map((e) => e.type), summarize(es)).toEqual(['form_start', 'form_submit']);
      expect((await journeyOf(page)).stage).toBe('purchase');
      expect(views(es).find((e) => e.page.path === '/welcome')!.page.title).toBe('Welcome · Shop');
      await noCanary(page);
      await context.close();
    });

    it('leaving within the settle window still sends the page view of the page navigated to', async () => {
      collector.clear();
      const { page, context } = await openPage(browser);
      await page.goto(site.url('/'));
      await collector.waitFor((es) => views(es).length === 1);
      await page.click('#to-products');
      await page.goto(site.url('/cb#access_token=canaryAccessToken&token_type=bearer'));
      const es = await settle(page, (all) => views(all).length >= 3, 'page views after leaving within the window');
      expect(views(es).map((e) => e.page.path)).toEqual(['/', '/products', '/cb']);
      expect(views(es)[1]!.page.title).toBe('Products · Shop');
      // The OAuth fragment is gone from the URL.
      expect(views(es)[2]!.page.url).toBe(site.url('/cb'));
      await noCanary(page);
      await context.close();
    });
  });

  describe('Vue 3 + vue-router', () => {
    it('history mode: titles set after the route changed, in-page anchors are not page views', async () => {
      collector.clear();
      const { page, context } = await openPage(browser);
      await page.goto(site.url('/vue/'));
      await collector.waitFor((es) => views(es).length === 1);
      await page.click('#to-about');
      await collector.waitFor((es) => views(es).length === 2);
      await page.click('#to-details');
      await page.waitForURL(/#details$/);
      await sleep(600);
      await page.click('#to-home');
      const es = await settle(page, (all) => views(all).length >= 3, 'vue history page views');
      expect(views(es).map((e) => [e.page.path, e.page.title]).slice(1), summarize(es)).toEqual([
        ['/vue/about', 'About · Vue'],
        ['/vue/', 'Home · Vue'],
      ]);
      expect(views(es)[0]!.page.path).toBe('/vue/');
      await context.close();
    });

    it('hash mode: the start-up rewrite to #/ is no navigation, #/about → #details (a scroll-spy) is none, e-mails in hash routes are masked', async () => {
      collector.clear();
      const { page, context } = await openPage(browser);
      await page.goto(site.url('/vue-hash'));
      await page.waitForURL(/#\/$/);
      await collector.waitFor((es) => views(es).length === 1);
      await page.click('#to-about');
      await collector.waitFor((es) => views(es).length === 2);
      // vue-router turns a clicked `#details` into the route `#/details`; a scroll-spy sets the anchor itself.
      await page.evaluate(() => history.pushState(history.state, '', '#details'));
      await sleep(600);
      await page.evaluate(() => history.back());
      await page.waitForURL(/#\/about$/);
      await sleep(600);
      await page.click('#to-user');
      const es = await settle(page, (all) => views(all).length >= 3, 'vue hash page views');
      // One page view for the start, whether waymark saw the URL before or after vue-router's rewrite to #/.
      expect(views(es).map((e) => e.page.url.replace(site.origin, '')), summarize(es)).toEqual([
        expect.stringMatching(/^\/vue-hash(#\/)?$/),
        '/vue-hash#/about',
        '/vue-hash#/users/[email]',
      ]);
      expect(views(es).slice(1).map((e) => e.page.title)).toEqual(['About · Vue', 'Profile of [email]']);
      await noCanary(page);
      await context.close();
    });
  });

  describe('Turbo 8', () => {
    let server: Server;
    let origin = '';
    beforeAll(async () => {
      const page = (title: string, links: string) =>
        htmlPage({ title, head: `${moduleScript(apps.turbo)}${sdk()}`, body: `<h1>${title}</h1>${links}` });
      const links = '<a id="to-two" href="/t/two">Two</a> <a id="to-go" href="/t/go">Go</a> <a id="to-one" href="/t/one">One</a>';
      const pages: Record<string, string> = { '/t/one': page('One', links), '/t/two': page('Two', links), '/t/landed': page('Landed', links) };
      // A tiny site of its own: Turbo needs a same-origin 302, which the harness site does not answer.
      server = createServer((req, res) => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        if (path === '/t/go') return void res.writeHead(302, { Location: '/t/landed' }).end();
        if (path === '/waymark.min.js' || path === '/waymark-vitals.js') {
          return void res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(readFileSync(join(DIST, path)));
        }
        const html = pages[path];
        if (!html) return void res.writeHead(404).end();
        // The network: Turbo shows the new URL at once and renders the page when it arrives.
        setTimeout(() => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html), path === '/t/two' ? 700 : 50);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server?.closeAllConnections();
      await new Promise((r) => server?.close(r));
    });

    it('a slow visit gets the title of the page it renders; a link answered with 302 is one page view, to the final URL', async () => {
      collector.clear();
      const { page, context, errors } = await openPage(browser);
      await page.goto(`${origin}/t/one`);
      await collector.waitFor((es) => views(es).length === 1);
      await page.click('#to-two');
      await page.waitForFunction(() => document.title === 'Two');
      await collector.waitFor((es) => views(es).length === 2);
      await page.click('#to-go');
      await page.waitForFunction(() => document.title === 'Landed' && location.pathname === '/t/landed');
      const es = await settle(page, (all) => views(all).length >= 3, 'turbo page views');
      expect(views(es).map((e) => [e.page.path, e.page.title]), summarize(es)).toEqual([
        ['/t/one', 'One'],
        ['/t/two', 'Two'],
        ['/t/landed', 'Landed'],
      ]);
      expect(views(es)[2]!.page.referrer).toBe(`${origin}/t/two`);
      expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
      await context.close();
    });
  });

  describe('the lazy web-vitals chunk', () => {
    const DEBUG_LOG =
      '<script nonce="n0nce">window.__debug = []; const d = console.debug.bind(console); console.debug = (...a) => { window.__debug.push(a.map(String).join(" ")); d(...a); };' +
      'window.__csp = []; document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));</script>';

    it('served as HTML by an SPA host: no error in the page, debug says why, everything else works', async () => {
      const spa = await startSite();
      try {
        collector.clear();
        // Like most SPA hosts: every unknown path answers with the app's HTML.
        spa.setPage('/waymark-vitals.js', htmlPage({ body: '<div id="root"></div>' }));
        spa.setPage('/', htmlPage({ body: `${DEBUG_LOG}<button id="buy">Buy</button>${sdk({ debug: true, autocapture: { vitals: true } })}` }));
        const { page, context, errors } = await openPage(browser);
        await page.goto(spa.url('/'));
        await sdkReady(page);
        await page.waitForFunction(() => (window as unknown as { __debug: string[] }).__debug.some((m) => m.includes('web vitals are off')));
        await page.click('#buy');
        await collector.waitFor((es) => es.some((e) => e.type === 'click') && views(es).length === 1);
        const log = await page.evaluate(() => (window as unknown as { __debug: string[] }).__debug.find((m) => m.includes('web vitals are off')));
        expect(log).toContain('waymark-vitals.js');
        expect(errors.filter((e) => e.startsWith('pageerror')), errors.join('\n')).toEqual([]);
        expect(spa.requests.some((r) => r.path === '/waymark-vitals.js')).toBe(true);
        await context.close();
      } finally {
        await spa.close();
      }
    });

    it("behind a strict nonce CSP (script-src 'nonce-…' only): the chunk loads and web_vital events arrive", async () => {
      collector.clear();
      site.setCsp(`default-src 'none'; script-src 'nonce-n0nce'; connect-src ${collector.origin}`);
      try {
        site.setPage(
          '/csp',
          htmlPage({ body: `${DEBUG_LOG}<p>CSP</p>${sdk({ debug: true, autocapture: { vitals: true } }).replace(/<script/g, '<script nonce="n0nce"')}` }),
        );
        const { page, context, errors } = await openPage(browser);
        await page.goto(site.url('/csp'));
        await collector.waitFor((es) => views(es).length === 1);
        await sleep(500);
        expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
        const debug = await page.evaluate(() => (window as unknown as { __debug: string[] }).__debug);
        expect(debug.filter((m) => m.includes('web vitals are off'))).toEqual([]);
        // Final values go out when the page is left.
        await page.goto(site.url('/vue/'));
        await collector.waitFor((es) => es.some((e) => e.type === 'web_vital' && e.properties.name === 'TTFB'), 10000);
        expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
        await context.close();
      } finally {
        site.setCsp(undefined);
      }
    });
  });
});
