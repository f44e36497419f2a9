/**
 * Turns the raw runs into results.md (Markdown tables, medians, ratios against
 * waymark, targets) and chart.svg (a hand-made bar chart).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const TRACK_N = 1000;
const BURST_N = 10000;
const EXIT_N = 200;

export const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const range = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x));
  return v.length ? [Math.min(...v), Math.max(...v)] : null;
};

const int = (n) => (n == null ? '—' : Math.round(n).toLocaleString('en-US'));
const dec = (n, d = 1) => (n == null ? '—' : n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));
const ratio = (v, base) => (v == null || base == null || base === 0 ? '' : ` (${v / base >= 10 ? Math.round(v / base) : dec(v / base, 1)}×)`);

/** Median metrics of one SDK over its runs. */
export function summarize(runs, size) {
  const m = (f) => median(runs.map((r) => { try { return f(r); } catch { return null; } }));
  const burstDone = runs.every((r) => r.burst && r.burst.calls >= BURST_N);
  return {
    runs: runs.length,
    min: size?.min ?? null,
    gzip: size?.gzip ?? null,
    brotli: size?.brotli ?? null,
    evalMs: m((r) => r.load.evalMs),
    initMs: m((r) => r.load.initMs),
    evalInitMs: m((r) => r.load.evalMs + r.load.initMs),
    evalInitRange: range(runs.map((r) => r.load?.evalMs + r.load?.initMs)),
    readyMs: m((r) => r.load.readyMs),
    initLongtasks: m((r) => r.load.longtasks),
    lazyJs: m((r) => r.load.lazyJsBytes),
    trackUs: m((r) => r.track.medianUs),
    trackP95Us: m((r) => r.track.p95Us),
    trackMeanUs: m((r) => (r.track.loopMs * 1000) / TRACK_N),
    trackWithMicroMs: m((r) => r.track.withMicrotasksMs),
    trackLongest: m((r) => r.track.longestMs),
    burstCalls: m((r) => r.burst.calls),
    burstDone,
    burstLoopMs: m((r) => r.burst.loopMs),
    burstMs: m((r) => r.burst.persistedMs),
    burstRange: range(runs.map((r) => r.burst?.persistedMs)),
    burstLongtasks: m((r) => r.burst.longtasks),
    burstLongest: m((r) => r.burst.longestMs),
    burstWaymark: runs.map((r) => r.burst?.info).filter(Boolean).pop() ?? null,
    netEvents: m((r) => r.net.events),
    trackCalls: m((r) => r.track.calls ?? TRACK_N),
    netRequests: m((r) => (r.net.requests * 1000) / (r.net.calls ?? TRACK_N)),
    netPreflights: m((r) => r.net.preflights),
    netDuplicates: m((r) => r.net.duplicates),
    wirePerEvent: m((r) => (r.net.events ? (r.net.bodyBytes + r.net.headerBytes) / r.net.events : null)),
    eventsPerRequest: m((r) => (r.net.requests ? r.net.events / r.net.requests : null)),
    exit: m((r) => r.exit.distinct),
    exitRange: range(runs.map((r) => r.exit?.distinct)),
    exitDuplicates: m((r) => r.exit.duplicates),
  };
}

/** How each SDK "persists" a tracked event, as measured by the burst. */
const PERSISTED = {
  waymark:
    'every burst event is in its IndexedDB queue (records `e:*` in database `waymark`, counted from the page), or already delivered, or dropped and counted in `stats().dropped` (`queue_full` past `queue.maxEvents`, default 1,000)',
  posthog:
    'the burst loop and its microtasks returned. PostHog keeps events in an in-memory request queue (sent every 3 s); they are not written to storage. Its client rate limiter (10/s, burst 100) drops the rest',
  segment:
    'the burst loop and its microtasks returned. Segment keeps events in an in-memory queue and writes it to localStorage only when the page is hidden/left',
  rudderstack:
    'the burst loop and its microtasks returned. RudderStack writes each event to its localStorage-backed queue (kept to the newest 100) during `track()`',
  snowplow:
    'the burst loop and its microtasks returned. Snowplow adds each event to its localStorage outbound queue (written from microtasks, included here)',
  amplitude:
    'the burst loop and its microtasks returned. Amplitude keeps events in an in-memory queue with a localStorage copy written later',
  noop: 'the loop returned',
};

