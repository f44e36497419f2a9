// A local waymark collector: receives event batches, dedupes them by id, keeps
// them in an append-only JSONL file, serves a JSON API and the live journey
// view. Node built-ins only, so it runs anywhere `node` does.
//
//   node examples/collector.mjs            # http://127.0.0.1:8787/journey/
//   PORT=9000 node examples/collector.mjs
//
// Routes:
//   POST <any path>       a batch: { sentAt, events: [...] } (waymark) or { batch: [...] } (Segment)
//   GET  /api/events      every stored event, oldest first (?since=<ISO time> for newer ones)
//   GET  /api/journeys    funnel, visitors, channels, forms, vitals (computed here)
//   GET  /events/stream   Server-Sent Events: `events` whenever new events arrive
//   GET  /journey/        the journey view

import { createServer } from 'node:http';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const JOURNEY_DIR = join(HERE, 'journey');

/** Default funnel order (SPEC "Journey stages"); stages seen outside it are appended. */
export const DEFAULT_ORDER = ['awareness', 'consideration', 'decision', 'purchase', 'retention', 'advocacy'];

/** Largest request body accepted, in bytes (the SDK sends at most ~60 KB). */
const MAX_BODY = 1_000_000;

/** Content types by file extension, for the static files served here and by start.mjs. */
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

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
  'Access-Control-Max-Age': '86400',
};

/**
 * Start the collector on 127.0.0.1. `onRequest(req, res, url)` runs first for
 * every request and returns true when it answered (start.mjs mounts the
 * examples that way); everything else is the collector's.
 */
