// @vitest-environment happy-dom
// The journey view's rendering: crafted values (HTML in titles and names,
// prototype names, numbers where strings belong, garbage) show as text and
// never break the view.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS module without type declarations
import { aggregate } from '../../examples/collector/analytics.mjs';
// @ts-expect-error plain JS module without type declarations
import { readBatch } from '../../examples/collector/ingest.mjs';
// @ts-expect-error plain JS module without type declarations
import { render } from '../../examples/journey/render.js';

// happy-dom replaces the global URL: build the path from the module's own file name.
const page = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../examples/journey/index.html'), 'utf8');
const body = page.slice(page.indexOf('<body>') + 6, page.indexOf('</body>'));
// Short enough for every field's size limit (stages and channels: 128 characters).
const XSS = '<img src=x onerror=hacked=1><script>hacked=2</script>';

beforeEach(() => {
  document.body.innerHTML = body;
  delete (globalThis as { hacked?: number }).hacked;
});

/** Elements the view's own markup would never contain. */
const injected = () => document.body.querySelectorAll('img, script, iframe, [onerror]').length;

const now = Date.now();
const at = (s: number) => new Date(now - 60_000 + s * 1000).toISOString();
const crafted = [
  { id: 'c1', type: 'page_view', timestamp: at(1), anonymousId: XSS, sessionId: 's', stage: 'awareness', page: { path: '/x', title: XSS }, context: { channel: XSS, campaign: { campaign: XSS } } },
  { id: 'c2', type: 'click', timestamp: at(2), anonymousId: XSS, stage: 'awareness', name: XSS, target: { text: XSS } },
  { id: 'c3', type: 'stage_change', timestamp: at(3), anonymousId: XSS, stage: XSS, properties: { from: 'awareness', to: XSS, rule: XSS } },
  { id: 'c4', type: 'form_step', timestamp: at(4), anonymousId: XSS, stage: XSS, form: { id: XSS, step: XSS, field: { name: XSS, type: 'text' } } },
  { id: 'c5', type: 'web_vital', timestamp: at(5), anonymousId: 'v', stage: 'awareness', properties: { name: '__proto__', value: 1200, rating: 'good' } },
  { id: 'c6', type: 'web_vital', timestamp: at(6), anonymousId: 'v', stage: 'awareness', properties: { name: XSS, value: 5, rating: 'poor' } },
  { id: 'c7', type: 'identify', timestamp: at(7), anonymousId: 12345, userId: 42, stage: 'constructor', context: { channel: 'email' } },
  { id: 'c8', type: 'track', timestamp: at(8), anonymousId: 'n', name: 'x', stage: '__proto__', context: { channel: '__proto__' } },
];

describe('journey view rendering', () => {
  it('renders HTML from events as text, never as markup', () => {
    const { events, rejected } = readBatch(JSON.parse(JSON.stringify({ events: crafted })), new Date(now).toISOString());
    expect(rejected).toEqual([]);
    expect(render(JSON.parse(JSON.stringify(aggregate(events.map((e: { event: unknown }) => e.event)))), document)).toBe(true);
    expect(injected()).toBe(0);
    expect((globalThis as { hacked?: number }).hacked).toBeUndefined();
    const visitors = document.querySelector('[data-visitors]')!;
    expect(visitors.textContent).toContain(XSS);
    expect(visitors.innerHTML).toContain('&lt;img src=x');
    expect(document.querySelector('[data-channels]')!.textContent).toContain('<img src=x');
    expect(document.querySelector('[data-forms]')!.textContent).toContain('<img src=x');
    expect(document.querySelector('[data-funnel]')!.textContent).toContain('<img src=x');
    // Each visitor has its card, the crafted one included.
    expect(document.querySelectorAll('[data-visitors] details.visitor')).toHaveLength(4);
    expect(document.querySelector('[data-total="visitors"]')!.textContent).toBe('4');
  });

  it('shows a web vital named __proto__ and stages named after Object members', () => {
    const data = JSON.parse(JSON.stringify(aggregate(crafted)));
    render(data, document);
    const vitals = document.querySelector('[data-vitals]')!;
    expect([...vitals.querySelectorAll('th')].map((th) => th.textContent)).toEqual(expect.arrayContaining(['__proto__', XSS]));
    expect(vitals.textContent).toContain('1.2 s');
    const funnel = document.querySelector('[data-funnel]')!;
    expect(funnel.querySelector('.funnel-row[data-stage="constructor"]')).not.toBeNull();
    expect(funnel.querySelector('.funnel-row[data-stage="__proto__"]')).not.toBeNull();
    expect(document.querySelector('[data-channels] [data-channel="__proto__"]')).not.toBeNull();
  });

  it('shows numeric ids and channels from stored data', () => {
    render(JSON.parse(JSON.stringify(aggregate([{ id: 'n1', type: 'page_view', timestamp: at(1), anonymousId: 123456789, userId: 42, context: { channel: 7 }, page: { path: '/' } }]))), document);
    const card = document.querySelector('[data-visitor="123456789"]')!;
    expect(card).not.toBeNull();
    expect(card.textContent).toContain('42');
    expect(document.querySelector('[data-channels] [data-channel="7"]')).not.toBeNull();
  });

  it('does not throw on an answer with wrong types, and refuses what is not an answer', () => {
    const weird = {
      order: ['awareness', 5, null],
      totals: { events: '3', visitors: {}, sessions: null, lastEventAt: 12 },
      funnel: [{ stage: 7, reached: 'x', current: null, conversion: 'y' }, null],
      channels: [{ channel: 5, visitors: 1, reached: null, furthest: 'x' }],
      forms: [{ form: { a: 1 }, path: 3, started: 'x', steps: [1, 2], submitted: null }],
      stages: [{ stage: 'awareness', events: 2, vitals: { LCP: { p75: 'slow', count: {} }, __proto__: 3 } }],
      visitors: [{ id: 99, userId: { x: 1 }, channel: 3, campaign: 'c', changes: 'no', touchpoints: [null, 4, { kind: 'page', label: { x: 1 }, at: 'never' }] }, 'junk'],
    };
    expect(() => render(weird, document)).not.toThrow();
    expect(document.body.textContent).not.toContain('[object Object]');
    for (const junk of [null, 5, 'x', [], {}]) expect(render(junk, document)).toBe(false);
  });
});
