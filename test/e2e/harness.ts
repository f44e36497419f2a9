/**
 * Real-browser test harness for waymark's built bundles (`dist/`): Chromium, Firefox or WebKit
 * (`WAYMARK_ENGINE`, see ./browsers/), all through one small Page/BrowserContext API (./browsers/types.ts).
 *
 * Everything runs on 127.0.0.1 only. A typical test:
 *
 * ```ts
 * import { describe, it, beforeAll, afterAll, expect } from 'vitest';
 * import { hasBrowser, launch, startSite, startCollector, snippet, htmlPage, openPage } from './harness';
 *
 * describe.skipIf(!hasBrowser)('my feature', () => {
 *   let browser: Browser; let collector: Collector; let site: Site;
 *   beforeAll(async () => { browser = await launch(); collector = await startCollector(); site = await startSite(); });
 *   afterAll(async () => { await browser?.close(); await collector?.close(); await site?.close(); });
 *
 *   it('delivers a page view', async () => {
 *     site.setPage('/', htmlPage({ body: snippet({ endpoint: collector.url, batch: { intervalMs: 200 } }) }));
 *     const { page, context } = await openPage(browser);
 *     await page.goto(site.url('/'));
 *     const [pv] = await collector.waitFor((es) => es.some((e) => e.type === 'page_view'));
 *     await context.close();
 *   });
 * });
 * ```
 *
 * API:
 * - `hasBrowser` / `launch()`: find and start the engine chosen by WAYMARK_ENGINE (chromium: CHROME_PATH or
 *   /usr/bin/chromium; firefox: /usr/bin/firefox-esr; webkit: WebKitWebDriver under xvfb-run). Use
 *   `describe.skipIf(!hasBrowser)`; test/run.mjs fails a CI run where an engine is missing or skipped.
 * - `ENGINE` / `ENGINE_NAME`: the engine in use; `unsupported([engines], why)` logs `engine X: not supported: why`
 *   and returns true there, for tests that then assert the documented fallback.
 * - `openPage(browser)`: a fresh context (its own IndexedDB, storage, cookies) and page; `errors` collects
 *   uncaught page errors and console errors.
 * - `startSite({ pages, csp, headers })`: serves `dist/*` (`/waymark.min.js`, `/waymark.mjs`, chunks),
 *   `/node_modules/*` (for import maps) and in-memory pages (path → html, or a function of the request);
 *   a POST to a page redirects (303) to a GET of it.
 *   `site.setPage()` swaps pages at runtime; `site.url(path)` builds absolute URLs.
 * - `startCollector({ plan })`: a counting collector on another port (so requests are cross-origin),
 *   answering with CORS headers. `collector.plan = (index, events) => ({ status, delayMs, hang, reset, retryAfter })`
 *   scripts faults per POST (index counts POSTs from 0). `down()` / `up()` make the port refuse connections
 *   and come back. Read with `requests`, `preflights`, `events()` (accepted only), `allEvents()` (every event
 *   seen, accepted or not), `uniqueIds()`, `duplicates()`, `waitFor(countOrPredicate, timeoutMs)`, `clear()`.
 * - `snippet(options, calls?, tag?)`: the SPEC stub, `waymark('init', options)`, queued calls, and the script tag.
 *   `htmlPage({ title, head, body })` wraps it in a document. `importMap()` maps the bundle's npm dependencies
 *   for `<script type="module">` pages.
 * - Page helpers: `sdkReady(page)`, `flush(page)`, `journeyOf(page)`, `dumpStorage(page)` (all IndexedDB
 *   databases + localStorage + sessionStorage as one JSON string).
 * - `until(check, timeoutMs, message)`: poll a condition; `summarize(events)`: one line for assertion messages;
 *   `chronological(events)`: sort by timestamp then `seq`; `eventId(e)`: `id` or segment `messageId`;
 *   `explainDuplicates(collector)`: which requests (beacon or fetch, from which page) carried each duplicate.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { enginePath, launchEngine, type Browser, type BrowserContext, type Page } from './browsers/index';

export { CHROME_ARGS, ENGINE, ENGINE_NAME, enginePath, unsupported } from './browsers/index';
export type { Browser, BrowserContext, Engine, Locator, Page } from './browsers/index';

/** Repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The build output directory served by `startSite` (`WAYMARK_DIST` overrides it, e.g. to test another build). */
export const DIST = normalize(process.env.WAYMARK_DIST ?? join(ROOT, 'dist')).replace(/[\\/]+$/, '');

