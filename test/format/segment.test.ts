import { describe, expect, it } from 'vitest';
import { toSegmentBatch } from '../../src/format/segment';
import type { WaymarkEvent } from '../../src/types';

// Segment spec, common fields (segment.com/docs/connections/spec/common/), plus the
// `originalTimestamp` of its Timestamps section, which RudderStack also sends.
const COMMON = [
  'anonymousId', 'context', 'integrations', 'messageId', 'receivedAt', 'sentAt',
  'timestamp', 'originalTimestamp', 'type', 'userId', 'version',
];
// Fields each call type adds (spec pages for page, track and identify).
const BY_TYPE: Record<string, string[]> = {
  page: ['name', 'properties', 'category'],
  track: ['event', 'properties'],
  identify: ['traits'],
};
// Spec'd context fields we fill, plus our own `journey`, `channel` and `waymark`.
const CONTEXT = ['page', 'library', 'campaign', 'locale', 'userAgent', 'journey', 'channel', 'waymark'];

const SENT_AT = '2026-11-23T08:00:05.000Z';

const event = (over: Partial<WaymarkEvent> = {}): WaymarkEvent => ({
  id: 'evt-1',
  type: 'track',
  timestamp: '2026-11-23T08:00:00.000Z',
  seq: 3,
  anonymousId: 'anon-1',
  sessionId: 'sess-1',
  stage: 'consideration',
  stageRule: 'pricing-page',
  page: {
    url: 'https://shop.example/pricing?plan=pro#faq',
    path: '/pricing',
    title: 'Pricing',
    referrer: 'https://www.google.com/',
  },
  properties: {},
  context: {
    channel: 'paid_search',
    campaign: { source: 'google', medium: 'cpc', campaign: 'brand', term: 'shoes', content: 'ad1' },
    pageViewId: 'pv-1',
    library: { name: 'waymark', version: '0.1.0' },
  },
  ...over,
});

/** What the collector receives: the body after JSON. */
const wire = (events: WaymarkEvent[], writeKey?: string) =>
  JSON.parse(JSON.stringify(toSegmentBatch(events, SENT_AT, writeKey))) as {
    batch: Array<Record<string, any>>;
    sentAt: string;
    writeKey?: string;
  };

const one = (over: Partial<WaymarkEvent> = {}) => wire([event(over)]).batch[0]!;

