#!/usr/bin/env node
/**
 * `npm run bench`: waymark against the SDKs people would pick instead, in one
 * run, in headless Chromium on 127.0.0.1 with a local collector. Writes
 * test/bench/results/results.md, chart.svg and raw.json.
 *
 *   node test/bench/run.mjs [--runs 5] [--only waymark,posthog] [--no-build] [--no-rules]
 *
 * Competitor SDKs are dependencies of the benchmark only (test/bench/package.json);
 * they are installed with `npm ci --prefix test/bench` when missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, DIST, EVAL_END, ROOT, SDKS, buildAdapter, sizes, versionOf, waymarkDistExtras, waymarkNpmSizes } from './lib/sdks.mjs';
import { startCollector, startPageServer } from './lib/servers.mjs';
import { writeReport } from './lib/report.mjs';
import { measureDemoJourney } from './lib/demo-journey.mjs';

const argv = process.argv.slice(2);
const arg = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const RUNS = Math.max(1, Number(arg('runs', process.env.BENCH_RUNS || 5)));
const ONLY = arg('only', '') ? arg('only', '').split(',') : null;
const BUILD = !argv.includes('--no-build');
const RULES = !argv.includes('--no-rules');
const OUT = join(BENCH_DIR, 'results');
const TRACK_N = 1000;
const BURST_N = 10000;
const TRACK_DEADLINE_MS = 3000; // the 1,000 calls stop here if slower (per-call timing stays valid)
const BURST_DEADLINE_MS = 3000; // a synchronous burst longer than this is stopped and reported as such
const EXIT_N = 200;
const QUIET_MS = 6000; // see the 1,000-call phase
const BURST_CAP_MS = 15000; // the whole burst phase, persisted or not
const burstGaveUp = new Map();
const CHROME = process.env.CHROME_PATH || '/usr/bin/chromium';
const UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

const log = (...a) => console.error('[bench]', ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const started = Date.now();

if (argv.includes('--report-only')) {
  const data = JSON.parse(readFileSync(join(OUT, 'raw.json'), 'utf8'));
  data.burstGaveUp ??= Object.fromEntries(Object.entries(data.raw).flatMap(([id, runs]) => {
    const i = runs.findIndex((r) => r.burst?.timedOut);
    return i >= 0 ? [[id, { run: i + 1, ...runs[i].burst }]] : [];
  }));
  data.notes ??= [];
  report(data);
} else {
  await main();
}

async function main() {
// 1. Competitors installed into test/bench/node_modules (benchmark-only dependencies).
const benchPkg = JSON.parse(readFileSync(join(BENCH_DIR, 'package.json'), 'utf8'));
const missing = Object.keys(benchPkg.dependencies).filter((d) => !existsSync(join(BENCH_DIR, 'node_modules', d, 'package.json')));
if (missing.length) {
  log(`installing benchmark dependencies (${missing.join(', ')})`);
  const lock = existsSync(join(BENCH_DIR, 'package-lock.json'));
  const r = spawnSync('npm', [lock ? 'ci' : 'install', '--prefix', BENCH_DIR, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (r.status !== 0) { log('npm install of the benchmark dependencies failed'); process.exit(1); }
}
const { chromium } = await import('playwright-core');

// 2. waymark's builds.
const notes = [];
if (BUILD) {
  log('npm run build');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-8).join('\n');
    log(`build failed:\n${tail}`);
    notes.push(existsSync(join(DIST, 'waymark.min.js'))
      ? '`npm run build` failed during this run; waymark was measured from the dist/ already on disk.'
      : '`npm run build` failed and there is no dist/waymark.min.js: waymark was not measured.');
  }
}
const haveWaymark = existsSync(join(DIST, 'waymark.min.js'));
const sdks = SDKS.filter((s) => (!ONLY || ONLY.includes(s.id)) && (s.id !== 'waymark' || haveWaymark));

// 3. Bundles and sizes.
const files = new Map();
const size = {};
files.set('/page.html', { body: readFileSync(join(BENCH_DIR, 'page', 'index.html')), type: 'text/html' });
files.set('/harness.js', { body: readFileSync(join(BENCH_DIR, 'page', 'harness.js')), type: 'application/javascript' });
for (const s of sdks) {
  let js;
  if (s.id === 'waymark') js = readFileSync(join(DIST, 'waymark.min.js'), 'utf8');
  else if (s.id === 'noop') js = '';
  else { log(`bundling ${s.id}`); js = await buildAdapter(s.id); }
  size[s.id] = sizes(js);
  files.set(`/sdk/${s.id}.js`, { body: js + EVAL_END, type: 'application/javascript' });
}
const waymarkNpm = haveWaymark ? await waymarkNpmSizes().catch((e) => (notes.push(`npm-path size failed: ${e.message}`), null)) : null;
const waymarkExtras = haveWaymark ? waymarkDistExtras() : [];

// 4. Servers and browser.
const collector = await startCollector();
const pages = await startPageServer({ files, dirs: { '/sdk/': DIST } });
const PAGE = `${pages.url}/page.html`;
const EXIT_URL = `${collector.url}/blank.html`;

async function launch() {
  return chromium.launch({
    executablePath: CHROME,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // PostHog drops every event from a browser that looks automated.
      '--disable-blink-features=AutomationControlled',
      // Only 127.0.0.1 exists; attempts to reach anything else fail fast and are reported.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
}

/** Wait until the collector has been quiet (or got `expect` events with `prefix`). */
async function settle(since, { prefix, expect, quietMs, capMs }) {
  for (;;) {
    await sleep(100);
    const now = Date.now();
    const seen = collector.since(since);
    const last = seen.length ? seen[seen.length - 1].t : since;
    const got = countKeys(seen, prefix).distinct;
    if (expect && got >= expect && now - last >= 500) return;
    if (now - last >= quietMs) return;
    if (now - since >= capMs) return;
  }
}

