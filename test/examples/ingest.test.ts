// @vitest-environment node
// Ingest: every field checked as it arrives, one bad event never costs the
// rest of its batch, wire format v2 expands to self-contained events, and
// prototype-reaching keys are dropped wherever they occur.
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JS module without type declarations
import { LIMITS, fromSegment, parseJSON, readBatch, validateEvent } from '../../examples/collector/ingest.mjs';

const NOW = '2026-11-29T10:00:00.000Z';
const good = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'page_view',
  timestamp: '2026-11-29T09:59:00.000Z',
  anonymousId: 'anon-1',
  sessionId: 's1',
  stage: 'awareness',
  page: { url: 'http://shop.test/', path: '/', title: 'Home', referrer: '' },
  properties: {},
  context: { channel: 'email' },
  ...extra,
});

/** `{ a: { a: … 1 } }`, `levels` objects deep. */
const nest = (levels: number): unknown => (levels ? { a: nest(levels - 1) } : 1);

describe('validateEvent', () => {
  it('keeps a well-formed event and stamps receivedAt', () => {
    const { event, reason } = validateEvent(good('e1'), NOW);
    expect(reason).toBeUndefined();
    expect(event).toMatchObject({ id: 'e1', type: 'page_view', page: { path: '/', title: 'Home' }, context: { channel: 'email' }, receivedAt: NOW });
  });

  it.each([
    ['a missing id', { id: undefined }, /^id: missing/],
    ['a numeric id', { id: 42 }, /^id: expected a string/],
    ['an object type', { type: { x: 1 } }, /^type: expected a string/],
    ['an unparseable timestamp', { timestamp: 'yesterday' }, /^timestamp: not an ISO-8601/],
    ['a timestamp that is not ISO-8601', { timestamp: 'Sun Nov 29 2026 10:00:00' }, /^timestamp: not an ISO-8601/],
    ['a timestamp of a single digit', { timestamp: '1' }, /^timestamp: not an ISO-8601/],
    ['an impossible timestamp', { timestamp: '2026-13-45T99:99:99Z' }, /^timestamp: not an ISO-8601/],
    ['a numeric timestamp', { timestamp: 1764410400000 }, /^timestamp: expected a string/],
    ['a boolean userId', { userId: true }, /^userId: expected a string/],
    ['an object anonymousId', { anonymousId: { id: 1 } }, /^anonymousId: expected a string/],
    ['an object channel', { context: { channel: { name: 'x' } } }, /^context\.channel: expected a string/],
    ['a boolean first-touch channel', { context: { firstTouch: { channel: true } } }, /^context\.firstTouch\.channel: expected a string/],
    ['a page that is a string', { page: '/' }, /^page: expected an object/],
    ['a numeric page title', { page: { path: '/', title: 3 } }, /^page\.title: expected a string/],
    ['an overlong path', { page: { path: '/' + 'a'.repeat(LIMITS.path) } }, /^page\.path: longer than/],
    ['an overlong stage', { stage: 's'.repeat(LIMITS.stage + 1) }, /^stage: longer than/],
    ['properties as an array', { properties: [1, 2] }, /^properties: expected an object/],
    ['a web vital without a numeric value', { type: 'web_vital', properties: { name: 'LCP', value: '1200' } }, /^properties\.value/],
    ['a web vital with an object name', { type: 'web_vital', properties: { name: { x: 1 }, value: 1 } }, /^properties\.name/],
    ['a stage change to a number', { type: 'stage_change', properties: { to: 3 } }, /^properties\.to/],
    ['a seq that is a string', { seq: '3' }, /^seq: expected a number/],
    ['nesting deeper than the limit', { properties: nest(LIMITS.depth) }, /nested deeper/],
    ['an event over the size limit', { properties: { blob: 'x'.repeat(LIMITS.eventBytes) } }, /larger than/],
  ])('rejects %s with a reason naming the field', (_, extra, reason) => {
    const result = validateEvent(good('bad', extra), NOW);
    expect(result.event).toBeUndefined();
    expect(result.reason).toMatch(reason);
  });

  it('rejects what is not an object', () => {
    for (const raw of [null, 7, 'event', [good('x')]]) expect(validateEvent(raw, NOW).reason).toBe('not an object');
  });

  it('takes what the SDK can send: properties nested 10 levels, long names, big arrays', () => {
    const { event, reason } = validateEvent(good('sdk', { type: 'track', name: 'n'.repeat(300), properties: { deep: nest(10), list: Array.from({ length: 2000 }, (_, i) => i) } }), NOW);
    expect(reason).toBeUndefined();
    expect(event.properties.list).toHaveLength(2000);
  });

  it('stores numeric identities and channels as strings', () => {
    const { event } = validateEvent(good('n', { userId: 42, anonymousId: 7, sessionId: 0, context: { channel: 5, lastTouch: { channel: 6 } } }), NOW);
    expect(event).toMatchObject({ userId: '42', anonymousId: '7', sessionId: '0', context: { channel: '5', lastTouch: { channel: '6' } } });
  });

  it('takes ISO-8601 timestamps with any zone', () => {
    for (const timestamp of ['2026-11-29T10:00:00.000Z', '2026-11-29T11:00:00+01:00', '2026-11-29T10:00Z']) {
      expect(validateEvent(good('t', { timestamp }), NOW).event?.timestamp).toBe(timestamp);
    }
  });

  it('defaults a missing timestamp to the time received', () => {
    expect(validateEvent(good('t', { timestamp: undefined }), NOW).event.timestamp).toBe(NOW);
  });

  it('ignores a client-sent receivedAt', () => {
    expect(validateEvent(good('r', { receivedAt: '1999-01-01T00:00:00Z' }), NOW).event.receivedAt).toBe(NOW);
  });

  it('keeps a web vital named __proto__ as a plain value', () => {
    const raw = parseJSON(JSON.stringify(good('v', { type: 'web_vital', properties: { name: '__proto__', value: 1200, rating: 'good' } })));
    const { event } = validateEvent(raw, NOW);
    expect(event.properties.name).toBe('__proto__');
  });
});

