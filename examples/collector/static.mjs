// Static files for the journey view and the demo (start.mjs): content types,
// a strict Content-Security-Policy, and a file server that never leaves its root.

import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

/** Content types by file extension. */
export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** A strict Content-Security-Policy: the examples and the view run without inline scripts or styles. */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** `decodeURIComponent`, or null for a malformed `%` escape. */
export function decodePath(path) {
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}

function plain(res, status, text) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}

/**
 * Serve `relPath` from `root` (no path escapes). A directory path gets
 * `index`; a missing file gets `fallback` when given (SPA routes), else 404.
 * A malformed escape gets 400. Returns true when it answered.
 */
export async function serveFile(req, res, root, relPath, index = 'index.html', fallback) {
  let rel = decodePath(relPath || '/');
  if (rel === null || rel.includes('\0')) {
    plain(res, 400, 'bad request: malformed path\n');
    return true;
  }
  if (rel.endsWith('/')) rel += index;
  const full = normalize(join(root, rel));
  const base = resolve(root);
  if (full !== base && !full.startsWith(base + sep)) {
    plain(res, 403, 'forbidden\n');
    return true;
  }
  let data;
  let path = full;
  try {
    data = await readFile(full);
  } catch {
    if (!fallback) {
      plain(res, 404, 'not found\n');
      return true;
    }
    path = fallback;
    data = await readFile(fallback);
  }
  const type = MIME[extname(path)] || 'application/octet-stream';
  const headers = { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
  if (type.startsWith('text/html')) headers['Content-Security-Policy'] = CSP;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : data);
  return true;
}