function countKeys(entries, prefix) {
  const distinct = new Set();
  let total = 0;
  for (const e of entries) for (const k of e.keys) if (k.startsWith(prefix)) { distinct.add(k); total++; }
  return { distinct: distinct.size, duplicates: total - distinct.size };
}

function network(entries, prefix) {
  const reqs = entries.filter((e) => e.method !== 'OPTIONS' && !e.path.split('?')[0].endsWith('.js'));
  const events = countKeys(entries, prefix);
  return {
    events: events.distinct,
    duplicates: events.duplicates,
    requests: reqs.length,
    preflights: entries.filter((e) => e.method === 'OPTIONS').length,
    bodyBytes: reqs.reduce((n, e) => n + e.bodyBytes, 0),
    headerBytes: reqs.reduce((n, e) => n + e.headerBytes, 0),
  };
}

async function openPage(browser, sdk, problems, settleMs = 1000) {
  const context = await browser.newContext({ userAgent: UA });
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.errors.add(String(e.message).slice(0, 160)));
  page.on('requestfailed', (r) => {
    const host = new URL(r.url()).hostname;
    if (host !== '127.0.0.1') problems.hosts.add(host);
  });
  await page.goto(PAGE);
  const since = Date.now();
  const load = await page.evaluate(([id, c, ms]) => window.__bench.load(id, `/sdk/${id}.js`, c, ms), [sdk.id, collector.url, settleMs]);
  // Scripts the SDK fetched by itself while loading (lazy chunks, remote config scripts).
  const lazy = [
    ...pages.served.filter((e) => e.t >= since && e.path !== `/sdk/${sdk.id}.js`),
    ...collector.since(since).filter((e) => e.method === 'GET' && e.path.split('?')[0].endsWith('.js')).map((e) => ({ ...e, bytes: 0 })),
  ];
  load.lazyJs = lazy.map((e) => e.path.split('?')[0]);
  load.lazyJsBytes = lazy.reduce((n, e) => n + e.bytes, 0);
  return { context, page, load };
}

/** One SDK, one run: load + 1000 track() calls + network; burst; exit. */
async function measure(browser, sdk, run, problems) {
  const tag = (phase) => `${phase}_${run}${String(SDKS.indexOf(sdk)).padStart(2, '0')}`;
  const result = {};

  // (a) evaluate + init, (b) 1000 track() calls, (d) network for those 1000 events.
  {
    const { context, page, load } = await openPage(browser, sdk, problems);
    result.load = load;
    const since = Date.now();
    result.track = await page.evaluate(([t, n, d]) => window.__bench.trackTiming(t, n, 10, d), [tag('t'), TRACK_N, TRACK_DEADLINE_MS]);
    // Quiet for longer than any SDK's default send interval (waymark's is 5 s): an SDK's last,
    // partial batch is sent on its timer, and leaving before it came would count it as lost.
    if (!sdk.floor) await settle(since, { prefix: `${tag('t')}_`, expect: result.track.calls, quietMs: QUIET_MS, capMs: 20000 });
    result.net = { ...network(collector.since(since), `${tag('t')}_`), calls: result.track.calls };
    await context.close();
  }
  // (c) 10,000-event burst: time until persisted, long tasks. An SDK that has not
  // persisted the burst within BURST_CAP_MS (or crashes the tab) is not burst again in later runs.
  if (!burstGaveUp.has(sdk.id)) {
    const { context, page } = await openPage(browser, sdk, problems, 500);
    const t0 = Date.now();
    let timer;
    const cap = new Promise((resolve) => { timer = setTimeout(() => resolve({ timedOut: true }), BURST_CAP_MS); });
    result.burst = await Promise.race([
      page.evaluate(([t, n, d]) => window.__bench.burst(t, n, d), [tag('b'), BURST_N, BURST_DEADLINE_MS]),
      cap,
    ]).catch((e) => ({ timedOut: true, crashed: String(e.message).split('\n')[0] }));
    clearTimeout(timer);
    if (result.burst.timedOut) {
      result.burst.afterMs = Date.now() - t0;
      burstGaveUp.set(sdk.id, { run, ...result.burst });
    }
    await context.close().catch(() => {});
  }
  // (e) 200 events right before leaving for another origin; no return visit.
  if (!sdk.floor) {
    const { context, page } = await openPage(browser, sdk, problems, 500);
    const since = Date.now();
    await page.evaluate(([t, n, u]) => window.__bench.exit(t, n, u), [tag('x'), EXIT_N, EXIT_URL]).catch(() => {});
    await page.waitForURL(EXIT_URL, { timeout: 15000 }).catch(() => problems.errors.add('exit navigation did not happen'));
    await settle(since, { prefix: `${tag('x')}_`, expect: EXIT_N, quietMs: 1500, capMs: 8000 });
    result.exit = countKeys(collector.since(since), `${tag('x')}_`);
    await context.close();
  }
  return result;
}

