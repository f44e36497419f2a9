/**
 * The two local servers of the benchmark: a collector that answers 200 to
 * everything and counts what it receives, and a page server for the test
 * page and the SDK bundles. Both listen on 127.0.0.1 only.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

/** Event names the harness tracks look like `bench_<phase>_<run>_<i>`. */
const NAME_RE = /bench_([a-z]+)_(\d+)_(\d+)/g;
const HAS_NAME = /bench_[a-z]+_\d+_\d+/;
const B64_RE = /[A-Za-z0-9+/_-]{24,}={0,2}/g;

const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

/** Decode a body whatever the SDK did to it: gzip, form encoding, base64 fields. */
export function decodeBody(buf, url) {
  let text = '';
  try {
    text = buf[0] === 0x1f && buf[1] === 0x8b ? zlib.gunzipSync(buf).toString('utf8') : buf.toString('utf8');
  } catch {
    text = buf.toString('latin1');
  }
  let extra = '';
  const q = url.indexOf('?');
  const all = text + (q >= 0 ? '&' + url.slice(q + 1) : '');
  if (!HAS_NAME.test(all) || /ue_px|data=|cx=/.test(all)) {
    let plain = all;
    try { plain = decodeURIComponent(all.replace(/\+/g, ' ')); } catch { /* keep raw */ }
    for (const token of plain.match(B64_RE) || []) {
      try {
        const b = Buffer.from(token.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
        if (b[0] === 0x1f && b[1] === 0x8b) extra += zlib.gunzipSync(b).toString('utf8');
        else extra += b.toString('utf8');
      } catch { /* not base64 after all */ }
    }
  }
  return text + '\n' + extra;
}

/** Distinct bench event names in a decoded body, as `phase_run_i` keys. */
export function eventKeys(text) {
  const keys = new Set();
  for (const m of text.matchAll(NAME_RE)) keys.add(`${m[1]}_${m[2]}_${m[3]}`);
  return keys;
}

const JSON_OK = JSON.stringify({ code: 200, status: 'ok' });

/**
 * Start the collector. Every request is logged with its time, method, path,
 * body bytes (as sent) and request-header bytes, and the bench event keys it
 * carried. `/blank.html` is the "other origin" the exit test navigates to.
 */
export async function startCollector() {
  const log = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headerBytes =
        `${req.method} ${req.url} HTTP/1.1\r\n`.length +
        req.rawHeaders.reduce((n, h, i) => n + h.length + (i % 2 ? 2 : 2), 0) + 2;
      const entry = { t: Date.now(), method: req.method, path: req.url, bodyBytes: body.length, headerBytes, keys: [] };
      if (req.method !== 'OPTIONS' && req.method !== 'HEAD' && body.length) {
        entry.keys = [...eventKeys(decodeBody(body, req.url))];
      } else if (req.method === 'GET') {
        entry.keys = [...eventKeys(decodeBody(Buffer.alloc(0), req.url))];
      }
      log.push(entry);
      const origin = req.headers.origin;
      const headers = {
        'Access-Control-Allow-Origin': origin || '*',
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Methods': 'GET, POST, PUT, OPTIONS',
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] || '*',
        'Access-Control-Max-Age': '86400',
        'Cross-Origin-Resource-Policy': 'cross-origin',
        'Cache-Control': 'no-store',
      };
      const path = req.url.split('?')[0];
      if (req.method === 'OPTIONS') { res.writeHead(200, headers); res.end(); return; }
      if (path === '/blank.html') {
        res.writeHead(200, { ...headers, 'Content-Type': 'text/html' });
        res.end('<!doctype html><title>elsewhere</title><p>another origin</p>');
        return;
      }
      if (path.endsWith('.js')) {
        // PostHog loads remote config and extensions as scripts from api_host: answer with an empty script.
        res.writeHead(200, { ...headers, 'Content-Type': 'application/javascript' });
        res.end('');
        return;
      }
      res.writeHead(200, { ...headers, 'Content-Type': 'application/json' });
      res.end(/flags|decide/.test(path) ? '{}' : JSON_OK);
    });
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    /** Entries logged at or after `since` (ms epoch). */
    since: (since) => log.filter((e) => e.t >= since),
    clear: () => { log.length = 0; },
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

const TYPES = { '.html': 'text/html', '.js': 'application/javascript', '.mjs': 'application/javascript', '.css': 'text/css' };

/**
 * Start the page server. `files` maps URL paths to { body, type }; `dirs`
 * maps URL prefixes to folders served as-is (waymark's dist/, for lazy chunks).
 * Pages are served cross-origin isolated (COOP + COEP credentialless) so that
 * performance.now() has 5 µs resolution instead of 100 µs.
 */
export async function startPageServer({ files, dirs = {} }) {
  const served = [];
  const server = http.createServer(async (req, res) => {
    const path = decodeURIComponent(req.url.split('?')[0]);
    const isolation = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'credentialless',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    };
    let body = files.get(path)?.body;
    let type = files.get(path)?.type;
    if (body === undefined) {
      for (const [prefix, dir] of Object.entries(dirs)) {
        if (!path.startsWith(prefix)) continue;
        const rel = normalize(path.slice(prefix.length)).replace(/^(\.\.[/\\])+/, '');
        try { body = await readFile(join(dir, rel)); type = TYPES[extname(rel)] || 'application/octet-stream'; } catch { /* 404 */ }
      }
    }
    if (body === undefined) { res.writeHead(404, isolation); res.end('not found'); return; }
    served.push({ t: Date.now(), path, bytes: Buffer.byteLength(body) });
    res.writeHead(200, { ...isolation, 'Content-Type': type });
    res.end(body);
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}