// ---------------------------------------------------------------------------------------------
// Browser

/** Chromium to use: `CHROME_PATH`, else /usr/bin/chromium when it exists, else null. */
export function chromePath(): string | null {
  return enginePath('chromium');
}

/** True when the engine chosen by WAYMARK_ENGINE is installed; e2e suites use `describe.skipIf(!hasBrowser)`. */
export const hasBrowser = enginePath() !== null;

/** Launch the engine chosen by WAYMARK_ENGINE (default chromium). Each `newContext()` is a fresh, isolated profile. */
export async function launch(): Promise<Browser> {
  return launchEngine();
}

/** A page in a fresh context, with uncaught page errors and console errors collected. */
export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions (`pageerror:` prefix) and console.error messages (`console:` prefix), in order. */
  errors: string[];
}

/** Open a page in a new isolated context; `errors` collects what the page logs as errors. */
export async function openPage(browser: Browser): Promise<OpenedPage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  return { context, page, errors };
}

/**
 * Collect uncaught exceptions and console errors of a page into an array. In WebKit (selenium) they come
 * from an in-page collector and are read after each page command (see browsers/webkit.ts).
 */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Site server

/** A fixture page: html, or a function of the request (e.g. to vary by query). */
export type PageSource = string | ((req: IncomingMessage) => string);

/** Options for `startSite`. */
export interface SiteOptions {
  /** path → html. Looked up by pathname (query ignored). */
  pages?: Record<string, PageSource>;
  /** Sent as `Content-Security-Policy` on every html page. */
  csp?: string;
  /** Extra response headers on every html page. */
  headers?: Record<string, string>;
}

/** One request the site server answered. */
export interface SiteRequest {
  method: string;
  path: string;
  url: string;
  status: number;
}

/** A running fixture site. */
export interface Site {
  /** e.g. `http://127.0.0.1:41234`. */
  origin: string;
  port: number;
  /** Absolute URL of a path on this site. */
  url(path?: string): string;
  /** Add or replace a page at runtime. */
  setPage(path: string, html: PageSource): void;
  /** Change the CSP sent with html pages (undefined removes it). */
  setCsp(csp: string | undefined): void;
  /** Every request served, in order. */
  requests: SiteRequest[];
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css',
};

function safeFile(base: string, rel: string): string | null {
  const file = normalize(join(base, rel));
  if (!file.startsWith(base + sep)) return null;
  try {
    return statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

/**
 * Serve `dist/*` at the site root (`/waymark.min.js`, `/waymark.mjs`, lazily loaded chunks),
 * `/node_modules/*` for import maps, and the given in-memory pages, on 127.0.0.1 with a random port.
 * A form POST to a page is answered `303 See Other` to the same URL (Post/Redirect/Get), so reloading
 * the result is a plain GET. Throws when `dist/` was not built.
 */
export async function startSite(opts: SiteOptions = {}): Promise<Site> {
  if (!existsSync(join(DIST, 'waymark.min.js'))) {
    throw new Error(`${join(DIST, 'waymark.min.js')} is missing: run \`npm run build\` before the e2e tests`);
  }
  const pages = new Map<string, PageSource>(Object.entries(opts.pages ?? {}));
  let csp = opts.csp;
  const requests: SiteRequest[] = [];
  const nodeModules = join(ROOT, 'node_modules');

  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = decodeURIComponent(u.pathname);
    const done = (status: number): void => {
      requests.push({ method: req.method ?? 'GET', path, url: req.url ?? '/', status });
    };
    // Drain any request body (form POSTs) before answering.
    req.resume();
    req.on('end', () => {
      const page = pages.get(path);
      if (page !== undefined && req.method !== 'GET' && req.method !== 'HEAD') {
        // Post/Redirect/Get, like real sites: a reload of the result never re-posts the form.
        res.writeHead(303, { Location: req.url ?? path }).end();
        done(303);
        return;
      }
      if (page !== undefined) {
        let html: string;
        try {
          html = typeof page === 'function' ? page(req) : page;
        } catch (e) {
          res.writeHead(500).end(String(e));
          done(500);
          return;
        }
        const headers: Record<string, string> = {
          'Content-Type': 'text/html; charset=utf-8',
          'Cache-Control': 'no-store',
          ...opts.headers,
        };
        if (csp) headers['Content-Security-Policy'] = csp;
        res.writeHead(200, headers).end(html);
        done(200);
        return;
      }
      const file = path.startsWith('/node_modules/')
        ? safeFile(nodeModules, path.slice('/node_modules/'.length))
        : safeFile(DIST, path.slice(1));
      if (file) {
        res.writeHead(200, {
          'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
          'Cache-Control': 'no-store',
        });
        res.end(readFileSync(file));
        done(200);
        return;
      }
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      done(404);
    });
  });
  const sockets = trackSockets(server);
  const port = await listen(server, 0);
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    port,
    url: (p = '/') => origin + p,
    setPage: (p, html) => void pages.set(p, html),
    setCsp: (c) => void (csp = c),
    requests,
    close: () => closeServer(server, sockets),
  };
}