const raw = Object.fromEntries(sdks.map((s) => [s.id, []]));
const problems = Object.fromEntries(sdks.map((s) => [s.id, { errors: new Set(), hosts: new Set() }]));
let browserVersion = '?';
for (let run = 1; run <= RUNS; run++) {
  const browser = await launch();
  browserVersion = browser.version();
  // Rotate the order each run so no SDK always goes first on a cold machine.
  const order = sdks.map((_, i) => sdks[(i + run - 1) % sdks.length]);
  for (const sdk of order) {
    const t0 = Date.now();
    try {
      raw[sdk.id].push(await measure(browser, sdk, run, problems[sdk.id]));
    } catch (e) {
      problems[sdk.id].errors.add(`run ${run}: ${String(e.message).split('\n')[0].slice(0, 200)}`);
    }
    log(`run ${run}/${RUNS} ${sdk.id}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  await browser.close();
}
await collector.close();
await pages.close();

// 4b. waymark's wire bytes over the demo journey, at automation speed and at a visitor's pace.
const demoWire = [];
if (haveWaymark) {
  const browser = await launch();
  for (const pauseMs of [0, 2000]) {
    try {
      demoWire.push(await measureDemoJourney(browser, { pauseMs }));
      log(`demo journey (${pauseMs} ms per page): ${JSON.stringify(demoWire.at(-1))}`);
    } catch (e) {
      notes.push(`demo journey (${pauseMs} ms per page) failed: ${String(e.message).split('\n')[0]}`);
    }
  }
  await browser.close();
}

// 5. The rules-engine benchmark (another file, if present).
let rules = null;
const rulesFile = join(BENCH_DIR, 'rules.bench.mjs');
if (RULES && existsSync(rulesFile)) {
  log('node test/bench/rules.bench.mjs');
  const r = spawnSync(process.execPath, [rulesFile], { cwd: ROOT, encoding: 'utf8', timeout: 180000 });
  rules = { status: r.status, output: (r.stdout || '').trim(), stderr: (r.stderr || '').trim() };
  if (rules.output) console.log(rules.output);
  if (r.status !== 0) log(`rules.bench.mjs exited with ${r.status}: ${rules.stderr.split('\n').slice(-3).join(' ')}`);
}

// 6. Report.
mkdirSync(OUT, { recursive: true });
const env = {
  date: new Date().toISOString().slice(0, 10),
  chromium: browserVersion,
  node: process.version,
  cpus: `${os.cpus().length} × ${os.cpus()[0]?.model?.trim() ?? '?'}`,
  runs: RUNS,
  seconds: Math.round((Date.now() - started) / 1000),
  esbuild: versionOf('esbuild'),
  versions: Object.fromEntries(sdks.map((s) => [s.id, s.pkgs.map((p) => `${p}@${versionOf(p)}`).join(', ')])),
};
const problemsOut = Object.fromEntries(Object.entries(problems).map(([k, v]) => [k, { errors: [...v.errors], hosts: [...v.hosts] }]));
const data = {
  env, size, waymarkNpm, waymarkExtras, raw, problems: problemsOut, notes, rules, demoWire,
  limits: { trackDeadlineMs: TRACK_DEADLINE_MS, burstDeadlineMs: BURST_DEADLINE_MS },
  burstGaveUp: Object.fromEntries(burstGaveUp), burstCapMs: BURST_CAP_MS,
};
writeFileSync(join(OUT, 'raw.json'), JSON.stringify(data, null, 1));
report(data);
}

/** Write results.md and chart.svg from the data (also `--report-only`, from results/raw.json). */
function report(data) {
  const ids = Object.keys(data.raw);
  const { table } = writeReport({ out: OUT, ...data, sdks: SDKS.filter((s) => ids.includes(s.id)) });
  console.log(table);
  console.log(`\nWrote test/bench/results/results.md and chart.svg (${data.env.seconds} s of benchmarking). Reproduce: npm run bench`);
}
