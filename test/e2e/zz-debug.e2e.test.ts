// @vitest-environment node
import { it } from 'vitest';
import { htmlPage, launch, sdkReady, sleep, snippet, startCollector, startSite, type WaymarkWindow } from './harness';
it('dbg', async () => {
  const browser = await launch(); const collector = await startCollector(); const site = await startSite();
  site.setPage('/down', htmlPage({ body: snippet({ endpoint: collector.url, debug: true, batch: { intervalMs: 300 }, retry: { baseDelayMs: 200, maxDelayMs: 1000 }, autocapture: { vitals: false, engagement: false, friction: false, clicks: false, forms: false } }) }));
  for (let round = 0; round < 3; round++) {
  collector.clear();
  await collector.down();
  const context = await browser.newContext(); const page = await context.newPage();
  const logs: string[] = [];
  page.on('console', (m) => { if (!/queued|matched/.test(m.text())) logs.push(m.type() + ' ' + m.text().slice(0, 150)); });
  await page.goto(site.url('/down')); await sdkReady(page);
  await page.evaluate(() => { for (let i = 0; i < 20; i++) (window as unknown as WaymarkWindow).waymark.track('down-' + i); });
  await sleep(1500);
  logs.push('--- reload');
  await page.reload(); await sdkReady(page); await sleep(500);
  await collector.up();
  await sleep(4000);
  const n = collector.events((e) => String(e.name).startsWith('down-')).length;
  console.log('round', round, 'delivered', n);
  if (n < 20) {
    console.log(logs.join('\n'));
    console.log('stats', JSON.stringify(await page.evaluate(() => (window as unknown as WaymarkWindow).waymark.stats())), JSON.stringify(await page.evaluate(() => navigator.locks.query())));
  }
  await context.close();
  }
  await browser.close(); await collector.close(); await site.close();
}, 120000);