// ---------------------------------------------------------------------------------------------
// Collector

/** Any event as received (waymark or segment format); `id` (or `messageId`) identifies it. */
export type CollectedEvent = Record<string, any>;

/** What the collector does with one POST. Default: answer 200 at once. */
export interface Fault {
  /** Status to answer (default 200). */
  status?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer (until `close()`). */
  hang?: boolean;
  /** Destroy the connection after reading the body (a network error for the browser). */
  reset?: boolean;
  /** Sent as `Retry-After`. */
  retryAfter?: number | string;
}

/** Decides the fate of the `index`-th POST (0-based) carrying `events`. */
export type FaultPlan = (index: number, events: CollectedEvent[]) => Fault | void | undefined;

/** One request the collector received. */
export interface CollectedRequest {
  /** Position among POSTs (0-based); -1 for other methods. */
  index: number;
  method: string;
  /** Path and query, e.g. `/collect`. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** Raw body (gunzipped when `Content-Encoding: gzip`). */
  body: string;
  /** Parsed body, or undefined when it is not JSON. */
  json: any;
  /** Events found in the body (`events` for waymark, `batch` for segment, or a bare array). */
  events: CollectedEvent[];
  /** Status answered, 'reset' or 'hang'; undefined while pending. */
  outcome?: number | 'reset' | 'hang';
  /** True once answered with a 2xx: its events count as stored. */
  accepted: boolean;
  /** Date.now() when the body was fully read. */
  at: number;
}

/** Options for `startCollector`. */
export interface CollectorOptions {
  plan?: FaultPlan;
  /** Fixed port (default: random). */
  port?: number;
}

