// The event pipeline from tables, no DOM involved: captured event in, finished events out —
// identity (ids, session, seq, userId), acquisition touch, journey stage, stage_change, plugins.
import { beforeEach, describe, expect, it } from 'vitest';
import { createIdentity, SESSION_TIMEOUT_MS } from '../src/identity';
import { compileRules } from '../src/journey/rules';
import { createJourney } from '../src/journey/state';
import { finishEvent, type CapturedEvent, type PipelineDeps } from '../src/pipeline';
import { createKV } from '../src/storage';
import type { StageRule, WaymarkEvent } from '../src/types';

const ORDER = ['awareness', 'consideration', 'decision', 'purchase'];
const T0 = Date.parse('2026-05-01T12:00:00Z');
let clock = T0;
let ids = 0;

function setup(o: { rules?: StageRule[]; beforeSend?: PipelineDeps['beforeSend'] } = {}) {
  const saved: unknown[] = [];
  const debug: string[] = [];
  const deps: PipelineDeps = {
    identity: createIdentity(createKV(), () => clock),
    journey: createJourney(ORDER, (s) => saved.push(s)),
    rules: compileRules(o.rules ?? [], ORDER, (m) => debug.push(m)),
    beforeSend: o.beforeSend ?? ((e) => e),
    scrub: (u) => u.replace(/token=[^&]*/, 'token=REDACTED'),
    newId: () => `id-${++ids}`,
    debug: (m) => debug.push(m),
  };
  return { deps, saved, debug };
}

/** A captured event as the intake builds it. */
function captured(type: string, o: { name?: string; at?: number; url?: string; referrer?: string; userId?: string; properties?: Record<string, unknown> } = {}): CapturedEvent {
  const url = o.url ?? 'https://shop.test/';
  const event: WaymarkEvent = {
    id: `id-${++ids}`,
    type,
    ...(o.name ? { name: o.name } : {}),
    timestamp: new Date(o.at ?? clock).toISOString(),
    seq: 0,
    anonymousId: '',
    sessionId: '',
    stage: null,
    page: { url, path: new URL(url).pathname, title: '', referrer: o.referrer ?? '' },
    properties: o.properties ?? {},
    context: { library: { name: 'waymark', version: 't' } },
  };
  return { event, url, referrer: o.referrer ?? '', userId: o.userId };
}

beforeEach(() => {
  clock = T0;
});

