// @vitest-environment node
// The collector over real HTTP: ingest open to any origin, reads same-origin
// only, a 413 a real client actually sees, no loss when the disk fails, the
// storage cap, pagination, and bad escapes answered 400 without a stack trace.
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS module without type declarations
import { startCollector, MAX_BODY_BYTES } from '../../examples/collector.mjs';
// @ts-expect-error plain JS module without type declarations
import { createStorage, appendDurably } from '../../examples/collector/storage.mjs';
// @ts-expect-error plain JS module without type declarations
import { readRefusal, expectedHosts } from '../../examples/collector/server.mjs';

interface Collector {
  url: string;
  port: number;
  file: string;
  events(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

let dir: string;
let c: Collector | undefined;
let warnings: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'waymark-server-'));
  warnings = [];
});
afterEach(async () => {
  await c?.close();
  c = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const start = async (options: Record<string, unknown> = {}) => {
  c = (await startCollector({ port: 0, dataDir: dir, quiet: true, warn: (line: string) => warnings.push(line), ...options })) as Collector;
  return c;
};
const event = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'page_view',
  timestamp: new Date().toISOString(),
  anonymousId: 'a1',
  sessionId: 's1',
  stage: 'awareness',
  page: { url: 'http://shop.test/', path: '/', title: 'Home', referrer: '' },
  properties: {},
  context: { channel: 'email' },
  ...extra,
});
const post = (url: string, body: unknown, path = '/collect') =>
  fetch(`${url}${path}`, { method: 'POST', headers: { 'Content-Type': 'text/plain;charset=UTF-8' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** A raw GET with exactly these headers (fetch will not let us pick Host). */
function get(port: number, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers, setHost: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('ingest', () => {
  it('stores the good events of a batch and reports each rejected one', async () => {
    const { url } = await start();
    const res = await post(url, { sentAt: new Date().toISOString(), events: [event('a'), event('b', { userId: ['x'] }), event('c'), 5] });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.json()).toEqual({
      ok: true,
      received: 4,
      added: 2,
      duplicates: 0,
      rejectedCount: 2,
      rejected: [
        { index: 1, id: 'b', reason: 'userId: expected a string' },
        { index: 3, reason: 'not an object' },
      ],
    });
    expect(c!.events().map((e) => e.id)).toEqual(['a', 'c']);
    expect(warnings).toEqual([expect.stringMatching(/rejected 2 of 4 events \(#1 "b": userId: expected a string; #3: not an object\)/)]);
    const retry = await (await post(url, { events: [event('c'), event('a'), event('d')] })).json();
    expect(retry).toMatchObject({ added: 1, duplicates: 2, rejected: [] });
  });

  it('lists at most MAX_REPORTED rejections, counting them all', async () => {
    const { url } = await start();
    const res = await post(url, { events: [event('fine'), ...Array.from({ length: 5000 }, () => 0)] });
    const answer = await res.json();
    expect(answer).toMatchObject({ added: 1, rejectedCount: 5000 });
    expect(answer.rejected).toHaveLength(1000);
    expect(warnings).toHaveLength(1);
  });

  it('answers 400 when nothing in the body is usable', async () => {
    const { url } = await start();
    expect((await post(url, '{not json')).status).toBe(400);
    expect((await post(url, { nope: true })).status).toBe(400);
    const allBad = await post(url, { events: [{ type: 'x' }] });
    expect(allBad.status).toBe(400);
    expect(await allBad.json()).toMatchObject({ added: 0, rejected: [{ index: 0, reason: 'id: missing' }] });
  });

  it('stores version-2 bodies as expanded, self-contained events', async () => {
    const { url } = await start();
    const shared = { anonymousId: 'v2-visitor', sessionId: 's9', page: { url: 'http://shop.test/p', path: '/p', title: 'P', referrer: '' }, context: { channel: 'social' } };
    const res = await post(url, { v: 2, sentAt: new Date().toISOString(), shared, events: [{ id: 'x1', type: 'page_view', timestamp: new Date().toISOString() }, { id: 'x2', type: 'click', name: 'buy' }] });
    expect(await res.json()).toMatchObject({ added: 2 });
    const stored = readFileSync(c!.file, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(stored[1]).toMatchObject({ id: 'x2', type: 'click', name: 'buy', anonymousId: 'v2-visitor', sessionId: 's9', page: { path: '/p' }, context: { channel: 'social' } });
    const journeys = await (await fetch(`${url}/api/journeys`)).json();
    expect(journeys.channels.map((ch: { channel: string }) => ch.channel)).toEqual(['social']);
  });

  it('keeps /api/journeys answering after crafted events, across a restart', async () => {
    const { url } = await start();
    const crafted = `{"events":[
      {"id":"p1","type":"web_vital","stage":"awareness","anonymousId":"a1","properties":{"name":"__proto__","value":1,"rating":"good"}},
      {"id":"p2","type":"page_view","stage":"awareness","anonymousId":7,"userId":8,"context":{"channel":"email"},"page":{"path":"/","title":"<img src=x onerror=alert(1)>"}},
      {"id":"p3","type":"page_view","anonymousId":"a3","context":{"channel":9}},
      {"id":"p4","type":"track","name":"x","properties":{"__proto__":{"polluted":true}}}]}`;
    const res = await post(url, crafted);
    expect(await res.json()).toMatchObject({ added: 4, rejected: [] });
    for (let round = 0; round < 2; round++) {
      const journeys = await fetch(`${c!.url}/api/journeys`);
      expect(journeys.status).toBe(200);
      const data = await journeys.json();
      expect(data.visitors.map((v: { id: string }) => v.id).sort()).toEqual(['7', 'a1', 'a3', 'unknown']);
      expect(data.channels.map((ch: { channel: string }) => ch.channel).sort()).toEqual(['9', 'email', 'unknown']);
      expect(data.stages[0].vitals.__proto__).toMatchObject({ p75: 1 });
      await c!.close();
      await start();
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('limits', () => {
  it('answers an oversized body with a 413 the client actually receives', async () => {
    const { url } = await start();
    const big = JSON.stringify({ events: [event('big', { properties: { blob: 'x'.repeat(MAX_BODY_BYTES + 1000) } })] });
    const res = await post(url, big);
    expect(res.status).toBe(413);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect((await res.json()).error).toMatch(/larger than/);
    // Streamed without a length: still a 413, not a reset.
    const chunks = Array.from({ length: 24 }, () => new TextEncoder().encode('x'.repeat(64 * 1024)));
    const body = new ReadableStream({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const streamed = await fetch(`${url}/collect`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    await streamed.text();
    // The server is fine afterwards.
    expect((await post(url, { events: [event('small')] })).status).toBe(200);
  });

  it('answers 503 with Retry-After when the write fails, and the retry stores the events', async () => {
    let failing = true;
    const storage = createStorage({
      file: join(dir, 'events.jsonl'),
      write: async (file: string, text: string) => {
        if (failing) throw new Error('EIO: disk failed');
        return appendDurably(file, text);
      },
    });
    const { url } = await start({ storage });
    const batch = { events: [event('w1'), event('w2')] };
    const failed = await post(url, batch);
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBeTruthy();
    expect(failed.headers.get('access-control-expose-headers')).toMatch(/Retry-After/i);
    expect(c!.events()).toEqual([]);
    expect(warnings.join('\n')).toMatch(/could not write .*EIO/);
    failing = false;
    const retried = await post(url, batch);
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ added: 2, duplicates: 0 });
    expect(readFileSync(join(dir, 'events.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('answers 503 when the real file cannot be written, and stores the retry once it can', async () => {
    const { url, file } = await start();
    expect((await post(url, { events: [event('r1')] })).status).toBe(200);
    rmSync(file);
    mkdirSync(file); // the events file is now a directory: every append fails
    const failed = await post(url, { events: [event('r2')] });
    expect(failed.status).toBe(503);
    rmSync(file, { recursive: true });
    const retried = await post(url, { events: [event('r2')] });
    expect(await retried.json()).toMatchObject({ added: 1 });
    expect(readFileSync(file, 'utf8')).toContain('"r2"');
  });

  it('answers 507 once storage is full, logging it once', async () => {
    const { url } = await start({ maxStoredEvents: 3 });
    expect((await post(url, { events: [event('1'), event('2')] })).status).toBe(200);
    const full = await post(url, { events: [event('3'), event('4')] });
    expect(full.status).toBe(507);
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await full.json()).error).toMatch(/storage is full/);
    expect((await post(url, { events: [event('5'), event('6')] })).status).toBe(507);
    expect(warnings.filter((w) => /storage is full/.test(w))).toHaveLength(1);
    // A retry of what is already stored is still a success.
    expect((await post(url, { events: [event('1')] })).status).toBe(200);
  });

  it('pages /api/events with after/limit and a next cursor', async () => {
    const { url } = await start();
    const ids = Array.from({ length: 7 }, (_, i) => `p${i}`);
    await post(url, { events: ids.map((id) => event(id)) });
    const seen: string[] = [];
    let next: string | null = '0';
    let pages = 0;
    let cursor = '0';
    while (next !== null) {
      const page = await (await fetch(`${url}/api/events?after=${next}&limit=3`)).json();
      expect(page.events.length).toBeLessThanOrEqual(3);
      expect(page.total).toBe(7);
      seen.push(...page.events.map((e: { id: string }) => e.id));
      next = page.next;
      cursor = page.cursor;
      pages++;
    }
    expect(seen).toEqual(ids);
    expect(pages).toBe(3);
    await post(url, { events: [event('later')] });
    const newer = await (await fetch(`${url}/api/events?after=${cursor}`)).json();
    expect(newer.events.map((e: { id: string }) => e.id)).toEqual(['later']);
    for (const bad of ['after=-1', 'after=abc', 'after=99', 'limit=0', 'limit=x']) {
      expect((await fetch(`${url}/api/events?${bad}`)).status).toBe(400);
    }
  });
});

describe('same-origin reads', () => {
  it('answers reads to this origin only, with no wildcard CORS', async () => {
    const { port } = await start();
    const self = `127.0.0.1:${port}`;
    for (const path of ['/api/events', '/api/journeys', '/journey/']) {
      const ok = await get(port, path, { Host: self });
      expect(ok.status, path).toBe(200);
      expect(ok.headers['access-control-allow-origin'], path).toBeUndefined();
      expect((await get(port, path, { Host: `localhost:${port}`, Origin: `http://localhost:${port}`, 'Sec-Fetch-Site': 'same-origin' })).status).toBe(200);
      const refusals: Array<Record<string, string>> = [
        { Host: `evil.example:${port}` }, // DNS rebinding
        { Host: `127.0.0.1:${port + 1}` },
        { Host: self, Origin: 'http://evil.example' },
        { Host: self, Origin: `http://localhost:${port}` },
        { Host: self, Origin: 'null' },
        { Host: self, 'Sec-Fetch-Site': 'cross-site' },
      ];
      for (const headers of refusals) {
        const refused = await get(port, path, headers);
        expect(refused.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
        expect(refused.body).not.toContain('"events"');
      }
    }
  });

  it('refuses the event stream to other origins', async () => {
    const { port } = await start();
    expect((await get(port, '/events/stream', { Host: `evil.example:${port}` })).status).toBe(403);
    expect((await get(port, '/events/stream', { Host: `127.0.0.1:${port}`, Origin: 'http://evil.example' })).status).toBe(403);
  });

  it('keeps ingest open to any origin, preflight included', async () => {
    const { url } = await start();
    const res = await fetch(`${url}/collect`, { method: 'POST', headers: { Origin: 'http://any.example' }, body: JSON.stringify({ events: [event('o1')] }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const preflight = await fetch(`${url}/collect`, { method: 'OPTIONS', headers: { Origin: 'http://any.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-api-key' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).not.toContain('GET');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('x-api-key');
  });

  it('expectedHosts and readRefusal as functions', () => {
    const hosts = expectedHosts('127.0.0.1', 8787);
    expect(readRefusal({ host: '127.0.0.1:8787' }, hosts)).toBeNull();
    expect(readRefusal({ host: 'LOCALHOST:8787' }, hosts)).toBeNull();
    expect(readRefusal({}, hosts)).toMatch(/Host/);
    expect(readRefusal({ host: 'attacker.test:8787' }, hosts)).toMatch(/Host/);
    expect(readRefusal({ host: 'localhost:8787', origin: 'http://127.0.0.1:8787' }, hosts)).toMatch(/cross-origin/);
    expect(readRefusal({ host: 'localhost:8787', 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'cors' }, hosts)).toMatch(/cross-site/);
    expect(readRefusal({ host: 'localhost:8787', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' }, hosts)).toMatch(/cross-site/);
    // Following a link to the view from another site opens it in its own origin: allowed.
    expect(readRefusal({ host: 'localhost:8787', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }, hosts)).toBeNull();
    expect(readRefusal({ host: 'localhost:9999' })).toBeNull();
    expect(readRefusal({ host: 'attacker.test' })).toMatch(/Host/);
  });
});

describe('bad requests', () => {
  it('answers malformed % escapes with 400, not a 500 or a stack trace', async () => {
    const { port, url } = await start();
    for (const path of ['/journey/%E0%A4%A', '/api/%ZZ', '/%', '/journey/%c0%af']) {
      const res = await get(port, path, { Host: `127.0.0.1:${port}` });
      expect(res.status, path).toBe(400);
      expect(res.body).not.toMatch(/at .*\.mjs/);
    }
    const badPost = await post(url, { events: [event('e')] }, '/collect/%zz');
    expect(badPost.status).toBe(400);
    expect(badPost.headers.get('access-control-allow-origin')).toBe('*');
    expect(warnings).toEqual([]);
  });

  it('does not leave the journey directory', async () => {
    const { port } = await start();
    const res = await get(port, '/journey/..%2f..%2fpackage.json', { Host: `127.0.0.1:${port}` });
    expect([403, 404]).toContain(res.status);
    expect(res.body).not.toContain('"devDependencies"');
  });
});