describe('prototype-reaching keys', () => {
  const hostile = `{"events":[{"id":"p1","type":"track","name":"x","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},
    "properties":{"__proto__":{"polluted":3},"nested":{"__proto__":{"polluted":4},"ok":true},"prototype":5},
    "context":{"__proto__":{"channel":"evil"},"channel":"ads"}}]}`;

  it('are dropped at every depth and pollute nothing', () => {
    const batch = readBatch(parseJSON(hostile), NOW);
    expect(batch.rejected).toEqual([]);
    const [{ event }] = batch.events;
    expect(Object.keys(event)).not.toContain('__proto__');
    expect(Object.keys(event)).not.toContain('constructor');
    expect(Object.keys(event.properties)).toEqual(['nested']);
    expect(event.properties.nested).toEqual({ ok: true });
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
    expect(event.context.channel).toBe('ads');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(event)).not.toContain('polluted');
  });

  it('in a version-2 shared object are ignored', () => {
    const body = parseJSON(`{"v":2,"shared":{"__proto__":{"type":"evil"},"anonymousId":"a1"},"events":[{"id":"s1","type":"track"}]}`);
    const [{ event }] = readBatch(body, NOW).events;
    expect(event).toMatchObject({ id: 's1', type: 'track', anonymousId: 'a1' });
    expect(JSON.stringify(event)).not.toContain('evil');
  });

  it('in Segment properties do not reach the mapped objects', () => {
    const item = parseJSON(`{"type":"track","event":"Element Clicked","messageId":"m","properties":{"element___proto__":{"x":1},"element_tag":"a","element_constructor":"y"}}`);
    const mapped = fromSegment(item);
    expect(mapped.target).toEqual({ tag: 'a' });
    expect(Object.getPrototypeOf(mapped.target)).toBe(Object.prototype);
  });
});