describe('identity on each event', () => {
  it('every event carries the visitor and session ids; seq counts up within the session', () => {
    const { deps } = setup();
    const out = ['page_view', 'track', 'click'].map((t) => finishEvent(captured(t, { name: t === 'track' ? 'x' : undefined }), deps).events[0]!);
    const state = deps.identity.current();
    for (const e of out) expect(e).toMatchObject({ anonymousId: state.anonymousId, sessionId: state.sessionId });
    expect(out.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(state.anonymousId).not.toBe(state.sessionId);
  });

  it.each([
    ['within 30 minutes: same session', SESSION_TIMEOUT_MS - 1000, false],
    ['after 30 minutes of inactivity: a new session, seq from 1', SESSION_TIMEOUT_MS + 1000, true],
  ])('%s', (_name, gap, rolled) => {
    const { deps } = setup();
    const a = finishEvent(captured('track', { name: 'a', at: T0 }), deps).events[0]!;
    const b = finishEvent(captured('track', { name: 'b', at: T0 + gap }), deps).events[0]!;
    expect(b.anonymousId).toBe(a.anonymousId);
    expect(b.sessionId !== a.sessionId).toBe(rolled);
    expect(b.seq).toBe(rolled ? 1 : 2);
  });

  it('an event stamped before the last activity (the clock went back) does not roll the session', () => {
    const { deps } = setup();
    const a = finishEvent(captured('track', { name: 'a', at: T0 }), deps).events[0]!;
    const b = finishEvent(captured('track', { name: 'b', at: T0 - 864e5 }), deps).events[0]!;
    expect(b.sessionId).toBe(a.sessionId);
    // ...and inactivity then counts from the new "now": 31 minutes later it rolls over.
    const c = finishEvent(captured('track', { name: 'c', at: T0 - 864e5 + SESSION_TIMEOUT_MS + 60000 }), deps).events[0]!;
    expect(c.sessionId).not.toBe(a.sessionId);
  });

  it('the user id known when the event happened is set; none → no userId field', () => {
    const { deps } = setup();
    expect(finishEvent(captured('track', { name: 'a', userId: 'u-1' }), deps).events[0]!.userId).toBe('u-1');
    expect('userId' in finishEvent(captured('track', { name: 'b' }), deps).events[0]!).toBe(false);
  });
});

describe('acquisition touch', () => {
  it.each([
    ['a campaign landing', 'https://shop.test/?utm_source=news&utm_medium=email&utm_campaign=spring', '', 'email', { source: 'news', medium: 'email', campaign: 'spring' }],
    ['a search engine referrer', 'https://shop.test/', 'https://www.google.com/', 'organic_search', undefined],
    ['typed in', 'https://shop.test/', '', 'direct', undefined],
  ])('%s → channel and touch on every event of the session', (_n, url, referrer, channel, campaign) => {
    const { deps } = setup();
    const pv = finishEvent(captured('page_view', { url, referrer }), deps).events[0]!;
    const tr = finishEvent(captured('track', { name: 'x', url }), deps).events[0]!;
    expect(pv.context.channel).toBe(channel);
    expect(pv.context.lastTouch).toMatchObject({ channel });
    expect(pv.context.firstTouch).toMatchObject({ channel });
    expect(tr.context.channel).toBe(channel);
    expect(tr.context.lastTouch).toEqual(pv.context.lastTouch);
    if (campaign) {
      expect(pv.context.campaign).toMatchObject(campaign);
      expect(tr.context.campaign).toMatchObject(campaign);
    }
  });

  it('a new campaign page view in the same session becomes the last touch; the first touch stays', () => {
    const { deps } = setup();
    finishEvent(captured('page_view', { url: 'https://shop.test/', referrer: 'https://www.google.com/' }), deps);
    const pv = finishEvent(captured('page_view', { url: 'https://shop.test/sale?utm_source=fb&utm_medium=social' }), deps).events[0]!;
    expect(pv.context.lastTouch).toMatchObject({ channel: 'social' });
    expect(pv.context.firstTouch).toMatchObject({ channel: 'organic_search' });
  });

  it('an internal page view keeps the session touch (it is not "direct")', () => {
    const { deps } = setup();
    finishEvent(captured('page_view', { url: 'https://shop.test/?utm_source=news&utm_medium=email' }), deps);
    const next = finishEvent(captured('page_view', { url: 'https://shop.test/pricing', referrer: 'https://shop.test/' }), deps).events[0]!;
    expect(next.context.channel).toBe('email');
  });

  it('the touch URL is scrubbed', () => {
    const { deps } = setup();
    finishEvent(captured('page_view', { url: 'https://shop.test/?utm_source=x&utm_medium=cpc&token=SECRET' }), deps);
    expect(JSON.stringify(deps.identity.current())).not.toContain('SECRET');
  });
});

describe('journey stage', () => {
  const rules: StageRule[] = [
    { stage: 'consideration', name: 'pricing', type: 'page_view', path: '/pricing' },
    { stage: 'decision', name: 'signup', event: 'signup' },
  ];

  it.each([
    // events in order → [stage of each event], stage_change events that follow
    [[['page_view', '/']], [null], []],
    [[['page_view', '/pricing']], ['consideration'], [{ from: null, to: 'consideration', rule: 'pricing' }]],
    [
      [['page_view', '/pricing'], ['track', 'other'], ['track', 'signup']],
      ['consideration', 'consideration', 'decision'],
      [{ from: null, to: 'consideration', rule: 'pricing' }, { from: 'consideration', to: 'decision', rule: 'signup' }],
    ],
    [[['page_view', '/pricing'], ['page_view', '/pricing']], ['consideration', 'consideration'], [{ from: null, to: 'consideration', rule: 'pricing' }]],
  ] as Array<[Array<[string, string]>, Array<string | null>, object[]]>)('%j → stages %j', (steps, stages, changes) => {
    const { deps } = setup({ rules });
    const all: WaymarkEvent[] = [];
    for (const [type, what] of steps) {
      const input = type === 'page_view' ? captured(type, { url: `https://shop.test${what}` }) : captured(type, { name: what });
      all.push(...finishEvent(input, deps).events);
    }
    const main = all.filter((e) => e.type !== 'stage_change');
    expect(main.map((e) => e.stage)).toEqual(stages);
    expect(all.filter((e) => e.type === 'stage_change').map((e) => e.properties)).toEqual(changes);
  });

  it('the matching event names its rule, and its stage_change follows it with the next seq and a fresh id', () => {
    const { deps } = setup({ rules });
    const f = finishEvent(captured('track', { name: 'signup', userId: 'u' }), deps);
    expect(f.events).toHaveLength(2);
    const [e, change] = f.events as [WaymarkEvent, WaymarkEvent];
    expect(e).toMatchObject({ stage: 'decision', stageRule: 'signup' });
    expect(change).toMatchObject({
      type: 'stage_change',
      stage: 'decision',
      stageRule: 'signup',
      seq: e.seq + 1,
      sessionId: e.sessionId,
      anonymousId: e.anonymousId,
      userId: 'u',
      timestamp: e.timestamp,
      properties: { from: null, to: 'decision', rule: 'signup' },
    });
    expect(change.id).not.toBe(e.id);
    expect('name' in change).toBe(false);
    expect(f.change).toMatchObject({ from: null, to: 'decision', rule: 'signup', event: e });
    expect(deps.journey.get()).toMatchObject({ stage: 'decision', furthest: 'decision' });
  });

  it('an event that matches no rule carries the current stage over', () => {
    const { deps } = setup({ rules });
    finishEvent(captured('page_view', { url: 'https://shop.test/pricing' }), deps);
    const later = finishEvent(captured('click'), deps);
    expect(later.events).toHaveLength(1);
    expect(later.events[0]).toMatchObject({ stage: 'consideration' });
    expect(later.events[0]!.stageRule).toBeUndefined();
    expect(later.change).toBeUndefined();
  });
});

describe('plugins (beforeSend)', () => {
  it('null drops the event and says so; the stage still moves and its stage_change still goes', () => {
    const { deps } = setup({
      rules: [{ stage: 'decision', name: 'signup', event: 'signup' }],
      beforeSend: (e) => (e.type === 'track' ? null : e),
    });
    const f = finishEvent(captured('track', { name: 'signup' }), deps);
    expect(f.droppedByPlugin).toBe(true);
    expect(f.events.map((e) => e.type)).toEqual(['stage_change']);
    expect(deps.journey.get().stage).toBe('decision');
  });

  it('what beforeSend returns is what is queued', () => {
    const { deps } = setup({ beforeSend: (e) => ({ ...e, properties: { ...e.properties, added: 1 } }) });
    const f = finishEvent(captured('track', { name: 'x', properties: { a: 1 } }), deps);
    expect(f.droppedByPlugin).toBe(false);
    expect(f.events[0]!.properties).toEqual({ a: 1, added: 1 });
  });

  it('dropping everything gives no events at all', () => {
    const { deps } = setup({ rules: [{ stage: 'decision', event: 'signup' }], beforeSend: () => null });
    expect(finishEvent(captured('track', { name: 'signup' }), deps).events).toEqual([]);
  });
});
