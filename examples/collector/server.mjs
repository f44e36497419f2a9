// The collector's HTTP side: ingest on any POST path (open to every origin,
// CORS-simple), and the reads (/api/*, /events/stream, /journey/) answered
// only to same-origin requests that name this server in their Host.

import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { aggregate, subject } from './analytics.mjs';
import { parseJSON, readBatch } from './ingest.mjs';
import { decodePath, serveFile } from './static.mjs';
import { createStorage } from './storage.mjs';

const EXAMPLES = dirname(dirname(fileURLToPath(import.meta.url)));
const JOURNEY_DIR = join(EXAMPLES, 'journey');

/** Largest request body accepted: 1 MB (the SDK sends at most ~60 KB per request). */
export const MAX_BODY_BYTES = 1024 * 1024;
/** How much of an oversized body is still read (and thrown away) so the client sees the 413 instead of a reset. */
export const DRAIN_BYTES = 8 * 1024 * 1024;
/** Page size of `/api/events`: the default and the most one page holds. */
export const PAGE = { default: 1000, max: 5000 };
/** Open `/events/stream` connections at most. */
export const MAX_STREAMS = 50;
/** Rejected events listed in one answer at most (`rejectedCount` has them all). */
export const MAX_REPORTED = 1000;
/** `Retry-After` (seconds) when storage is full, and after a failed write. */
const RETRY_FULL = 300;
const RETRY_WRITE = 5;

/** CORS for ingest only: any origin may POST (no credentials), and the SDK may read Retry-After. */
const INGEST_CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, OPTIONS',
  'Access-Control-Expose-Headers': 'Retry-After',
  'Access-Control-Max-Age': '86400',
};

const LOOPBACK = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;

/** Host header values this server answers reads for: loopback names (and `host`, `extra`) with `port`. */
export function expectedHosts(host, port, extra = []) {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]']);
  if (host && host !== '0.0.0.0' && host !== '::') names.add(host.includes(':') ? `[${host}]` : host);
  const hosts = new Set(extra.map((h) => h.toLowerCase()));
  for (const name of names) {
    hosts.add(`${name}:${port}`);
    if (port === 80) hosts.add(name);
  }
  return hosts;
}

/**
 * Why a read must be refused, or null when it may be answered: the Host must
 * be one of `hosts` (any loopback name when no set is given), an Origin (when
 * sent) must be this very origin, and a browser's Sec-Fetch-Site must say
 * same-origin (or none: typed in the address bar) unless the request is a
 * navigation (a link followed: the page opens in its own origin, and other
 * sites cannot read it). Stops other sites and DNS-rebinding pages from
 * reading collected events.
 */
export function readRefusal(headers, hosts) {
  const host = String(headers.host ?? '').toLowerCase();
  if (!host) return 'missing Host header';
  if (hosts ? !hosts.has(host) : !LOOPBACK.test(host)) return `unexpected Host ${host}`;
  const origin = headers.origin;
  if (origin !== undefined && String(origin).toLowerCase() !== `http://${host}`) return 'cross-origin read';
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none' && headers['sec-fetch-mode'] !== 'navigate') return 'cross-site read';
  return null;
}

/** `req.url` as a URL, or null when it is not an origin-form path. */
export function parseTarget(raw) {
  if (typeof raw !== 'string' || !raw.startsWith('/')) return null;
  try {
    const url = new URL(`http://collector${raw}`);
    return decodePath(url.pathname) === null ? null : url;
  } catch {
    return null;
  }
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(JSON.stringify(body));
}

function redirect(res, location) {
  res.writeHead(302, { Location: location });
  res.end();
}

/**
 * Read a body of at most `limit` bytes. Resolves to `{ text }`, or to
 * `{ tooLarge, drained }`: an oversized body is read to its end (up to `drain`
 * bytes more) so the 413 reaches the client instead of a connection reset.
 */
export function readBody(req, limit, drain = DRAIN_BYTES) {
  return new Promise((resolveBody, rejectBody) => {
    if (Number(req.headers['content-length']) > limit + drain) {
      req.resume();
      resolveBody({ tooLarge: true, drained: false });
      return;
    }
    const chunks = [];
    let size = 0;
    let settled = false;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > limit + drain && !settled) {
        settled = true;
        resolveBody({ tooLarge: true, drained: false });
      }
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolveBody(size > limit ? { tooLarge: true, drained: true } : { text: Buffer.concat(chunks).toString('utf8') });
    });
    req.on('error', (error) => {
      if (!settled) rejectBody(error);
      settled = true;
    });
  });
}