/** A running counting collector. */
export interface Collector {
  /** Endpoint URL to pass as `endpoint`, e.g. `http://127.0.0.1:40001/collect`. */
  url: string;
  origin: string;
  port: number;
  /** Current fault plan; assign to change behaviour at runtime. */
  plan: FaultPlan;
  /** Every non-OPTIONS request, in arrival order. */
  requests: CollectedRequest[];
  /** Number of CORS preflights (OPTIONS) received. */
  readonly preflights: number;
  /** Events of accepted (2xx) requests, in arrival order; optionally filtered by type or predicate. */
  events(filter?: string | ((e: CollectedEvent) => boolean)): CollectedEvent[];
  /** Every event received, accepted or not. */
  allEvents(): CollectedEvent[];
  /** Distinct ids among accepted events. */
  uniqueIds(): string[];
  /** Ids accepted more than once. */
  duplicates(): string[];
  /** Resolve with the accepted events once `count` arrived (or `predicate(events)` holds); rejects on timeout. */
  waitFor(
    countOrPredicate: number | ((events: CollectedEvent[]) => boolean),
    timeoutMs?: number,
  ): Promise<CollectedEvent[]>;
  /** Forget everything received (the POST index restarts at 0). */
  clear(): void;
  /** Stop listening and drop open connections: the browser gets "connection refused". */
  down(): Promise<void>;
  /** Listen again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** The id a collector dedupes on (`id`, or `messageId` in the segment format). */
export function eventId(e: CollectedEvent): string | undefined {
  return (e.id ?? e.messageId) as string | undefined;
}

function decodeEvents(json: any): CollectedEvent[] {
  if (Array.isArray(json)) return json;
  // Wire format v2: each event is { ...shared, ...event }.
  if (json && Array.isArray(json.events)) return json.shared ? json.events.map((e: object) => ({ ...json.shared, ...e })) : json.events;
  if (json && Array.isArray(json.batch)) return json.batch;
  return [];
}

/**
 * A counting collector on its own 127.0.0.1 port (cross-origin to the site). Answers every request with
 * `Access-Control-Allow-Origin: *`; OPTIONS are preflights (counted, answered 204). POSTs go through `plan`.
 */
export async function startCollector(opts: CollectorOptions = {}): Promise<Collector> {
  const requests: CollectedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  let preflights = 0;
  let posts = 0;

  const cors = (req: IncomingMessage): Record<string, string> => ({
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
    'Access-Control-Allow-Headers': String(req.headers['access-control-request-headers'] ?? 'Content-Type'),
    'Access-Control-Allow-Private-Network': 'true',
    'Access-Control-Max-Age': '0',
  });

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method === 'OPTIONS') {
      preflights++;
      req.resume();
      res.writeHead(204, cors(req)).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      if (String(req.headers['content-encoding'] ?? '').includes('gzip')) {
        try {
          raw = gunzipSync(raw);
        } catch {
          /* keep raw */
        }
      }
      const body = raw.toString('utf8');
      let json: any;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const isPost = req.method === 'POST';
      const record: CollectedRequest = {
        index: isPost ? posts++ : -1,
        method: req.method ?? '',
        url: req.url ?? '/',
        headers: { ...req.headers },
        body,
        json,
        events: decodeEvents(json),
        accepted: false,
        at: Date.now(),
      };
      requests.push(record);
      let fault: Fault = {};
      if (isPost) {
        try {
          fault = collector.plan(record.index, record.events) ?? {};
        } catch {
          fault = {};
        }
      }
      const answer = (): void => {
        if (fault.reset) {
          record.outcome = 'reset';
          req.socket.destroy();
          return;
        }
        if (fault.hang) {
          record.outcome = 'hang';
          hanging.add(res);
          return;
        }
        const status = fault.status ?? 200;
        const headers: Record<string, string> = { ...cors(req), 'Content-Type': 'application/json' };
        if (fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
        res.writeHead(status, headers).end(status < 300 ? '{"ok":true}' : '{"ok":false}');
        record.outcome = status;
        record.accepted = isPost && status >= 200 && status < 300;
      };
      if (fault.delayMs) setTimeout(answer, fault.delayMs);
      else answer();
    });
  };

  const server = createServer(handler);
  const sockets = trackSockets(server);
  const port = await listen(server, opts.port ?? 0);
  const origin = `http://127.0.0.1:${port}`;
  let listening = true;

  const accepted = (): CollectedEvent[] => requests.filter((r) => r.accepted).flatMap((r) => r.events);

  const collector: Collector = {
    url: `${origin}/collect`,
    origin,
    port,
    plan: opts.plan ?? (() => undefined),
    requests,
    get preflights() {
      return preflights;
    },
    events(filter) {
      const all = accepted();
      if (filter === undefined) return all;
      return all.filter(typeof filter === 'string' ? (e) => e.type === filter : filter);
    },
    allEvents: () => requests.flatMap((r) => r.events),
    uniqueIds: () => [...new Set(accepted().map(eventId).filter((x): x is string => !!x))],
    duplicates() {
      const seen = new Map<string, number>();
      for (const e of accepted()) {
        const id = eventId(e);
        if (id) seen.set(id, (seen.get(id) ?? 0) + 1);
      }
      return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    },
    async waitFor(countOrPredicate, timeoutMs = 10000) {
      const ok =
        typeof countOrPredicate === 'number'
          ? (es: CollectedEvent[]) => es.length >= countOrPredicate
          : countOrPredicate;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const es = accepted();
        if (ok(es)) return es;
        if (Date.now() > deadline) {
          throw new Error(
            `collector.waitFor timed out after ${timeoutMs} ms. Accepted ${es.length} event(s): ${summarize(es)}. ` +
              `Requests: ${requests.map((r) => `${r.method}#${r.index}→${r.outcome ?? 'pending'}(${r.events.length})`).join(', ') || 'none'}`,
          );
        }
        await sleep(25);
      }
    },
    clear() {
      requests.length = 0;
      preflights = 0;
      posts = 0;
    },
    async down() {
      if (!listening) return;
      listening = false;
      for (const r of hanging) r.destroy();
      hanging.clear();
      await closeServer(server, sockets);
    },
    async up() {
      if (listening) return;
      await listen(server, port);
      listening = true;
    },
    async close() {
      for (const r of hanging) r.destroy();
      hanging.clear();
      if (listening) {
        listening = false;
        await closeServer(server, sockets);
      }
    },
  };
  return collector;
}