describe('readBatch', () => {
  it('rejects one bad event and keeps the rest of the batch, with index, id and reason', () => {
    const batch = readBatch({ sentAt: NOW, events: [good('a'), good('b', { userId: { $gt: '' } }), 'junk', good('c')] }, NOW);
    expect(batch.received).toBe(4);
    expect(batch.events.map((e: { index: number; event: { id: string } }) => [e.index, e.event.id])).toEqual([
      [0, 'a'],
      [3, 'c'],
    ]);
    expect(batch.rejected).toEqual([
      { index: 1, id: 'b', reason: 'userId: expected a string' },
      { index: 2, reason: 'not an object' },
    ]);
  });

  it('expands version 2: each event is { ...shared, ...event }, the event winning', () => {
    const shared = { anonymousId: 'a1', sessionId: 's1', userId: 'u1', page: { path: '/shared', url: 'http://x/shared', title: 'S', referrer: '' }, context: { channel: 'email' } };
    const batch = readBatch({ v: 2, sentAt: NOW, shared, events: [{ id: 'x', type: 'click' }, { id: 'y', type: 'page_view', page: { path: '/own' } }] }, NOW);
    expect(batch.rejected).toEqual([]);
    const [x, y] = batch.events.map((e: { event: Record<string, unknown> }) => e.event);
    expect(x).toMatchObject({ id: 'x', type: 'click', anonymousId: 'a1', sessionId: 's1', userId: 'u1', page: { path: '/shared' }, context: { channel: 'email' } });
    // Shallow: the event's own page replaces the shared page as a whole.
    expect(y.page).toEqual({ path: '/own' });
    expect(y.anonymousId).toBe('a1');
  });

  it('validates shared fields as part of each event', () => {
    const batch = readBatch({ v: 2, shared: { anonymousId: { bad: true } }, events: [{ id: 'x', type: 'click' }, { id: 'y', type: 'click', anonymousId: 'own' }] }, NOW);
    expect(batch.rejected).toEqual([{ index: 0, id: 'x', reason: 'anonymousId: expected a string' }]);
    expect(batch.events.map((e: { event: { id: string } }) => e.event.id)).toEqual(['y']);
  });

  it('refuses (413) a version-2 body that would expand past the batch limit', () => {
    const shared = { properties: { blob: 'x'.repeat(60_000) } };
    const events = Array.from({ length: Math.ceil(LIMITS.batchBytes / 60_000) + 1 }, (_, i) => ({ id: `e${i}`, type: 'track' }));
    const body = { v: 2, shared, events };
    expect(JSON.stringify(body).length).toBeLessThan(1024 * 1024);
    expect(readBatch(body, NOW)).toMatchObject({ status: 413, error: expect.stringMatching(/expands/) });
    // The same shared over a few events is fine.
    expect(readBatch({ ...body, events: events.slice(0, 3) }, NOW).events).toHaveLength(3);
  });

  it('refuses a version-2 body whose shared is not an object, and unknown versions', () => {
    expect(readBatch({ v: 2, shared: [1], events: [] }, NOW).error).toMatch(/shared/);
    expect(readBatch({ v: 2, shared: 'a', events: [] }, NOW).error).toMatch(/shared/);
    expect(readBatch({ v: 3, events: [] }, NOW).error).toMatch(/version/);
  });

  it('keeps version-1 bodies and bare arrays working', () => {
    expect(readBatch({ events: [good('a')] }, NOW).events).toHaveLength(1);
    expect(readBatch([good('a'), good('b')], NOW).events).toHaveLength(2);
  });

  it('refuses bodies that are not a batch', () => {
    for (const payload of [null, 3, 'x', { nope: true }, { events: 'x' }]) expect(readBatch(payload, NOW).error).toBeTruthy();
  });

  it('maps the Segment batch format and validates the result', () => {
    const batch = readBatch(
      {
        batch: [
          { type: 'track', event: 'plan_selected', messageId: 'm1', anonymousId: 12, timestamp: NOW, properties: { plan: 'pro' } },
          { type: 'track', event: 'Journey Stage Changed', messageId: 'm2', anonymousId: 'a', properties: { from: 'awareness', to: 'decision', rule: 'r', journey_stage: 'decision' }, context: { journey: { stage: 'decision', rule: 'r' }, page: { path: '/p' } } },
          { type: 'track', event: 'Web Vital', messageId: 'm3', properties: { name: 'LCP', value: 'slow' } },
          { type: 'track', event: 'x' },
          { type: 'page', messageId: 'm5', context: { page: { path: '/x', title: '<b>t</b>' } } },
        ],
      },
      NOW,
    );
    const events = batch.events.map((e: { event: Record<string, unknown> }) => e.event);
    expect(events[0]).toMatchObject({ id: 'm1', type: 'track', name: 'plan_selected', anonymousId: '12', properties: { plan: 'pro' }, format: 'segment' });
    expect(events[1]).toMatchObject({ id: 'm2', type: 'stage_change', stage: 'decision', stageRule: 'r', page: { path: '/p' }, properties: { to: 'decision' } });
    expect(events[2]).toMatchObject({ id: 'm5', type: 'page_view', page: { title: '<b>t</b>' } });
    expect(batch.rejected).toEqual([
      { index: 2, id: 'm3', reason: 'properties.value: expected a number' },
      { index: 3, reason: 'id: missing' },
    ]);
  });
});