/** A non-negative integer query parameter, its default when absent, or NaN when malformed. */
function intParam(params, name, fallback) {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  return /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
}

/** A log line with control characters (newlines, terminal escapes) from the data made visible and harmless. */
const printable = (line) => line.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** One console line per event: time, type, stage, and what it was about. */
function describe(event) {
  const pad = (text, width) => String(text ?? '').padEnd(width);
  return printable(`  ${String(event.timestamp ?? '').slice(11, 19)}  ${pad(event.type, 13)} ${pad(event.stage ? `[${event.stage}]` : '[-]', 16)} ${subject(event)}`);
}

/**
 * The collector without a server: `handle(req, res, url)` answers a request.
 * Events persist in `<dataDir>/events.jsonl` unless a `storage` is given.
 * `hosts()` returns the Host values reads are answered for.
 */
export function createCollector({
  dataDir = join(EXAMPLES, '.data'),
  storage,
  maxBodyBytes = MAX_BODY_BYTES,
  maxStoredBytes,
  maxStoredEvents,
  hosts = () => undefined,
  quiet = false,
  log = quiet ? () => {} : (line) => console.log(line),
  warn = (line) => console.warn(line),
} = {}) {
  const store = storage ?? createStorage({ file: join(dataDir, 'events.jsonl'), maxBytes: maxStoredBytes, maxEvents: maxStoredEvents, log: warn });
  const streams = new Set();
  let cache = null;

  if (store.count()) log(`  loaded ${store.count()} event${store.count() === 1 ? '' : 's'} from ${store.file}`);

  function journeys() {
    cache ??= aggregate(store.list());
    return cache;
  }

  async function handle(req, res, url) {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...INGEST_CORS, 'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] || 'Content-Type' });
      res.end();
      return;
    }
    if (req.method === 'POST') return collect(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' }, { Allow: 'GET, HEAD, POST, OPTIONS' });

    const refusal = readRefusal(req.headers, hosts());
    if (refusal) return send(res, 403, { error: `forbidden: ${refusal} (reads are same-origin only)` });
    const path = url.pathname;
    if (path === '/api/events') return listEvents(res, url.searchParams);
    if (path === '/api/journeys') return send(res, 200, { generatedAt: new Date().toISOString(), ...journeys() });
    if (path === '/events/stream') return stream(req, res);
    if (path === '/journey') return redirect(res, '/journey/');
    if (path.startsWith('/journey/')) return serveFile(req, res, JOURNEY_DIR, path.slice('/journey'.length), 'index.html');
    if (path === '/' || path === '/api' || path === '/api/') return redirect(res, '/journey/');
    if (path === '/favicon.ico') return serveFile(req, res, JOURNEY_DIR, '/favicon.svg');
    return send(res, 404, { error: 'not found' });
  }

  function listEvents(res, params) {
    const after = intParam(params, 'after', 0);
    const limit = intParam(params, 'limit', PAGE.default);
    if (Number.isNaN(after) || after > store.count()) return send(res, 400, { error: 'after: not a cursor from this collector' });
    if (Number.isNaN(limit) || limit < 1) return send(res, 400, { error: 'limit: expected a positive integer' });
    const since = params.get('since') || undefined;
    const page = store.page({ after, limit: Math.min(limit, PAGE.max), since });
    return send(res, 200, { count: page.events.length, total: store.count(), next: page.next, cursor: page.cursor, events: page.events });
  }

  async function collect(req, res) {
    let body;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch {
      return; // the client went away mid-body: nobody to answer
    }
    if (body.tooLarge) {
      return send(res, 413, { error: `body larger than ${maxBodyBytes} bytes` }, { ...INGEST_CORS, Connection: 'close' });
    }
    let payload;
    try {
      payload = parseJSON(body.text || 'null');
    } catch {
      return send(res, 400, { error: 'body is not JSON' }, INGEST_CORS);
    }
    const batch = readBatch(payload, new Date().toISOString());
    if (batch.error) return send(res, batch.status, { error: batch.error }, INGEST_CORS);
    let result;
    try {
      result = await store.add(batch.events.map((item) => item.event));
    } catch (error) {
      if (error?.code === 'full') return send(res, 507, { error: error.message }, { ...INGEST_CORS, 'Retry-After': String(RETRY_FULL) });
      if (error?.code !== 'write') throw error;
      warn(`waymark collector: ${error.message}; answered 503 so the sender retries`);
      return send(res, 503, { error: 'could not store the events; retry later' }, { ...INGEST_CORS, 'Retry-After': String(RETRY_WRITE) });
    }
    if (batch.rejected.length) {
      // One line per batch, even when quiet: a sender with a bug should be noticed, a flood should not flood the log.
      const shown = batch.rejected.slice(0, 3).map((r) => `#${r.index}${r.id ? ` ${JSON.stringify(r.id)}` : ''}: ${r.reason}`);
      warn(printable(`waymark collector: rejected ${batch.rejected.length} of ${batch.received} events (${shown.join('; ')}${batch.rejected.length > 3 ? '; …' : ''})`));
    }
    if (result.added.length) {
      cache = null;
      for (const event of result.added) log(describe(event));
      const message = `event: events\ndata: ${JSON.stringify({ added: result.added.length, total: store.count() })}\n\n`;
      for (const stream of streams) stream.write(message);
    }
    // Every event stored or a duplicate: 200. Nothing usable at all: 400, so a sender drops (and counts) it.
    const status = batch.rejected.length && !batch.events.length ? 400 : 200;
    const answer = {
      ok: status === 200,
      received: batch.received,
      added: result.added.length,
      duplicates: result.duplicates,
      rejectedCount: batch.rejected.length,
      rejected: batch.rejected.slice(0, MAX_REPORTED),
    };
    return send(res, status, answer, INGEST_CORS);
  }

  function stream(req, res) {
    if (streams.size >= MAX_STREAMS) return send(res, 503, { error: 'too many open streams' }, { 'Retry-After': '10' });
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify({ total: store.count() })}\n\n`);
    streams.add(res);
    // A comment every 15 s keeps proxies and idle timeouts from closing the stream.
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(ping);
      streams.delete(res);
    });
  }

  function close() {
    for (const res of streams) res.end();
    streams.clear();
  }

  return { file: store.file, storage: store, handle, events: () => store.list().slice(), journeys, close };
}

/**
 * Start the collector on 127.0.0.1. `onRequest(req, res, url)` runs first for
 * every request and returns true when it answered (start.mjs mounts the
 * examples that way); everything else is the collector's. `allowedHosts` adds
 * Host values (`name:port`) reads are answered for.
 */
export async function startCollector({ port = 8787, host = '127.0.0.1', allowedHosts = [], onRequest, warn = (line) => console.warn(line), ...options } = {}) {
  let hosts;
  const collector = createCollector({ ...options, warn, hosts: () => hosts });
  const server = createServer((req, res) => {
    const url = parseTarget(req.url);
    if (!url) {
      req.resume(); // let a POST body drain so the client reads the 400
      return send(res, 400, { error: 'bad request: malformed path' }, req.method === 'POST' || req.method === 'OPTIONS' ? INGEST_CORS : {});
    }
    Promise.resolve(onRequest ? onRequest(req, res, url) : false)
      .then((handled) => (handled ? undefined : collector.handle(req, res, url)))
      .catch((error) => {
        warn(`waymark collector: ${req.method} ${url.pathname}: ${error?.message ?? error}`);
        if (!res.headersSent) send(res, 500, { error: 'internal error' });
        else res.destroy();
      });
  });
  await new Promise((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(port, host, () => {
      server.off('error', rejectListen);
      resolveListen(undefined);
    });
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  hosts = expectedHosts(host, actualPort, allowedHosts);
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
    port: actualPort,
    server,
    file: collector.file,
    storage: collector.storage,
    events: collector.events,
    journeys: collector.journeys,
    close: () =>
      new Promise((resolveClose) => {
        collector.close();
        server.close(() => resolveClose(undefined));
        server.closeAllConnections?.();
      }),
  };
}