// ---------------------------------------------------------------------------------------------
// Pages

/** The SPEC's stub, verbatim. */
export const STUB =
  'window.waymark = window.waymark || function () { (waymark.q = waymark.q || []).push(arguments) };';

/** Options for the script tag `snippet` writes. */
export interface TagOptions {
  /** Default `/waymark.min.js`. */
  src?: string;
  /** Default true. */
  async?: boolean;
}

/**
 * The standard script-tag install: the SPEC stub, `waymark('init', options)`, then each queued
 * call (e.g. `['track', 'signup', { plan: 'pro' }]`), then `<script async src="/waymark.min.js">`.
 * Options must be plain data (they are written as JSON).
 */
export function snippet(options: Record<string, unknown>, calls: unknown[][] = [], tag: TagOptions = {}): string {
  const lines = [STUB, `waymark('init', ${json(options)});`];
  for (const c of calls) lines.push(`waymark(${c.map(json).join(', ')});`);
  const src = tag.src ?? '/waymark.min.js';
  return `<script>\n${lines.join('\n')}\n</script>\n<script${tag.async === false ? '' : ' async'} src="${src}"></script>`;
}

/** JSON safe to embed in a `<script>` element. */
export function json(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c');
}

/** A complete html document. */
export function htmlPage(p: { title?: string; head?: string; body?: string }): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${p.title ?? 'waymark e2e'}</title>${p.head ?? ''}</head>
<body>
${p.body ?? ''}
</body>
</html>`;
}

/**
 * An import map for the ESM build's npm dependencies (served from /node_modules), so
 * `import { createTracker } from '/waymark.mjs'` works in a plain `<script type="module">`
 * whether or not the build bundles them.
 */
export function importMap(): string {
  const imports = {
    'idb-keyval': '/node_modules/idb-keyval/dist/index.js',
    'web-vitals': '/node_modules/web-vitals/dist/web-vitals.js',
    'web-vitals/attribution': '/node_modules/web-vitals/dist/web-vitals.attribution.js',
  };
  return `<script type="importmap">${json({ imports })}</script>`;
}

/** The script-tag global as the page sees it (typed loosely for `page.evaluate`). */
export type WaymarkGlobal = ((command: string, ...args: unknown[]) => unknown) & {
  q?: unknown[];
  track(name: string, properties?: Record<string, unknown>): void;
  page(properties?: Record<string, unknown>): void;
  identify(userId: string, traits?: Record<string, unknown>): void;
  reset(): void;
  journey(): { stage: string | null; furthest: string | null; history: Array<{ stage: string; at: string; rule?: string }> };
  flush(): Promise<void>;
  stats(): Record<string, unknown>;
  optOut(): void;
  optIn(): void;
  shutdown(): Promise<void>;
};
/** `window` with the waymark global, for casts inside `page.evaluate`. */
export type WaymarkWindow = Window & { waymark: WaymarkGlobal };

/** Wait until the script-tag bundle has loaded and replaced the stub. */
export async function sdkReady(page: Page, timeoutMs = 10000): Promise<void> {
  await page.waitForFunction(
    () => {
      const w = (window as unknown as WaymarkWindow).waymark;
      return !!w && typeof w.track === 'function' && typeof w.journey === 'function';
    },
    undefined,
    { timeout: timeoutMs },
  );
}

/** `waymark.flush()` in the page (script-tag build). */
export async function flush(page: Page): Promise<void> {
  await page.evaluate(() => (window as unknown as WaymarkWindow).waymark.flush());
}

/** `waymark.journey()` in the page (script-tag build). */
export async function journeyOf(page: Page): Promise<ReturnType<WaymarkGlobal['journey']>> {
  return page.evaluate(() => (window as unknown as WaymarkWindow).waymark.journey());
}

/**
 * Everything this origin keeps client-side as one JSON string: every IndexedDB database
 * (every store, every key and value, read with a cursor), localStorage and sessionStorage.
 */
export async function dumpStorage(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const seen = new WeakSet<object>();
    const replacer = (_k: string, v: unknown): unknown => {
      if (v instanceof ArrayBuffer) return Array.from(new Uint8Array(v));
      if (ArrayBuffer.isView(v)) return Array.from(new Uint8Array(v.buffer));
      if (v instanceof Map) return Object.fromEntries(v);
      if (v instanceof Set) return [...v];
      if (v && typeof v === 'object') {
        if (seen.has(v)) return '[circular]';
        seen.add(v);
      }
      return v;
    };
    const out: Record<string, unknown> = { indexedDB: {}, localStorage: {}, sessionStorage: {} };
    const dbs = await indexedDB.databases();
    for (const info of dbs) {
      if (!info.name) continue;
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const r = indexedDB.open(info.name!);
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
      const stores: Record<string, unknown[]> = {};
      for (const name of Array.from(db.objectStoreNames)) {
        const rows: unknown[] = [];
        const store = db.transaction(name, 'readonly').objectStore(name);
        await new Promise<void>((res, rej) => {
          const c = store.openCursor();
          c.onsuccess = () => {
            const cur = c.result;
            if (!cur) return res();
            rows.push({ key: cur.key, value: cur.value });
            cur.continue();
          };
          c.onerror = () => rej(c.error);
        });
        stores[name] = rows;
      }
      db.close();
      (out.indexedDB as Record<string, unknown>)[info.name] = stores;
    }
    for (const [area, s] of [['localStorage', localStorage], ['sessionStorage', sessionStorage]] as const) {
      const o: Record<string, string | null> = {};
      for (let i = 0; i < s.length; i++) {
        const k = s.key(i)!;
        o[k] = s.getItem(k);
      }
      out[area] = o;
    }
    return JSON.stringify(out, replacer);
  });
}

// ---------------------------------------------------------------------------------------------
// Small utilities

/** Wait `ms` milliseconds. Prefer `collector.waitFor`; use this only to let "nothing happens" settle. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll `check` every 25 ms until it returns truthy; rejects with `message` after `timeoutMs`. */
export async function until<T>(check: () => T | Promise<T>, timeoutMs: number, message: string | (() => string)): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(typeof message === 'function' ? message() : message);
    await sleep(25);
  }
}

/** One-line description of events (`type:name@path stage`), for assertion messages. */
export function summarize(events: CollectedEvent[]): string {
  return (
    events
      .map((e) => `${e.type}${e.name ? `:${e.name}` : ''}@${e.page?.path ?? '?'}${e.stage !== undefined ? ` [${e.stage}]` : ''}`)
      .join(', ') || '(none)'
  );
}

/**
 * For assertion messages: each duplicated id with its event and every request that carried it
 * (POST index, fetch mode — `no-cors` is a beacon — the sending page from `Referer`, and the answer).
 */
export function explainDuplicates(collector: Collector): string {
  const dups = collector.duplicates();
  if (!dups.length) return 'no duplicates';
  return dups
    .map((id) => {
      const carriers = collector.requests.filter((r) => r.events.some((e) => eventId(e) === id));
      const e = carriers[0]!.events.find((x) => eventId(x) === id)!;
      const how = carriers
        .map((r) => `#${r.index} ${String(r.headers['sec-fetch-mode'] ?? '?')} from ${String(r.headers.referer ?? '?')} → ${r.outcome} (attempt ${r.events.find((x) => eventId(x) === id)?.attempt ?? '?'})`)
        .join('; ');
      return `${summarize([e])} ${id}: ${how}`;
    })
    .join(' | ');
}

/** Events in the order they happened (timestamp, then `seq`). */
export function chronological(events: CollectedEvent[]): CollectedEvent[] {
  return [...events].sort((a, b) => {
    const t = Date.parse(a.timestamp) - Date.parse(b.timestamp);
    if (t !== 0 && !Number.isNaN(t)) return t;
    return (Number(a.seq) || 0) - (Number(b.seq) || 0);
  });
}

function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', rej);
      res((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  return new Promise((res) => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    server.close(() => res());
  });
}