/** Write results.md and chart.svg; returns the main table (Markdown). */
export function writeReport({ out, sdks, limits = {}, burstGaveUp = {}, burstCapMs = 40000, env, size, waymarkNpm, waymarkExtras, raw, problems, notes, rules, demoWire = [] }) {
  BURST_DEADLINE_S = (limits.burstDeadlineMs ?? 5000) / 1000;
  TRACK_DEADLINE_S = (limits.trackDeadlineMs ?? 5000) / 1000;
  const S = Object.fromEntries(sdks.map((s) => [s.id, summarize(raw[s.id], size[s.id])]));
  const w = S.waymark;
  const rows = sdks.filter((s) => raw[s.id].length);

  const exitCell = (s) => (s.exit == null ? '—' : `${int(s.exit)} / ${EXIT_N} (${dec((100 * s.exit) / EXIT_N, 1)} %)`);
  const gaveUp = (id) => burstGaveUp[id];
  const burstCell = (s, id) =>
    gaveUp(id) && s.burstMs == null ? `not persisted within ${int(burstCapMs / 1000)} s${gaveUp(id).crashed ? ' (tab crashed)' : ''}` :
    s.burstMs == null ? '—' : s.burstDone ? `${int(s.burstMs)}${ratio(s.burstMs, w?.burstMs)}` : `${int(s.burstMs)} (only ${int(s.burstCalls)} calls in ${BURST_DEADLINE_S} s)`;

  const head = [
    '| SDK | min (B) | gzip (B) | brotli (B) | eval + init (ms) | track() median (µs/call) | 10k burst → persisted (ms) | long tasks ≥ 50 ms in burst: n / longest (ms) | requests / 1,000 events | wire bytes / event | exit events delivered, no return visit |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const body = rows.map(({ id, label }) => {
    const s = S[id];
    const name = id === 'waymark' ? '**waymark**' : label;
    const floor = id === 'noop';
    return `| ${name} | ${floor ? '—' : int(s.min)} | ${floor ? '—' : `${int(s.gzip)}${ratio(s.gzip, w?.gzip)}`} | ${floor ? '—' : `${int(s.brotli)}${ratio(s.brotli, w?.brotli)}`} | ${dec(s.evalInitMs)}${ratio(s.evalInitMs, w?.evalInitMs)} | ${dec(s.trackUs, 1)}${ratio(s.trackUs, w?.trackUs)}${s.trackCalls < TRACK_N ? ` (${int(s.trackCalls)} calls in ${TRACK_DEADLINE_S} s)` : ''} | ${burstCell(s, id)} | ${s.burstLongtasks == null && gaveUp(id) ? 'n/a' : `${int(s.burstLongtasks)} / ${int(s.burstLongest)}`} | ${floor ? '—' : int(s.netRequests)} | ${floor ? '—' : int(s.wirePerEvent)} | ${floor ? '—' : exitCell(s)} |`;
  });
  const table = [...head, ...body].join('\n');

  const detail = [
    '| SDK | eval (ms) | init() (ms) | eval+init min–max (ms) | ready (ms) | long tasks during load | track() p95 (µs) | track() mean = loop / 1,000 (µs) | 1,000 calls + microtasks (ms) | longest task, 1,000 calls (ms) | burst loop (ms) | burst persisted min–max (ms) | events received / tracked in the 1,000-call phase | events / request | CORS preflights | exit min–max | exit duplicates |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(({ id, label }) => {
      const s = S[id];
      const r = (x, d = 1) => (x ? `${dec(x[0], d)}–${dec(x[1], d)}` : '—');
      return `| ${label} | ${dec(s.evalMs)} | ${dec(s.initMs)} | ${r(s.evalInitRange)} | ${s.readyMs == null ? '—' : dec(s.readyMs)} | ${int(s.initLongtasks)} | ${dec(s.trackP95Us)} | ${dec(s.trackMeanUs)} | ${dec(s.trackWithMicroMs)} | ${int(s.trackLongest)} | ${int(s.burstLoopMs)} | ${r(s.burstRange, 0)} | ${id === 'noop' ? '—' : `${int(s.netEvents)} / ${int(s.trackCalls)}`} | ${s.eventsPerRequest == null ? '—' : dec(s.eventsPerRequest)} | ${id === 'noop' ? '—' : int(s.netPreflights)} | ${s.exitRange ? `${s.exitRange[0]}–${s.exitRange[1]}` : '—'} | ${s.exitDuplicates == null ? '—' : int(s.exitDuplicates)} |`;
    }),
  ].join('\n');

  const targets = w ? targetRows(w, S, demoWire) : null;
  const md = [
    '# waymark benchmark: size and speed against the field',
    '',
    `Generated by \`npm run bench\` (\`node test/bench/run.mjs --runs ${env.runs}\`) on ${env.date}: headless Chromium ${env.chromium}, Node ${env.node}, ${env.cpus}, ${env.runs} runs, medians (ratios against waymark in parentheses), ${env.seconds} s in all.`,
    '',
    '**Reproduce:** `npm install && npm run bench` (builds dist/ with `npm run build`, installs the competitor SDKs into `test/bench/node_modules` with `npm ci --prefix test/bench` when missing, needs `/usr/bin/chromium` or `CHROME_PATH`). Options: `--runs N`, `--only waymark,posthog`, `--no-build`, `--no-rules`.',
    '',
    '![bar chart of the table below](chart.svg)',
    '',
    table,
    '',
    ...(targets ? ['## waymark against its targets', '', targets, ''] : ['waymark was not measured in this run (no dist/waymark.min.js).', '']),
    '## What each column measures',
    '',
    `- **min / gzip / brotli**: the bytes a site loads for the SDK with its autocapture on: competitors bundled from npm with esbuild ${env.esbuild} (\`--bundle --minify\`, browser, the adapter in \`test/bench/adapters/\`); waymark is \`dist/waymark.min.js\`, the script-tag build, as shipped. gzip level 9, brotli quality 11 (node:zlib). Code an SDK fetches later from its own servers (PostHog's extensions) is not included.`,
    '- **eval + init**: the bundle is loaded with a `<script>` tag added inside a task; eval = from the end of the download to the last statement of the bundle (parse + compile + run), init = the synchronous `init()`/`load()` call. "ready" is the promise some SDKs return.',
    `- **track() median**: ${TRACK_N.toLocaleString('en-US')} calls \`track('bench_…', { plan, stage })\` in one task after init, timed in groups of 10 with \`performance.now()\` on a cross-origin-isolated page (5 µs resolution); the median group, divided by 10. An SDK still busy after ${TRACK_DEADLINE_S} s is stopped there (the calls done are noted). waymark is called as a site would with the script tag, \`waymark('track', name, props)\`.`,
    `- **10k burst → persisted**: ${BURST_N.toLocaleString('en-US')} \`track()\` calls in one task (stopped after ${BURST_DEADLINE_S} s if not done), from the first call until the events are "persisted", which means per SDK: ${Object.entries(PERSISTED).filter(([k]) => S[k]).map(([k, v]) => `*${k}*: ${v}`).join('; ')}. Long tasks: PerformanceObserver \`longtask\` entries (≥ 50 ms) overlapping the burst until persisted + 0.5 s — a synchronous loop longer than 50 ms is itself one.`,
    ...(Object.keys(burstGaveUp).length ? [`  An SDK whose burst was not persisted within ${int(burstCapMs / 1000)} s (or whose tab crashed) is not burst again in later runs, to keep the benchmark under 10 minutes: ${Object.entries(burstGaveUp).map(([k, v]) => `${k} (run ${v.run}${v.crashed ? ', tab crashed' : ''})`).join(', ')}.`] : []),
    `- **requests / 1,000 events, wire bytes / event**: everything the collector received (except CORS preflights, counted apart, and script fetches) from the first of the ${TRACK_N.toLocaleString('en-US')} \`track()\` calls until it was quiet for 6 s, longer than any SDK's default send interval (or all events had arrived, cap 20 s); bytes are body as sent plus request line and headers, divided by the bench events received (autocaptured events ride along).`,
    `- **exit events delivered**: in a fresh profile, ${EXIT_N} \`track()\` calls and \`location.href = <another origin>\` in the same task; the collector counts distinct events that arrive within 8 s (stopping after 1.5 s of quiet). No return visit, so events an SDK keeps in storage for the next page load count as not delivered. The collector is on localhost: fetch/XHR requests started just before unload reach it more often than over a real network, so those figures are upper bounds.`,
    '',
    '## More detail (medians)',
    '',
    detail,
    '',
    ...(waymarkNpm || waymarkExtras.length
      ? [
          '## waymark: other builds',
          '',
          ...(waymarkNpm
            ? [`\`import { createTracker } from 'waymark'\` bundled with esbuild (\`--bundle --minify --splitting\`): initial ${int(waymarkNpm.initial.min)} B min, **${int(waymarkNpm.initial.gzip)} B gzip**, ${int(waymarkNpm.initial.brotli)} B brotli${waymarkNpm.lazy ? `; ${waymarkNpm.lazyChunks} lazy chunk(s) ${int(waymarkNpm.lazy.gzip)} B gzip` : ''}.`]
            : []),
          '',
          ...waymarkExtras.map((x) => `- \`dist/${x.file}\` (loaded on demand by the script-tag build): ${int(x.min)} B, ${int(x.gzip)} B gzip, ${int(x.brotli)} B brotli`),
          ...(w?.lazyJs ? [`- JS the script-tag build fetched by itself during load (median): ${int(w.lazyJs)} B uncompressed`] : []),
          '',
        ]
      : []),
    '## Setup',
    '',
    `- A static test page (nav links, buttons, a 3-step form, 30 paragraphs) served from one 127.0.0.1 port with COOP/COEP (credentialless) for the fine timer; the collector on another port, so it is cross-origin like a real one. It answers 200 to everything including \`OPTIONS\` (\`Access-Control-Max-Age: 86400\`) and counts requests, bytes and distinct event names (after gunzip, form and base64 decoding); re-sent events count as duplicates.`,
    '- Each phase runs in a fresh browser context (empty storage); one browser per run; the SDK order rotates between runs. Headless Chromium runs with a normal user agent and without the automation flag (PostHog drops events from bots); any host other than 127.0.0.1 fails to resolve and is listed below.',
    '- Versions and configuration (autocapture on where the SDK has it; all else default):',
    ...rows.filter(({ id }) => id !== 'noop').map(({ id, label }) => `  - ${label}: ${id === 'waymark' ? 'dist/waymark.min.js, `waymark(\'init\', { endpoint })` with every default (all autocapture on, batch 20 events / 5 s, queue.maxEvents 1,000)' : `${env.versions[id]}; ${CONFIG[id]}`}`),
    '- A 2-core VM is noisy: compare ratios within this table, not milliseconds across machines.',
    '',
    '## Errors and blocked hosts',
    '',
    ...rows.map(({ id, label }) => {
      const p = problems[id];
      const parts = [];
      if (p.errors.length) parts.push(`page errors: ${p.errors.slice(0, 4).map((e) => `\`${e.replace(/`/g, "'")}\``).join('; ')}`);
      if (p.hosts.length) parts.push(`tried to reach: ${p.hosts.join(', ')}`);
      return `- ${label}: ${parts.length ? parts.join('; ') : 'none'}`;
    }),
    ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : []),
    '',
    ...(rules
      ? [
          '## Rules engine (`node test/bench/rules.bench.mjs`)',
          '',
          rules.status === 0 ? '' : `(exited with status ${rules.status})`,
          /^\s*[|#]/m.test(rules.output) ? rules.output : '```\n' + rules.output + '\n```',
          '',
        ]
      : []),
  ].join('\n');
  writeFileSync(join(out, 'results.md'), md);
  writeFileSync(join(out, 'chart.svg'), chart(rows, S, env, burstGaveUp, burstCapMs));
  return { table, summary: S };
}

let BURST_DEADLINE_S = 5;
let TRACK_DEADLINE_S = 5;

const CONFIG = {
  posthog: '`init(token, { api_host: collector, autocapture: true, capture_pageview: true, capture_pageleave: true })`; remote config and flags fetched from the collector (answered `{}` / empty script)',
  segment: '`AnalyticsBrowser.load({ writeKey, cdnSettings: { integrations: { \'Segment.io\': { apiHost: collector/v1, protocol: \'http\' } } } })` + `page()`; no CDN fetch; no click/form autocapture exists',
  rudderstack: '`@rudderstack/analytics-js/bundled` (the default entry loads its plugins from a CDN); `load(writeKey, collector, { getSourceConfig: () => localConfig, autoTrack: { enabled: true } })` + `page()`',
  snowplow: '`newTracker(\'sp\', collector, { plugins: [LinkClickTrackingPlugin(), FormTrackingPlugin()] })`, `enableLinkClickTracking()`, `enableFormTracking()`, `trackPageView()`; custom events are `trackSelfDescribingEvent`',
  amplitude: '`init(key, { serverUrl: collector/2/httpapi, remoteConfig off, autocapture: { attribution, pageViews, sessions, formInteractions, fileDownloads, elementInteractions } })`',
};

/** waymark against the targets of issue 16 ("Lean"), from this run. */
function targetRows(w, S, demoWire) {
  const row = (what, target, value, met, why = '') => `| ${what} | ${target} | ${value} | ${met == null ? 'not measured' : met ? '✅ met' : '❌ not met'}${why ? ` — ${why}` : ''} |`;
  const others = Object.entries(S).filter(([id]) => id !== 'waymark' && id !== 'noop').map(([, s]) => s);
  const fastest = (k) => Math.min(...others.map((s) => s[k]).filter((v) => typeof v === 'number'));
  const [fastMedian, fastMean] = [fastest('trackUs'), fastest('trackMeanUs')];
  const perThousand = w.eventsPerRequest ? 1000 / w.eventsPerRequest : null;
  return [
    '| target | budget | measured (median) | |',
    '|---|---|---:|---|',
    row('script-tag bundle, all default capture', '≤ 11,000 B gzip (aim 8,000)', `${int(w.gzip)} B`, w.gzip == null ? null : w.gzip <= 11000),
    ...demoWire.map((d) =>
      row(`wire bytes per event, demo journey (campaign e-mail → purchase; ${d.pauseMs ? `${dec(d.pauseMs / 1000, 0)} s on each page` : 'automation speed'})`, '≤ 300 B (aim 250)',
        `${int(d.perEvent)} B (${int(d.events)} events in ${int(d.requests)} requests)`, d.perEvent == null ? null : d.perEvent <= 300,
        d.pauseMs ? "the demo sends every second (`batch.intervalMs: 1000`), so a slower visitor's page views go out in more, smaller requests, each carrying the batch's shared fields once" : '')),
    row('wire bytes per event (bench `track()` events, body + headers)', '≤ 300 B', `${int(w.wirePerEvent)} B`, w.wirePerEvent == null ? null : w.wirePerEvent <= 300),
    row('exit: events delivered without a return visit', `≥ ${EXIT_N - 1} / ${EXIT_N}, 0 duplicates`, w.exit == null ? '—' : `${int(w.exit)} / ${EXIT_N}, ${int(w.exitDuplicates ?? 0)} duplicates`,
      w.exit == null ? null : w.exit >= EXIT_N - 1 && !w.exitDuplicates),
    row('requests for 1,000 events', '≤ 20', perThousand == null ? '—' : `${dec(perThousand)} (${int(w.netEvents)} of ${int(w.trackCalls)} events arrived)`,
      perThousand == null ? null : perThousand <= 20 && w.netEvents >= w.trackCalls),
    row('`track()` median', `≤ half the fastest competitor's (${dec(fastMedian / 2)} µs)`, `${dec(w.trackUs)} µs`, w.trackUs == null || !others.length ? null : w.trackUs <= fastMedian / 2),
    row('`track()` mean', `≤ half the fastest competitor's (${dec(fastMean / 2)} µs)`, `${dec(w.trackMeanUs)} µs`, w.trackMeanUs == null || !others.length ? null : w.trackMeanUs <= fastMean / 2),
    row(`no task ≥ 50 ms during the ${BURST_N.toLocaleString('en-US')}-event burst`, '0', `${int(w.burstLongtasks)} (longest ${int(w.burstLongest)} ms)`, w.burstLongtasks == null ? null : w.burstLongtasks === 0,
      w.burstLongtasks ? `the page's own loop of ${BURST_N.toLocaleString('en-US')} calls is one task and counts here too (${int(w.burstLoopMs)} ms)` : ''),
  ].join('\n');
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A hand-made SVG: one panel per metric, one horizontal bar per SDK, waymark highlighted. */
function chart(rows, S, env, gaveUp = {}, capMs = 15000) {
  const panels = [
    { title: 'Bundle, gzip (KB) — smaller is better', get: (s) => (s.gzip == null ? null : s.gzip / 1000), fmt: (v) => dec(v, 1), log: false, skipFloor: true },
    { title: 'Eval + init (ms) — smaller is better', get: (s) => s.evalInitMs, fmt: (v) => dec(v, 1), log: false },
    { title: 'track() median (µs per call, log scale)', get: (s) => s.trackUs, fmt: (v) => dec(v, 1), log: true },
    {
      title: '10k burst until persisted (ms, log scale)', get: (s) => s.burstMs, fmt: (v) => int(v), log: true,
      note: (s, id) => (s.burstMs == null && gaveUp[id] ? `not persisted within ${int(capMs / 1000)} s` : s.burstMs != null && !s.burstDone ? ` (stopped after ${int(s.burstCalls)} calls)` : ''),
    },
    {
      title: 'Requests per 1,000 events — fewer is better', get: (s) => s.netRequests, fmt: (v) => int(v), log: false, skipFloor: true,
      note: (s) => (s.netEvents != null && s.trackCalls && s.netEvents < 0.95 * s.trackCalls ? ` (only ${int(s.netEvents)} of ${int(s.trackCalls)} events arrived)` : ''),
    },
    { title: `Exit events delivered, no return visit (% of ${EXIT_N})`, get: (s) => (s.exit == null ? null : (100 * s.exit) / EXIT_N), fmt: (v) => `${dec(v, 0)} %`, log: false, max: 100, skipFloor: true },
  ];
  const labelW = 300;
  const barW = 240;
  const rowH = 20;
  const panelW = labelW + barW + 210;
  const cols = 2;
  const panelH = 36 + rows.length * rowH + 12;
  const W = cols * panelW + 20;
  const H = 60 + Math.ceil(panels.length / cols) * panelH + 20;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="14" y="24" font-size="16" font-weight="600" fill="#111">waymark vs. browser analytics SDKs</text>`,
    `<text x="14" y="44" fill="#555">${esc(`headless Chromium ${env.chromium}, ${env.cpus}, median of ${env.runs} runs, ${env.date} — npm run bench`)}</text>`,
  ];
  panels.forEach((p, i) => {
    const x0 = 10 + (i % cols) * panelW;
    const y0 = 60 + Math.floor(i / cols) * panelH;
    parts.push(`<text x="${x0}" y="${y0 + 16}" font-weight="600" fill="#222">${esc(p.title)}</text>`);
    const vals = rows.map(({ id }) => (p.skipFloor && id === 'noop' ? null : p.get(S[id])));
    const finite = vals.filter((v) => v != null && v > 0);
    const max = p.max ?? Math.max(...finite, 1e-9);
    const min = Math.min(...finite, max);
    const lo = p.log ? Math.pow(10, Math.floor(Math.log10(Math.max(min, 1e-3)))) : 0;
    const scale = (v) => {
      if (v == null || v <= 0) return 0;
      if (!p.log) return (v / max) * barW;
      return Math.max(1, ((Math.log10(v) - Math.log10(lo)) / (Math.log10(max) - Math.log10(lo) || 1)) * barW);
    };
    rows.forEach(({ id, label }, j) => {
      const y = y0 + 28 + j * rowH;
      const v = vals[j];
      const mine = id === 'waymark';
      parts.push(`<text x="${x0 + labelW - 8}" y="${y + 13}" text-anchor="end" fill="${mine ? '#0b5' : '#333'}" font-weight="${mine ? 700 : 400}">${esc(label.length > 44 ? label.slice(0, 43) + '…' : label)}</text>`);
      const wdt = scale(v);
      parts.push(`<rect x="${x0 + labelW}" y="${y + 3}" width="${wdt.toFixed(1)}" height="${rowH - 6}" rx="2" fill="${mine ? '#10b981' : id === 'noop' ? '#ccc' : '#94a3b8'}"/>`);
      const note = p.note && !(p.skipFloor && id === 'noop') ? p.note(S[id], id) : '';
      const text = v == null ? note || '—' : p.fmt(v) + note;
      parts.push(`<text x="${x0 + labelW + wdt + 5}" y="${y + 13}" fill="${note ? '#b45309' : '#333'}">${esc(text)}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}