export async function startCollector({
  port = 8787,
  host = '127.0.0.1',
  dataDir = join(HERE, '.data'),
  quiet = false,
  onRequest,
} = {}) {
  const collector = createCollector({ dataDir, quiet });
  const server = createServer((req, res) => {
    const url = new URL(req.url || '/', 'http://localhost');
    Promise.resolve(onRequest ? onRequest(req, res, url) : false)
      .then((handled) => (handled ? undefined : collector.handle(req, res, url)))
      .catch((error) => {
        console.error('waymark collector:', error);
        if (!res.headersSent) send(res, 500, { error: 'internal error' });
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
  return {
    url: `http://${host}:${actualPort}`,
    port: actualPort,
    server,
    file: collector.file,
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

/**
 * The collector without a server: `handle(req, res, url)` answers a request,
 * `events()` lists what is stored. Events persist in `<dataDir>/events.jsonl`.
 */
export function createCollector({ dataDir = join(HERE, '.data'), quiet = false } = {}) {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'events.jsonl');
  const stored = loadEvents(file);
  const seen = new Set(stored.map((event) => event.id));
  const streams = new Set();
  let cache = null;

  if (!quiet && stored.length) {
    console.log(`  loaded ${stored.length} event${stored.length === 1 ? '' : 's'} from ${file}`);
  }

  /** Store new events (deduped by id); returns how many were new. */
  function add(events) {
    const receivedAt = new Date().toISOString();
    const fresh = [];
    for (const raw of events) {
      const event = normalizeEvent(raw);
      if (!event || seen.has(event.id)) continue;
      seen.add(event.id);
      event.receivedAt = receivedAt;
      fresh.push(event);
    }
    if (!fresh.length) return 0;
    // One append per batch; a crash mid-write leaves at most one partial line,
    // which loadEvents skips.
    appendFileSync(file, fresh.map((event) => JSON.stringify(event)).join('\n') + '\n');
    stored.push(...fresh);
    cache = null;
    if (!quiet) for (const event of fresh) console.log(describe(event));
    const message = `event: events\ndata: ${JSON.stringify({ added: fresh.length, total: stored.length })}\n\n`;
    for (const res of streams) res.write(message);
    return fresh.length;
  }

  function journeys() {
    cache = cache || aggregate(stored);
    return cache;
  }

  async function handle(req, res, url) {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...CORS,
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] || 'Content-Type',
      });
      res.end();
      return;
    }
    if (req.method === 'POST') return collect(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' });

    const path = url.pathname;
    if (path === '/api/events') {
      const since = url.searchParams.get('since');
      const list = since ? stored.filter((event) => (event.receivedAt || '') > since || event.timestamp > since) : stored;
      return send(res, 200, { count: list.length, events: list });
    }
    if (path === '/api/journeys') return send(res, 200, journeys());
    if (path === '/events/stream') return stream(req, res);
    if (path === '/journey') return redirect(res, '/journey/');
    if (path.startsWith('/journey/')) {
      return serveFile(req, res, JOURNEY_DIR, path.slice('/journey'.length), 'index.html');
    }
    if (path === '/' || path === '/api' || path === '/api/') return redirect(res, '/journey/');
    if (path === '/favicon.ico') return serveFile(req, res, JOURNEY_DIR, '/favicon.svg');
    return send(res, 404, { error: 'not found' });
  }

  async function collect(req, res) {
    let body;
    try {
      body = await readBody(req, MAX_BODY);
    } catch (error) {
      return send(res, error.status || 400, { error: error.message });
    }
    let payload;
    try {
      payload = JSON.parse(body || 'null');
    } catch {
      return send(res, 400, { error: 'body is not JSON' });
    }
    const events = Array.isArray(payload?.events)
      ? payload.events
      : Array.isArray(payload?.batch)
        ? payload.batch.map(fromSegment)
        : Array.isArray(payload)
          ? payload
          : null;
    if (!events) return send(res, 400, { error: 'expected { events: [...] } or { batch: [...] }' });
    const added = add(events);
    return send(res, 200, { ok: true, received: events.length, added });
  }

  function stream(req, res) {
    res.writeHead(200, {
      ...CORS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify({ total: stored.length })}\n\n`);
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

  return { file, handle, add, events: () => stored.slice(), journeys, close };
}

/** Read every stored event; a torn last line (crash mid-write) is skipped. */
function loadEvents(file) {
  if (!existsSync(file)) return [];
  const events = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const event = JSON.parse(line);
      if (event && typeof event.id === 'string') events.push(event);
    } catch {
      /* partial line from an interrupted write */
    }
  }
  return events;
}

/** Keep what looks like an event; give it an id when it has none. */
function normalizeEvent(raw) {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const event = { ...raw };
  if (typeof event.id !== 'string' || !event.id) event.id = `collector-${randomUUID()}`;
  if (typeof event.type !== 'string') event.type = 'track';
  if (typeof event.timestamp !== 'string') event.timestamp = new Date().toISOString();
  if (!event.properties || typeof event.properties !== 'object') event.properties = {};
  return event;
}

const SEGMENT_TYPES = { page: 'page_view', screen: 'page_view', identify: 'identify' };

/** Segment `event` names waymark's `segment` format gives auto-captured types, back to the type. */
const SEGMENT_NAMES = {
  'Element Clicked': 'click',
  'Rage Click': 'rage_click',
  'Dead Click': 'dead_click',
  'Form Started': 'form_start',
  'Form Step Completed': 'form_step',
  'Form Submitted': 'form_submit',
  'Form Abandoned': 'form_abandon',
  'Journey Stage Changed': 'stage_change',
  'Web Vital': 'web_vital',
  'Page Left': 'page_leave',
};

/** Take `prefix`ed keys out of `props` into an object (`element_tag` → `{ tag }`), or undefined. */
function unflatten(props, prefix) {
  const out = {};
  for (const key of Object.keys(props)) {
    if (key.startsWith(prefix)) out[key.slice(prefix.length)] = props[key];
  }
  return Object.keys(out).length ? out : undefined;
}

/** Map one Segment / RudderStack batch item to waymark's shape (messageId → id). */
function fromSegment(item) {
  if (!item || typeof item !== 'object') return item;
  const props = { ...(item.properties || {}) };
  const context = item.context || {};
  const extra = context.waymark || {};
  const named = typeof item.event === 'string' ? item.event : undefined;
  let type = SEGMENT_TYPES[item.type] || SEGMENT_NAMES[named] || 'track';
  const target = unflatten(props, 'element_');
  // A click on a data-waymark element keeps its name as the Segment event name.
  if (type === 'track' && target) type = 'click';
  const field = unflatten(props, 'field_');
  const form = unflatten(props, 'form_');
  if (form && field) form.field = field;
  for (const key of Object.keys(props)) {
    if (/^(element_|form_|field_)/.test(key)) delete props[key];
  }
  const stage = context.journey?.stage ?? props.journey_stage ?? null;
  delete props.journey_stage;
  const page = context.page || {};
  return {
    id: item.messageId || item.id,
    type,
    name: type === 'track' || type === 'click' ? named : undefined,
    timestamp: item.timestamp || item.originalTimestamp,
    seq: extra.seq,
    anonymousId: item.anonymousId,
    sessionId: extra.sessionId,
    userId: item.userId,
    stage,
    stageRule: context.journey?.rule,
    page: { url: page.url, path: page.path, title: page.title, referrer: page.referrer },
    properties: type === 'page_view' ? {} : props,
    target,
    form,
    traits: item.traits,
    context: { ...context, channel: context.channel, pageViewId: extra.pageViewId },
    format: 'segment',
  };
}

/** One console line per event: time, type, stage, and what it was about. */
function describe(event) {
  const time = (event.timestamp || '').slice(11, 19);
  const stage = event.stage ? `[${event.stage}]` : '[-]';
  return `  ${time}  ${pad(event.type, 13)} ${pad(stage, 16)} ${subject(event)}`;
}

/** A short human description of what an event is about. */
export function subject(event) {
  const p = event.properties || {};
  const path = event.page?.path || '';
  switch (event.type) {
    case 'stage_change':
      return `${p.from ?? '∅'} → ${p.to ?? event.stage}  (${p.rule ?? event.stageRule ?? 'rule'})`;
    case 'click':
    case 'rage_click':
    case 'dead_click':
      return `${event.name || event.target?.text || event.target?.selector || 'click'}  on ${path}`;
    case 'form_start':
    case 'form_step':
    case 'form_submit':
    case 'form_abandon': {
      const f = event.form || {};
      const step = f.step != null ? ` step ${f.step}` : '';
      const field = f.field?.name ? ` field ${f.field.name}` : '';
      return `#${formKey(event)}${step}${field}  on ${path}`;
    }
    case 'web_vital':
      return `${p.name} ${typeof p.value === 'number' ? round(p.value) : p.value} (${p.rating ?? '?'})  on ${path}`;
    case 'track':
      return `${event.name}  on ${path}`;
    case 'identify':
      return `user ${event.userId ?? ''}`;
    default:
      return event.name ? `${event.name}  ${path}` : path;
  }
}

function pad(text, width) {
  const s = String(text ?? '');
  return s.length >= width ? s : s + ' '.repeat(width - s.length);
}

function round(n) {
  return Math.abs(n) < 1 ? Math.round(n * 1000) / 1000 : Math.round(n);
}

function formKey(event) {
  const f = event.form || {};
  return f.id || f.name || f.action || 'form';
}

/** Percentile of a list of numbers (nearest rank). */
function percentile(values, p) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function byTime(a, b) {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1;
  if (a.sessionId === b.sessionId && typeof a.seq === 'number' && typeof b.seq === 'number') return a.seq - b.seq;
  return 0;
}

/** Channel of an event: the session's, else the first touch's. */
function channelOf(event) {
  const c = event.context || {};
  return c.channel || c.lastTouch?.channel || c.firstTouch?.channel || null;
}

/** A touchpoint for a visitor's timeline, or null for events not worth a line. */
function touchpoint(event) {
  const kind = {
    page_view: 'page',
    click: 'click',
    rage_click: 'friction',
    dead_click: 'friction',
    form_start: 'form',
    form_step: 'form',
    form_submit: 'form',
    form_abandon: 'form',
    track: 'track',
    identify: 'identify',
    stage_change: 'stage',
    web_vital: 'vital',
  }[event.type];
  if (!kind) return null;
  const p = event.properties || {};
  const entry = {
    at: event.timestamp,
    type: event.type,
    kind,
    stage: event.stage ?? null,
    path: event.page?.path || '',
    label: subject(event),
  };
  if (kind === 'stage') Object.assign(entry, { from: p.from ?? null, to: p.to ?? event.stage, rule: p.rule ?? event.stageRule ?? null });
  if (kind === 'page') entry.label = event.page?.title ? `${entry.path} — ${event.page.title}` : entry.path;
  if (kind === 'click') entry.label = event.name || event.target?.text || event.target?.selector || 'click';
  if (kind === 'form') {
    const f = event.form || {};
    entry.form = formKey(event);
    if (f.step != null) entry.step = String(f.step);
    if (f.field?.name) entry.field = f.field.name;
    entry.label = `${event.type.replace('form_', '')} #${entry.form}${f.step != null ? ` · ${f.step}` : ''}${f.field?.name ? ` · ${f.field.name}` : ''}`;
  }
  if (kind === 'track') entry.label = event.name || 'track';
  if (kind === 'identify') entry.label = `identified as ${event.userId ?? '?'}`;
  if (kind === 'vital') entry.label = `${p.name} ${typeof p.value === 'number' ? round(p.value) : ''} ${p.rating ?? ''}`.trim();
  if (kind === 'friction') entry.label = `${event.type.replace('_', ' ')} ${event.target?.text || event.target?.selector || ''}`.trim();
  return entry;
}

/**
 * Everything the journey view shows, computed from the stored events: the
 * stage funnel, each visitor's timeline, channels, form drop-off, and vitals
 * and friction per stage.
 */
export function aggregate(events, baseOrder = DEFAULT_ORDER) {
  const sorted = [...events].sort(byTime);
  const order = [...baseOrder];
  for (const event of sorted) {
    const stages = [event.stage, event.type === 'stage_change' ? event.properties?.to : null];
    for (const s of stages) if (typeof s === 'string' && s && !order.includes(s)) order.push(s);
  }
  const rank = (stage) => (stage == null ? -1 : order.indexOf(stage));

  const visitors = new Map();
  const forms = new Map();
  const perStage = new Map(order.map((s) => [s, { stage: s, vitals: {}, rageClicks: 0, deadClicks: 0, events: 0 }]));
  const sessions = new Set();

  for (const event of sorted) {
    const key = event.anonymousId || event.userId || 'unknown';
    let v = visitors.get(key);
    if (!v) {
      v = {
        id: key,
        userId: null,
        channel: null,
        campaign: null,
        firstSeen: event.timestamp,
        lastSeen: event.timestamp,
        stage: null,
        furthest: null,
        events: 0,
        pages: 0,
        sessions: new Set(),
        changes: [],
        touchpoints: [],
      };
      visitors.set(key, v);
    }
    v.events += 1;
    v.lastSeen = event.timestamp;
    if (event.userId) v.userId = event.userId;
    if (event.sessionId) {
      v.sessions.add(event.sessionId);
      sessions.add(event.sessionId);
    }
    if (!v.channel) {
      const channel = channelOf(event);
      if (channel) {
        v.channel = channel;
        v.campaign = event.context?.campaign || event.context?.firstTouch?.campaign || null;
      }
    }
    if (event.type === 'page_view') v.pages += 1;
    if (event.type === 'stage_change') {
      const to = event.properties?.to ?? event.stage;
      v.changes.push({ at: event.timestamp, from: event.properties?.from ?? null, to, rule: event.properties?.rule ?? event.stageRule ?? null });
      v.stage = to;
    } else if (event.stage) {
      v.stage = event.stage;
    }
    for (const s of [event.stage, event.type === 'stage_change' ? event.properties?.to : null]) {
      if (s && rank(s) > rank(v.furthest)) v.furthest = s;
    }
    const tp = touchpoint(event);
    if (tp && tp.kind !== 'vital') v.touchpoints.push(tp);

    if (event.type.startsWith('form_')) {
      const id = formKey(event);
      let f = forms.get(id);
      if (!f) {
        f = { form: id, path: event.page?.path || '', started: 0, steps: new Map(), submitted: 0, abandoned: 0, visitors: new Set() };
        forms.set(id, f);
      }
      f.visitors.add(key);
      if (event.type === 'form_start') f.started += 1;
      if (event.type === 'form_submit') f.submitted += 1;
      if (event.type === 'form_abandon') f.abandoned += 1;
      if (event.form?.step != null) {
        // Visitors who reached each step, in the order steps were first seen.
        const step = String(event.form.step);
        if (!f.steps.has(step)) f.steps.set(step, new Set());
        f.steps.get(step).add(key);
      }
    }

    const bucket = event.stage ? perStage.get(event.stage) : null;
    if (bucket) {
      bucket.events += 1;
      if (event.type === 'rage_click') bucket.rageClicks += 1;
      if (event.type === 'dead_click') bucket.deadClicks += 1;
      if (event.type === 'web_vital' && typeof event.properties?.value === 'number' && event.properties.name) {
        const name = String(event.properties.name);
        const vital = (bucket.vitals[name] = bucket.vitals[name] || { values: [], good: 0, 'needs-improvement': 0, poor: 0 });
        vital.values.push(event.properties.value);
        const rating = event.properties.rating;
        if (rating in vital) vital[rating] += 1;
      }
    }
  }

  const list = [...visitors.values()];
  const funnel = order.map((stage, i) => {
    const reached = list.filter((v) => rank(v.furthest) >= i).length;
    const current = list.filter((v) => v.stage === stage).length;
    return { stage, reached, current };
  });
  funnel.forEach((step, i) => {
    const prev = funnel[i - 1];
    step.conversion = i === 0 ? null : prev.reached ? step.reached / prev.reached : null;
  });

  const channels = new Map();
  for (const v of list) {
    const name = v.channel || 'unknown';
    let c = channels.get(name);
    if (!c) {
      c = { channel: name, visitors: 0, reached: order.map(() => 0), furthest: Object.fromEntries(order.map((s) => [s, 0])) };
      channels.set(name, c);
    }
    c.visitors += 1;
    if (v.furthest) c.furthest[v.furthest] += 1;
    for (let i = 0; i <= rank(v.furthest); i++) c.reached[i] += 1;
  }

  const vitals = [...perStage.values()]
    .filter((s) => s.events > 0)
    .map((s) => ({
      stage: s.stage,
      events: s.events,
      rageClicks: s.rageClicks,
      deadClicks: s.deadClicks,
      vitals: Object.fromEntries(
        Object.entries(s.vitals).map(([name, v]) => [
          name,
          { p75: percentile(v.values, 75), count: v.values.length, good: v.good, needsImprovement: v['needs-improvement'], poor: v.poor },
        ]),
      ),
    }));

  return {
    generatedAt: new Date().toISOString(),
    order,
    totals: { events: events.length, visitors: list.length, sessions: sessions.size, lastEventAt: sorted.at(-1)?.timestamp ?? null },
    funnel,
    channels: [...channels.values()].sort((a, b) => b.visitors - a.visitors),
    forms: [...forms.values()]
      .map(({ visitors: vs, steps, ...f }) => ({
        ...f,
        steps: Object.fromEntries([...steps].map(([step, who]) => [step, who.size])),
        visitors: vs.size,
        dropOff: f.started ? Math.max(0, f.started - f.submitted) / f.started : null }))
      .sort((a, b) => b.started - a.started),
    stages: vitals,
    visitors: list
      .sort((a, b) => (a.lastSeen < b.lastSeen ? 1 : -1))
      .map(({ sessions: ss, touchpoints, ...v }) => ({
        ...v,
        sessions: ss.size,
        touchpoints: touchpoints.slice(-150),
        truncated: Math.max(0, touchpoints.length - 150),
      })),
  };
}

function readBody(req, limit) {
  return new Promise((resolveBody, rejectBody) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) {
        rejectBody(Object.assign(new Error(`body larger than ${limit} bytes`), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', rejectBody);
  });
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...CORS,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function redirect(res, location) {
  res.writeHead(302, { Location: location });
  res.end();
}

/**
 * Serve `relPath` from `root` (no path escapes). A directory path gets
 * `index`; a missing file gets `fallback` when given (SPA routes), else 404.
 * Returns true when it answered.
 */
export async function serveFile(req, res, root, relPath, index = 'index.html', fallback) {
  let rel = decodeURIComponent(relPath || '/');
  if (rel.endsWith('/')) rel += index;
  const full = normalize(join(root, rel));
  const base = resolve(root);
  if (full !== base && !full.startsWith(base + sep)) {
    send(res, 403, { error: 'forbidden' });
    return true;
  }
  let data;
  let path = full;
  try {
    data = await readFile(full);
  } catch {
    if (!fallback) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`404 — ${relPath} not found\n`);
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

// `node examples/collector.mjs` runs the collector alone.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT || 8787);
  startCollector({ port }).then(
    (c) => {
      console.log(`\n  waymark collector on ${c.url}/collect\n  journey view:  ${c.url}/journey/\n  stored in:     ${c.file}\n`);
      const stop = () => c.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error) => {
      if (error.code === 'EADDRINUSE') {
        console.error(`port ${port} is busy; try PORT=${port + 1} node examples/collector.mjs`);
      } else console.error(error);
      process.exit(1);
    },
  );
}
