// Issue 3, item 6: real clicks and form steps in real Chromium, and a canary hunt for leaked field values.
import type { Browser } from './harness';
import { ENGINE_NAME } from './harness';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CollectedEvent, type Collector, type Site, type WaymarkWindow,
  chronological, explainDuplicates, dumpStorage, flush, hasBrowser, htmlPage, launch, openPage, sdkReady, sleep, snippet,
  startCollector, startSite, summarize, until,
} from './harness';

describe.skipIf(!hasBrowser)(`auto-capture in real ${ENGINE_NAME}`, () => {
  let browser: Browser;
  let site: Site;
  let collector: Collector;

  const tag = (extra: Record<string, unknown> = {}): string =>
    snippet({
      endpoint: collector.url,
      batch: { intervalMs: 200 },
      retry: { baseDelayMs: 100, maxDelayMs: 1000 },
      ...extra,
    });
  const ofType = (type: string) => (e: CollectedEvent) => e.type === type;

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

  it('captures real clicks on buttons, data-waymark elements and a link that leaves the page', async () => {
    site.setPage(
      '/shop',
      htmlPage({
        title: 'Shop',
        body: `<p id="plain">Just some text to click on.</p>
<button id="buy" type="button">  Buy now  </button>
<div data-waymark="hero-cta" data-waymark-prop-variant="b"><span id="inner">Try it free</span></div>
<a id="away" href="/plain">Read the guide</a>
${tag()}`,
      }),
    );
    // The destination has no waymark: the click must leave with the page (beacon / keepalive).
    site.setPage('/plain', htmlPage({ title: 'Plain', body: '<h1>No tracking here</h1>' }));
    const { page, context, errors } = await openPage(browser);
    await page.goto(site.url('/shop'));
    await sdkReady(page);

    await page.click('#plain');
    await page.click('#buy');
    await page.click('#inner');
    await collector.waitFor((es) => es.filter(ofType('click')).length >= 2);
    await Promise.all([page.waitForURL(/\/plain$/), page.click('#away')]);

    const es = await collector.waitFor((all) => all.some((e) => e.type === 'click' && e.target?.tag === 'a'), 10000);
    await sleep(300);
    const clicks = collector.events(ofType('click'));
    expect(clicks.map((c) => c.target?.id || c.name), summarize(es)).toEqual(['buy', 'hero-cta', 'away']);

    const [buy, cta, away] = clicks as [CollectedEvent, CollectedEvent, CollectedEvent];
    expect(buy.target).toMatchObject({ tag: 'button', id: 'buy', text: 'Buy now', selector: expect.any(String) });
    expect(buy.page.path).toBe('/shop');
    expect(cta.name).toBe('hero-cta');
    expect(cta.properties).toMatchObject({ variant: 'b' });
    expect(away.target).toMatchObject({ tag: 'a', id: 'away', text: 'Read the guide' });
    expect(away.target?.href).toBe(site.url('/plain'));
    expect(away.page.path).toBe('/shop');
    expect(collector.duplicates(), explainDuplicates(collector)).toEqual([]);
    expect(errors.filter((x) => x.startsWith('pageerror'))).toEqual([]);
    await context.close();
  });

  it('captures a multi-step form: form_start, form_step per field and per step, form_submit', async () => {
    site.setPage(
      '/signup',
      htmlPage({
        title: 'Sign up',
        body: `<form id="signup" name="signup" action="/welcome" method="post">
  <fieldset data-waymark-step="account">
    <input id="email" name="email" type="email">
    <input id="pw" name="password" type="password">
    <button id="next" type="button">Next</button>
  </fieldset>
  <fieldset data-waymark-step="company" id="step2" hidden>
    <input id="company" name="company" type="text">
    <button id="finish" type="submit">Create account</button>
  </fieldset>
</form>
<script>
  document.getElementById('next').addEventListener('click', function () {
    document.getElementById('step2').hidden = false;
    document.getElementById('company').focus();
  });
</script>
${tag()}`,
      }),
    );
    site.setPage('/welcome', htmlPage({ title: 'Welcome', body: `<h1>Welcome</h1>${tag()}` }));
    const { page, context } = await openPage(browser);
    await page.goto(site.url('/signup'));
    await sdkReady(page);

    await page.click('#email');
    await page.keyboard.type('step.user@example.com');
    await page.keyboard.press('Tab');
    await page.keyboard.type('s3cret-pass');
    await page.keyboard.press('Tab');
    await page.click('#next');
    await page.keyboard.type('Acme Inc');
    await Promise.all([page.waitForURL(/\/welcome$/), page.click('#finish')]);
    await sdkReady(page);

    await collector.waitFor((es) => es.some(ofType('form_submit')) && es.some((e) => e.type === 'page_view' && e.page.path === '/welcome'));
    await sleep(400);
    await flush(page);
    const es = chronological(collector.events((e) => e.type.startsWith('form_')));
    const all = summarize(es);
    expect(es.filter(ofType('form_start')), all).toHaveLength(1);
    expect(es.filter(ofType('form_submit')), all).toHaveLength(1);
    expect(es.filter(ofType('form_abandon')), all).toHaveLength(0);
    for (const e of es) expect(e.form?.id, all).toBe('signup');

    const steps = es.filter(ofType('form_step'));
    const fields = steps.map((e) => e.form?.field?.name).filter(Boolean);
    expect(fields, all).toEqual(expect.arrayContaining(['email', 'password']));
    const emailStep = steps.find((e) => e.form?.field?.name === 'email')!;
    expect(emailStep.form.field.type).toBe('email');
    expect(steps.find((e) => e.form?.field?.name === 'password')!.form.field.type).toBe('password');
    expect(
      steps.some((e) => e.form?.step === 'company' || e.form?.step === 2),
      `a form_step for reaching the "company" step: ${JSON.stringify(steps.map((e) => e.form))}`,
    ).toBe(true);

    const order = es.map((e) => e.type);
    expect(order[0], all).toBe('form_start');
    expect(order.indexOf('form_submit'), all).toBe(order.length - 1);
    await context.close();
  });

  it('sends exactly one form_abandon when a started form is left by navigation', async () => {
    site.setPage(
      '/contact',
      htmlPage({
        body: `<form id="contact"><input id="subject" name="subject"><textarea name="message"></textarea><button>Send</button></form>
<a id="leave" href="/elsewhere">Elsewhere</a>${tag()}`,
      }),
    );
    site.setPage('/elsewhere', htmlPage({ body: `<h1>Elsewhere</h1>${tag()}` }));
    const { page, context } = await openPage(browser);
    await page.goto(site.url('/contact'));
    await sdkReady(page);
    await page.click('#subject');
    await page.keyboard.type('Hello there');
    await collector.waitFor((es) => es.some(ofType('form_start')));
    await Promise.all([page.waitForURL(/\/elsewhere$/), page.click('#leave')]);
    await sdkReady(page);

    await collector.waitFor((es) => es.some(ofType('form_abandon')) && es.some((e) => e.type === 'page_view' && e.page.path === '/elsewhere'));
    await sleep(500);
    await flush(page);
    const es = collector.events();
    const abandons = es.filter(ofType('form_abandon'));
    expect(abandons, summarize(es)).toHaveLength(1);
    expect(abandons[0]!.form?.id).toBe('contact');
    expect(abandons[0]!.page.path).toBe('/contact');
    expect(es.filter(ofType('form_submit'))).toHaveLength(0);
    await context.close();
  });

  it('sends exactly one form_abandon when a started form is left by an SPA route change, then the page', async () => {
    site.setPage(
      '/wizard',
      htmlPage({ body: `<form id="wizard"><input id="q" name="q"><button>Go</button></form>${tag()}` }),
    );
    site.setPage('/after', htmlPage({ body: `<h1>After</h1>${tag()}` }));
    const { page, context } = await openPage(browser);
    await page.goto(site.url('/wizard'));
    await sdkReady(page);
    await page.click('#q');
    await page.keyboard.type('typed');
    await collector.waitFor((es) => es.some(ofType('form_start')));
    await page.evaluate(() => history.pushState({}, '', '/wizard/other'));
    await flush(page);
    await collector.waitFor((es) => es.some(ofType('form_abandon')));
    // Leaving the page now must not abandon the same form again.
    await page.goto(site.url('/after'));
    await sdkReady(page);
    await collector.waitFor((es) => es.some((e) => e.type === 'page_view' && e.page.path === '/after'));
    await sleep(500);
    await flush(page);
    const es = collector.events();
    expect(es.filter(ofType('form_abandon')), summarize(es)).toHaveLength(1);
    await context.close();
  });

  it('never lets a typed value reach a request or client-side storage (canary test)', async () => {
    const C = {
      text: 'CanaryText_q7Zp',
      email: 'canary.mail.r8x@example.org',
      password: 'CanaryPass_w9Xr',
      hidden: 'CanaryHidden_k3Lm',
      tel: '+1 555 013 9472',
      textarea: 'CanaryArea_t5Vb',
      selectValue: 'CanarySelectVal_h2Nq',
      selectText: 'CanarySelectText_h2Nq',
      editable: 'CanaryEditable_p4Gs',
      card: '4000 0566 5566 5556',
      otp: 'ZQ7X9K',
      search: 'CanarySearch_m6Yd',
    };
    // What must never appear, including masked-away digit runs and the email's local part.
    const needles = [
      ...Object.values(C),
      'canary.mail.r8x',
      '5550139472',
      '4000056655665556',
      '4000-0566-5566-5556',
    ];
    site.setPage(
      '/canary',
      htmlPage({
        title: 'Canary',
        body: `<form id="everything" action="/canary" method="post">
  <input id="f-text" name="nickname" type="text">
  <input id="f-email" name="email" type="email">
  <input id="f-password" name="password" type="password">
  <input id="f-hidden" name="ref" type="hidden">
  <input id="f-tel" name="phone" type="tel">
  <input id="f-search" name="q" type="search">
  <textarea id="f-textarea" name="notes"></textarea>
  <select id="f-select" name="plan">
    <option value="basic">Basic</option>
    <option value="${C.selectValue}">${C.selectText}</option>
  </select>
  <div id="f-editable" contenteditable="true" style="min-height:20px;border:1px solid"></div>
  <input id="f-card" name="cardnumber" autocomplete="cc-number" inputmode="numeric">
  <input id="f-otp" name="otp" autocomplete="one-time-code">
  <button id="check" type="button">Check</button>
  <button id="send" type="submit">Send</button>
</form>
<script>
  document.getElementById('everything').addEventListener('submit', function (e) { e.preventDefault(); });
</script>
${tag()}`,
      }),
    );
    // Keep everything queued in IndexedDB while we type, so storage is really inspected.
    collector.plan = () => ({ status: 503 });
    const { page, context } = await openPage(browser);
    await page.goto(site.url('/canary'));
    await sdkReady(page);

    const typeInto = async (sel: string, text: string): Promise<void> => {
      await page.click(sel);
      await page.keyboard.type(text, { delay: 5 });
      await page.keyboard.press('Tab');
    };
    await typeInto('#f-text', C.text);
    await typeInto('#f-email', C.email);
    await typeInto('#f-password', C.password);
    await page.evaluate((v) => void ((document.getElementById('f-hidden') as HTMLInputElement).value = v), C.hidden);
    await typeInto('#f-tel', C.tel);
    await typeInto('#f-search', C.search);
    await typeInto('#f-textarea', C.textarea);
    await page.selectOption('#f-select', C.selectValue);
    await page.focus('#f-select');
    await page.keyboard.press('Tab');
    await typeInto('#f-editable', C.editable);
    await typeInto('#f-card', C.card);
    await typeInto('#f-otp', C.otp);
    await page.click('#check');
    await page.click('#send');
    await until(
      () => collector.allEvents().some(ofType('form_submit')),
      8000,
      () => `form_submit never attempted: ${summarize(collector.allEvents())}`,
    );
    await sleep(300);

    const stored = await dumpStorage(page);
    expect(stored, 'the queued events are in client storage').toContain('form_start');
    for (const n of needles) expect(stored.includes(n), `"${n}" found in client storage`).toBe(false);

    collector.plan = () => undefined;
    await flush(page);
    await collector.waitFor((es) => es.some(ofType('form_submit')), 10000);
    await page.evaluate(() => (window as unknown as WaymarkWindow).waymark.track('canary-done'));
    await flush(page);
    await collector.waitFor((es) => es.some((e) => e.name === 'canary-done'));

    // The SDK saw the form (so the hunt is not vacuous)…
    const formEvents = collector.events((e) => e.type.startsWith('form_'));
    expect(formEvents.filter(ofType('form_start')), summarize(formEvents)).toHaveLength(1);
    const described = new Set(formEvents.map((e) => e.form?.field?.name).filter(Boolean));
    expect(described.size, `fields described: ${[...described].join(', ')}`).toBeGreaterThanOrEqual(5);
    // …and no request (body, URL or header) carries a typed value.
    const wire = JSON.stringify(collector.requests.map((r) => [r.url, r.headers, r.body]));
    for (const n of needles) expect(wire.includes(n), `"${n}" found in a request to the collector`).toBe(false);
    const after = await dumpStorage(page);
    for (const n of needles) expect(after.includes(n), `"${n}" found in client storage after delivery`).toBe(false);
    await context.close();
  });
});
