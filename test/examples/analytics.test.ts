// @vitest-environment node
// Journey analytics: pure functions over events. Stored data is never trusted:
// wrong types, prototype names and missing objects must neither throw nor
// empty a panel.
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JS module without type declarations
import { DEFAULT_ORDER, aggregate, subject, touchpoint } from '../../examples/collector/analytics.mjs';

type Ev = Record<string, unknown>;
let n = 0;
const at = (minute: number) => `2026-11-29T10:${String(minute).padStart(2, '0')}:00.000Z`;
const ev = (extra: Ev): Ev => ({ id: `e${++n}`, type: 'page_view', timestamp: at(n % 60), anonymousId: 'a1', sessionId: 's1', stage: null, page: { path: '/', title: 'Home' }, properties: {}, context: {}, ...extra });
const change = (from: string | null, to: string, minute: number, extra: Ev = {}) =>
  ev({ type: 'stage_change', stage: to, timestamp: at(minute), properties: { from, to, rule: `to-${to}` }, ...extra });

describe('aggregate', () => {
  const journey = [
    ev({ timestamp: at(1), stage: 'awareness', context: { channel: 'email', campaign: { source: 'newsletter', campaign: 'autumn' } } }),
    change(null, 'awareness', 1),
    change('awareness', 'consideration', 2),
    ev({ type: 'form_start', timestamp: at(3), stage: 'consideration', form: { id: 'checkout' } }),
    ev({ type: 'form_step', timestamp: at(4), stage: 'consideration', form: { id: 'checkout', step: 'shipping', field: { name: 'city', type: 'text' } } }),
    ev({ type: 'web_vital', timestamp: at(5), stage: 'consideration', properties: { name: 'LCP', value: 1800, rating: 'good' } }),
    ev({ anonymousId: 'b2', sessionId: 's2', timestamp: at(6), stage: 'awareness', context: { channel: 'paid_search' } }),
  ];

  it('computes the funnel, channels, forms, vitals and timelines', () => {
    const out = aggregate(journey);
    expect(out.order).toEqual(DEFAULT_ORDER);
    expect(out.totals).toMatchObject({ events: 7, visitors: 2, sessions: 2, lastEventAt: at(6) });
    expect(out.funnel.slice(0, 3).map((f: { reached: number }) => f.reached)).toEqual([2, 1, 0]);
    expect(out.funnel[1].conversion).toBe(0.5);
    expect(out.channels.map((c: { channel: string }) => c.channel).sort()).toEqual(['email', 'paid_search']);
    expect(out.forms[0]).toMatchObject({ form: 'checkout', started: 1, visitors: 1, steps: { shipping: 1 } });
    expect(out.stages.find((s: { stage: string }) => s.stage === 'consideration').vitals.LCP).toMatchObject({ p75: 1800, count: 1, good: 1 });
    const a1 = out.visitors.find((v: { id: string }) => v.id === 'a1');
    expect(a1).toMatchObject({ channel: 'email', campaign: { campaign: 'autumn', source: 'newsletter' }, stage: 'consideration', furthest: 'consideration', sessions: 1 });
    expect(a1.changes.map((c: { to: string }) => c.to)).toEqual(['awareness', 'consideration']);
  });

  it('is pure: the same events give the same answer, and the input is left as it was', () => {
    const copy = JSON.parse(JSON.stringify(journey));
    expect(aggregate(journey)).toEqual(aggregate(copy));
    expect(journey).toEqual(copy);
  });

  it('survives a web vital named __proto__ and stages named after Object members', () => {
    const events = [
      ev({ type: 'web_vital', stage: 'awareness', properties: { name: '__proto__', value: 10, rating: 'constructor' } }),
      ev({ type: 'web_vital', stage: 'awareness', properties: { name: 'constructor', value: 20, rating: 'good' } }),
      ev({ type: 'web_vital', stage: 'awareness', properties: { name: 'hasOwnProperty', value: 30, rating: '__proto__' } }),
      change(null, 'toString', 2),
      ev({ stage: '__proto__', context: { channel: '__proto__' }, form: { id: 'constructor' }, type: 'form_start' }),
    ];
    // The same crafted data as it comes back from disk: own __proto__ keys included.
    const fromDisk = JSON.parse(JSON.stringify(events));
    const out = aggregate(fromDisk);
    const vitals = out.stages.find((s: { stage: string }) => s.stage === 'awareness').vitals;
    expect(vitals['__proto__']).toMatchObject({ p75: 10, count: 1, good: 0 });
    expect(vitals.constructor).toMatchObject({ p75: 20, count: 1, good: 1 });
    expect(vitals.hasOwnProperty).toMatchObject({ p75: 30, count: 1 });
    expect(out.order).toEqual([...DEFAULT_ORDER, 'toString', '__proto__']);
    expect(out.channels.map((c: { channel: string }) => c.channel)).toContain('__proto__');
    expect(out.forms[0].form).toBe('constructor');
    // Round trip through JSON, as the API sends it.
    expect(JSON.parse(JSON.stringify(out)).stages[0].vitals.__proto__.p75).toBe(10);
    expect(({} as Record<string, unknown>).p75).toBeUndefined();
  });

  it('keeps every visitor when ids and channels are numbers in stored data', () => {
    const out = aggregate([
      ev({ anonymousId: 12345, userId: 42, sessionId: 9, context: { channel: 7 }, stage: 'awareness' }),
      ev({ anonymousId: 'a1', context: { channel: 'email' }, stage: 'decision' }),
    ]);
    expect(out.visitors).toHaveLength(2);
    const numeric = out.visitors.find((v: { id: string }) => v.id === '12345');
    expect(numeric).toMatchObject({ userId: '42', channel: '7', sessions: 1 });
    expect(out.channels.map((c: { channel: string }) => c.channel).sort()).toEqual(['7', 'email']);
  });

  it('treats garbage fields as missing instead of throwing', () => {
    const garbage = [
      { id: 'g1', type: 7, timestamp: 12, anonymousId: { x: 1 }, page: 'not an object', properties: null, context: [1, 2], form: 'f', target: 3 },
      { id: 'g2', type: 'stage_change', properties: { to: { deep: true }, from: [] }, stage: 5, timestamp: null },
      { id: 'g3', type: 'form_step', form: { id: ['x'], step: { a: 1 }, field: 'name' }, page: null },
      { id: 'g4', type: 'web_vital', stage: 'awareness', properties: { name: 'LCP', value: 'fast', rating: 5 } },
      { id: 'g5', type: 'click', target: { text: { html: '<b>' } }, name: 12 },
      null,
      'a string',
    ];
    const out = aggregate(garbage as unknown as Ev[]);
    expect(out.totals.events).toBe(5);
    expect(out.visitors.length).toBeGreaterThan(0);
    expect(JSON.stringify(out)).not.toContain('[object Object]');
  });
});

describe('subject and touchpoint', () => {
  it('describe events in words, and tolerate wrong types', () => {
    expect(subject(ev({ type: 'track', name: 'plan_selected', page: { path: '/pricing' } }))).toBe('plan_selected  on /pricing');
    expect(subject(ev({ type: 'web_vital', properties: { name: 'CLS', value: 0.12345, rating: 'needs-improvement' } }))).toContain('CLS 0.123 (needs-improvement)');
    expect(touchpoint(ev({ type: 'page_view', page: { path: '/a', title: '<img src=x onerror=alert(1)>' } })).label).toBe('/a — <img src=x onerror=alert(1)>');
    expect(touchpoint(ev({ type: 'identify', userId: 42 })).label).toBe('identified as 42');
    expect(touchpoint(ev({ type: 'something_else' }))).toBeNull();
    expect(() => subject({ type: 'form_step', form: 5, properties: 'x', page: 3 })).not.toThrow();
  });
});
