// `npm start`: install what is missing, build, and serve everything on one
// port of 127.0.0.1 — the demo shop, the SPA example, the built SDK, the
// collector and the live journey view.

import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveFile, startCollector } from './collector.mjs';

const EXAMPLES = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(EXAMPLES, '..');
const DIST = join(ROOT, 'dist');
const SHOP = join(EXAMPLES, 'shop');
const SPA = join(EXAMPLES, 'spa');

/**
 * Start the demo server: the shop at `/`, the SPA at `/spa/`, the SDK builds
 * at `/waymark.min.js` and `/waymark.mjs`, the collector at `/collect` and
 * `/api/*`, the journey view at `/journey/`. Resolves to the collector handle
 * (`url`, `port`, `events()`, `close()`).
 */
export function startDemo({ port = 8080, host = '127.0.0.1', dataDir = join(EXAMPLES, '.data'), quiet = false } = {}) {
  return startCollector({ port, host, dataDir, quiet, onRequest: serveExamples });
}

/** Answer requests for the examples and the SDK builds; false leaves the request to the collector. */
async function serveExamples(req, res, url) {
  const path = url.pathname;
  if (req.method === 'POST' && path.endsWith('.html')) {
    // The shop's checkout form posts its order here; a real shop would store
    // it. Post/redirect/get so a reload of the thank-you page is harmless.
    req.resume();
    res.writeHead(303, { Location: path });
    res.end();
    return true;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (/^\/waymark(\.min\.js|\.mjs|\.d\.ts|-[\w.-]+\.m?js)(\.map)?$/.test(path) || path.startsWith('/chunks/')) {
    // Build outputs and lazily loaded chunks; the shop's own waymark-init.js is not one.
    if (existsSync(join(DIST, path))) return serveFile(req, res, DIST, path);
    if (/^\/waymark\.(min\.js|mjs)$/.test(path)) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('dist/ is missing: run `npm run build` (npm start does it for you)\n');
      return true;
    }
  }
  if (path === '/spa') {
    res.writeHead(302, { Location: '/spa/' });
    res.end();
    return true;
  }
  if (path.startsWith('/spa/')) {
    const rel = path.slice('/spa'.length);
    // History routes (/spa/pricing) fall back to the app's index.html; files are served as they are.
    const isFile = /\.[a-z0-9]+$/i.test(rel);
    return serveFile(req, res, SPA, rel, 'index.html', isFile ? undefined : join(SPA, 'index.html'));
  }
  if (path.startsWith('/api/') || path.startsWith('/journey') || path === '/events/stream') return false;
  if (path === '/' || /^\/[\w.-]+\.(html|css|js|svg|png|ico)$/.test(path)) {
    if (path === '/favicon.ico') return serveFile(req, res, join(EXAMPLES, 'journey'), '/favicon.svg');
    return serveFile(req, res, SHOP, path);
  }
  return false;
}

function run(command, args) {
  console.log(`  $ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    console.error(`\n  \`${command} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal}).`);
    process.exit(1);
  }
}

/** Resolves to the listen error for `port` on 127.0.0.1, or null when it is free. */
function portProblem(port) {
  return new Promise((resolveCheck) => {
    const probe = createServer();
    probe.once('error', (error) => resolveCheck(error));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolveCheck(null)));
  });
}

function portError(port, error) {
  if (error.code === 'EADDRINUSE') {
    console.error(`\n  port ${port} is busy; try PORT=${port + 1} npm start\n`);
  } else if (error.code === 'EACCES') {
    console.error(`\n  port ${port} needs more privileges; try PORT=8080 npm start\n`);
  } else console.error(error);
  process.exit(1);
}

async function main() {
  const port = Number(process.env.PORT || 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be a port number, got "${process.env.PORT}"`);
    process.exit(1);
  }
  // Find out about a busy port before a minute of installing and building.
  const problem = await portProblem(port);
  if (problem) portError(port, problem);

  if (!existsSync(join(ROOT, 'node_modules'))) {
    run('npm', existsSync(join(ROOT, 'package-lock.json')) ? ['ci'] : ['install']);
  }
  run('npm', ['run', 'build', '--silent']);

  let demo;
  try {
    demo = await startDemo({ port });
  } catch (error) {
    portError(port, error);
  }

  const u = demo.url;
  console.log(`
  waymark demo is running — open these in your browser:

    shop (script tag)      ${u}/
    campaign landing       ${u}/landing.html?utm_source=newsletter&utm_medium=email&utm_campaign=autumn
    single-page app (ESM)  ${u}/spa/
    journey view (live)    ${u}/journey/

  collector: POST ${u}/collect · JSON: ${u}/api/events, ${u}/api/journeys
  events are kept in ${join(demo.file)} (delete it to start over)
  Ctrl-C to stop. Each event received is printed below.
`);

  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1); // a second Ctrl-C does not wait
    stopping = true;
    console.log('\n  stopping…');
    demo.close().then(() => {
      console.log('  stopped.');
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
