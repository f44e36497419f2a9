/**
 * Wire bytes per event over the `npm start` demo journey (issue 16's measure):
 * a visitor lands from a campaign e-mail, reads pricing, picks a product, adds
 * it to the cart, fills the checkout form step by step and reaches the
 * thank-you page, then leaves the site. The demo (shop + example collector) is
 * served as `npm start` serves it; a counting proxy in front of it records the
 * body of every POST to /collect (fetch, keepalive fetch and beacons alike).
 *
 * Run twice: at automation speed (the demo end-to-end test's pace) and at a
 * visitor's pace (`pauseMs` on every page). With the demo's `batch.intervalMs`
 * of 1 s, a slower visitor splits each page's events into more requests, so
 * the second figure is the higher one.
 */
import { request as httpRequest, createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const EXAMPLES = new URL('../../../examples/', import.meta.url);

/** A reverse proxy to `target` that hands each /collect POST body to `onBody`. */
function countingProxy(targetPort, onBody) {
  const server = createServer((req, res) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      if (req.method === 'POST' && req.url.startsWith('/collect')) onBody(body);
      const up = httpRequest({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: server.address().port, close: () => new Promise((r) => server.close(r)) })));
}

/** The demo end-to-end test's journey, with `pauseMs` spent on each page before moving on. */
async function walk(page, base, pauseMs) {
  const pause = () => page.waitForTimeout(pauseMs);
  await page.goto(`${base}/landing.html?utm_source=newsletter&utm_medium=email&utm_campaign=autumn`);
  await pause();
  await page.click('#see-pricing');
  await page.waitForURL('**/pricing.html');
  await pause();
  await page.click('a[data-waymark="plan_regular"]');
  await page.waitForURL('**/product.html');
  await pause();
  await page.click('[data-waymark="add_to_cart"]');
  await page.click('[data-added] a');
  await page.waitForURL('**/cart.html');
  await pause();
  await page.click('#go-checkout');
  await page.waitForURL('**/checkout.html');
  await pause();
  for (const [name, value] of [['name', 'Ada Lovelace'], ['street', 'Analytical Row 1'], ['postcode', '1010'], ['city', 'London'], ['email', 'ada@example.com']]) {
    await page.fill(`input[name=${name}]`, value);
  }
  await page.click('fieldset[data-waymark-step=shipping] [data-next]');
  for (const [name, value] of [['card', '4242 4242 4242 4242'], ['expiry', '12/29'], ['cvc', '123']]) await page.fill(`input[name=${name}]`, value);
  await page.click('fieldset[data-waymark-step=payment] [data-next]');
  await page.check('input[name=terms]');
  await page.click('#place-order');
  await page.waitForURL('**/thank-you.html');
  await pause();
  // Leave the site: the last page's events go out with the exit.
  await page.goto('about:blank');
}

/** Events in a body: v2 bodies are expanded as the README tells collectors to. */
function eventsIn(body) {
  try {
    const json = JSON.parse(body.toString('utf8'));
    return Array.isArray(json.events) ? json.events.length : 0;
  } catch {
    return 0;
  }
}

/** One journey in a fresh browser context: { requests, events, bytes, perEvent }. */
export async function measureDemoJourney(browser, { pauseMs = 0 } = {}) {
  const { startDemo } = await import(new URL('start.mjs', EXAMPLES).href);
  const dataDir = mkdtempSync(join(tmpdir(), 'waymark-bench-demo-'));
  const demo = await startDemo({ port: 0, dataDir, quiet: true });
  const bodies = [];
  const proxy = await countingProxy(demo.port, (b) => bodies.push(b));
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await walk(page, `http://127.0.0.1:${proxy.port}`, pauseMs);
    // Requests still in flight from the exit.
    await new Promise((r) => setTimeout(r, 1500));
  } finally {
    await context.close();
    await proxy.close();
    await demo.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const bytes = bodies.reduce((n, b) => n + b.length, 0);
  const events = bodies.reduce((n, b) => n + eventsIn(b), 0);
  return { pauseMs, requests: bodies.length, events, bytes, perEvent: events ? bytes / events : null };
}