const expectSpecFields = (call: Record<string, any>) => {
  const allowed = [...COMMON, ...(BY_TYPE[call.type] ?? [])];
  expect(Object.keys(call).filter((k) => !allowed.includes(k))).toEqual([]);
  expect(Object.keys(call.context).filter((k) => !CONTEXT.includes(k))).toEqual([]);
  expect(typeof call.messageId).toBe('string');
  expect(call.anonymousId ?? call.userId).toBeTruthy();
  expect(call.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
};

describe('toSegmentBatch', () => {
  it('wraps calls in { batch, sentAt, writeKey } with the key in the body', () => {
    const body = wire([event(), event({ id: 'evt-2' })], 'wk_123');
    expect(body.sentAt).toBe(SENT_AT);
    expect(body.writeKey).toBe('wk_123');
    expect(body.batch.map((c) => c.messageId)).toEqual(['evt-1', 'evt-2']);
  });

  it('leaves writeKey out of the body when none is configured', () => {
    expect('writeKey' in wire([event()])).toBe(false);
    expect('writeKey' in wire([event()], '')).toBe(false);
  });

  it('keeps messageId stable for the same event across attempts', () => {
    const e = event({ id: 'stable-id' });
    const first = toSegmentBatch([e], '2026-11-23T08:00:05.000Z') as { batch: Array<{ messageId: string }> };
    const retry = toSegmentBatch([e], '2026-11-23T09:30:00.000Z') as { batch: Array<{ messageId: string }> };
    expect(first.batch[0]!.messageId).toBe('stable-id');
    expect(retry.batch[0]!.messageId).toBe('stable-id');
  });

  it('maps page_view to a page call with the page in properties', () => {
    const call = one({ type: 'page_view', properties: { section: 'plans' } });
    expectSpecFields(call);
    expect(call.type).toBe('page');
    expect(call.name).toBe('Pricing');
    expect(call.event).toBeUndefined();
    expect(call.properties).toEqual({
      url: 'https://shop.example/pricing?plan=pro#faq',
      path: '/pricing',
      title: 'Pricing',
      referrer: 'https://www.google.com/',
      search: '?plan=pro',
      section: 'plans',
      journey_stage: 'consideration',
    });
  });

  it('names a page call after the event name when one was given, and omits an empty title', () => {
    expect(one({ type: 'page_view', name: 'Pricing v2' }).name).toBe('Pricing v2');
    const untitled = one({ type: 'page_view', page: { url: 'https://a.example/', path: '/', title: '', referrer: '' } });
    expect('name' in untitled).toBe(false);
    expect(untitled.properties.search).toBe('');
  });

  it('maps identify to an identify call with traits and the user id', () => {
    const call = one({ type: 'identify', userId: 'user-7', traits: { plan: 'pro', email_opt_in: true } });
    expectSpecFields(call);
    expect(call.type).toBe('identify');
    expect(call.userId).toBe('user-7');
    expect(call.traits).toEqual({ plan: 'pro', email_opt_in: true });
    expect(call.context.journey).toEqual({ stage: 'consideration', rule: 'pricing-page' });
  });

  it('maps a track event to a track call named as given, with its properties', () => {
    const call = one({ type: 'track', name: 'plan_selected', properties: { plan: 'pro', price: 49 } });
    expectSpecFields(call);
    expect(call).toMatchObject({
      type: 'track',
      event: 'plan_selected',
      properties: { plan: 'pro', price: 49, journey_stage: 'consideration' },
    });
  });

  it.each([
    ['click', 'Element Clicked'],
    ['rage_click', 'Rage Click'],
    ['dead_click', 'Dead Click'],
    ['form_start', 'Form Started'],
    ['form_step', 'Form Step Completed'],
    ['form_submit', 'Form Submitted'],
    ['form_abandon', 'Form Abandoned'],
    ['stage_change', 'Journey Stage Changed'],
    ['web_vital', 'Web Vital'],
    ['page_leave', 'Page Left'],
  ])('maps %s to a track call named "%s"', (type, name) => {
    const call = one({ type });
    expectSpecFields(call);
    expect(call.type).toBe('track');
    expect(call.event).toBe(name);
    expect(call.properties.journey_stage).toBe('consideration');
  });

  it('keeps a readable name for form events even when the capture gave them a name', () => {
    expect(one({ type: 'form_submit', name: 'checkout' }).event).toBe('Form Submitted');
  });

  it('names a data-waymark click after its attribute value', () => {
    expect(one({ type: 'click', name: 'add-to-cart' }).event).toBe('add-to-cart');
  });

  it('sends unknown event types as track calls named after the type', () => {
    const call = one({ type: 'video_play' });
    expectSpecFields(call);
    expect(call.event).toBe('video_play');
  });

  it('flattens the clicked element into properties', () => {
    const call = one({
      type: 'click',
      target: { tag: 'a', id: 'buy', text: 'Buy now', href: 'https://pay.example/', selector: 'a#buy', outbound: true },
    });
    expect(call.properties).toEqual({
      element_tag: 'a',
      element_id: 'buy',
      element_text: 'Buy now',
      element_href: 'https://pay.example/',
      element_selector: 'a#buy',
      element_outbound: true,
      journey_stage: 'consideration',
    });
  });

  it('flattens the form and completed field into properties', () => {
    const call = one({
      type: 'form_step',
      form: { id: 'signup', name: 'signup', action: '/join', step: 2, field: { name: 'email', type: 'email', position: 1 } },
    });
    expect(call.properties).toEqual({
      form_id: 'signup',
      form_name: 'signup',
      form_action: '/join',
      form_step: 2,
      field_name: 'email',
      field_type: 'email',
      field_position: 1,
      journey_stage: 'consideration',
    });
  });

  it('keeps captured properties of web vitals and stage changes', () => {
    const vital = one({ type: 'web_vital', properties: { name: 'LCP', value: 1234.5, rating: 'good' } });
    expect(vital.properties).toMatchObject({ name: 'LCP', value: 1234.5, rating: 'good' });
    const change = one({ type: 'stage_change', properties: { from: 'awareness', to: 'consideration', rule: 'pricing-page' } });
    expect(change.properties).toMatchObject({ from: 'awareness', to: 'consideration', rule: 'pricing-page' });
  });

  it('fills the common fields and context on every call', () => {
    const call = one({ type: 'track', name: 'x', userId: 'user-7' });
    expect(call).toMatchObject({
      messageId: 'evt-1',
      anonymousId: 'anon-1',
      userId: 'user-7',
      timestamp: '2026-11-23T08:00:00.000Z',
      originalTimestamp: '2026-11-23T08:00:00.000Z',
      sentAt: SENT_AT,
    });
    expect(call.context).toEqual({
      page: {
        url: 'https://shop.example/pricing?plan=pro#faq',
        path: '/pricing',
        title: 'Pricing',
        referrer: 'https://www.google.com/',
        search: '?plan=pro',
      },
      library: { name: 'waymark', version: '0.1.0' },
      campaign: { source: 'google', medium: 'cpc', name: 'brand', term: 'shoes', content: 'ad1' },
      locale: navigator.language,
      userAgent: navigator.userAgent,
      channel: 'paid_search',
      journey: { stage: 'consideration', rule: 'pricing-page' },
      waymark: { sessionId: 'sess-1', seq: 3, pageViewId: 'pv-1' },
    });
  });

  it('omits userId before identify and a campaign when there is none', () => {
    const call = one({ context: { library: { name: 'waymark', version: '0.1.0' } } });
    expect('userId' in call).toBe(false);
    expect('campaign' in call.context).toBe(false);
    expect(call.anonymousId).toBe('anon-1');
  });

  it('sends a null journey_stage while no stage is known, and no rule for a carried-over stage', () => {
    const call = one({ stage: null, stageRule: undefined });
    expect(call.properties.journey_stage).toBeNull();
    expect(call.context.journey).toEqual({ stage: null });
  });

  it('passes click ids and custom utm keys through in the campaign', () => {
    const call = one({ context: { library: { name: 'waymark', version: '1' }, campaign: { source: 'x', gclid: 'abc' } } });
    expect(call.context.campaign).toEqual({ source: 'x', gclid: 'abc' });
  });
});
