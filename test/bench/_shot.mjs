import { chromium } from 'playwright-core';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu'] });
const p = await b.newPage({ viewport: { width: 1400, height: 900 } });
await p.goto('file:///work/main/test/bench/results/chart.svg');
await p.screenshot({ path: '/tmp/chart.png', fullPage: true });
await b.close();
