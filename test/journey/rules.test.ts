import { describe, expect, it, vi } from 'vitest';
import { compileRules, matchStage, type MatchInput } from '../../src/journey/rules';
import type { StageRule, WaymarkEvent } from '../../src/types';

const ORDER = ['awareness', 'consideration', 'decision', 'purchase', 'retention', 'advocacy'];

function event(over: Partial<WaymarkEvent> & { path?: string } = {}): WaymarkEvent {
  const { path = '/', ...rest } = over;
  return {
    id: 'e1',
    type: 'page_view',
    timestamp: '2026-01-01T00:00:00.000Z',
    seq: 1,
    anonymousId: 'a',
    sessionId: 's',
    stage: null,
    page: { url: `https://shop.example${path}`, path, title: '', referrer: '' },
    properties: {},
    context: { library: { name: 'waymark', version: '0' } },
    ...rest,
  };
}

function input(over: Partial<WaymarkEvent> & { path?: string } = {}, extra: Partial<MatchInput> = {}): MatchInput {
  const e = event(over);
  return { event: e, url: e.page.url, referrer: '', element: null, ...extra };
}

function compile(rules: StageRule[], order = ORDER) {
  const log = vi.fn<(msg: string) => void>();
  return { compiled: compileRules(rules, order, log), log };
}

function el(html: string, pick: string): Element {
  document.body.innerHTML = html;
  return document.querySelector(pick)!;
}

describe('conditions', () => {
  const cases: Array<[what: string, rule: Omit<StageRule, 'stage'>, hit: MatchInput, miss: MatchInput]> = [
    ['type (string)', { type: 'click' }, input({ type: 'click' }), input({ type: 'page_view' })],
    ['type (list)', { type: ['click', 'form_submit'] }, input({ type: 'form_submit' }), input({ type: 'track' })],
    ['path', { path: '/pricing' }, input({ path: '/pricing/' }), input({ path: '/pricing/team' })],
    ['path (list)', { path: ['/pricing', '/compare/*'] }, input({ path: '/compare/acme' }), input({ path: '/compare' })],
    ['path (case, **)', { path: '**/Pricing' }, input({ path: '/EN/pricing' }), input({ path: '/en/prices' })],
    ['event', { event: 'referral_sent' }, input({ type: 'track', name: 'referral_sent' }), input({ type: 'track', name: 'referral' })],
    ['event (list)', { event: ['a', 'b'] }, input({ type: 'track', name: 'b' }), input({ type: 'track' })],
    ['query present', { query: { utm_source: '*' } }, input({}, { url: 'https://x.example/?utm_source=google' }), input({}, { url: 'https://x.example/?utm_medium=cpc' })],
    ['query value', { query: { plan: 'pro' } }, input({}, { url: 'https://x.example/?plan=free&plan=pro' }), input({}, { url: 'https://x.example/?plan=free' })],
    ['query key case', { query: { UTM_Source: '*' } }, input({}, { url: 'https://x.example/?utm_source=g' }), input({}, { url: 'https://x.example/' })],
    ['query value is exact', { query: { plan: 'Pro' } }, input({}, { url: 'https://x.example/?plan=Pro' }), input({}, { url: 'https://x.example/?plan=pro' })],
    ['query decoded', { query: { q: 'a b' } }, input({}, { url: 'https://x.example/?q=a+b' }), input({}, { url: 'https://x.example/?q=ab' })],
    ['query prefix key', { query: { 'utm_*': '*' } }, input({}, { url: 'https://x.example/?utm_campaign=spring' }), input({}, { url: 'https://x.example/?xutm_campaign=1' })],
    ['query in hash route', { query: { ref: 'mail' } }, input({}, { url: 'https://x.example/#/landing?ref=mail' }), input({}, { url: 'https://x.example/#ref=mail' })],
    ['query all keys', { query: { a: '*', b: '1' } }, input({}, { url: 'https://x.example/?a=&b=1' }), input({}, { url: 'https://x.example/?a=1' })],
    ['referrer', { referrer: '*.google.*' }, input({}, { referrer: 'https://www.google.co.uk/' }), input({}, { referrer: 'https://example.com/?q=google' })],
    ['referrer (list)', { referrer: ['t.co', 'news.ycombinator.com'] }, input({}, { referrer: 'https://t.co/abc' }), input({}, { referrer: '' })],
    ['match', { match: (e) => e.properties.plan === 'pro' }, input({ properties: { plan: 'pro' } }), input({ properties: { plan: 'free' } })],
  ];

  it.each(cases)('%s', (_what, rule, hit, miss) => {
    const { compiled, log } = compile([{ stage: 'decision', name: 'r', ...rule }]);
    expect(log).not.toHaveBeenCalled();
    expect(matchStage(compiled, hit)).toEqual({ stage: 'decision', rule: 'r' });
    expect(matchStage(compiled, miss)).toBeNull();
  });

  it('selector: the element or an ancestor matches', () => {
    const { compiled } = compile([{ stage: 'decision', name: 'cart', type: 'click', selector: '[data-action=add-to-cart], .add-to-cart' }]);
    const inner = el('<div class="add-to-cart"><button><span id="s">Add</span></button></div><button id="other">x</button>', '#s');
    expect(matchStage(compiled, input({ type: 'click' }, { element: inner }))).toEqual({ stage: 'decision', rule: 'cart' });
    expect(matchStage(compiled, input({ type: 'click' }, { element: document.querySelector('#other') }))).toBeNull();
    expect(matchStage(compiled, input({ type: 'click' }, { element: null }))).toBeNull();
    expect(matchStage(compiled, input({ type: 'click' }))).toBeNull();
  });

  it('selector: several selector rules each still match their own elements', () => {
    const { compiled } = compile([
      { stage: 'decision', name: 'a', selector: '.a' },
      { stage: 'advocacy', name: 'b', selector: '.b' },
      { stage: 'purchase', name: 'c', selector: '#c' },
    ]);
    document.body.innerHTML = '<p class="a"><i id="in-a"></i></p><p class="b"><i id="in-b"></i></p><form id="c"><i id="in-c"></i></form><i id="none"></i>';
    const at = (id: string) => matchStage(compiled, input({ type: 'click' }, { element: document.getElementById(id) }))?.rule ?? null;
    expect([at('in-a'), at('in-b'), at('in-c'), at('none')]).toEqual(['a', 'b', 'c', null]);
  });

  it('selector index agrees with closest() for every selector shape (never hides a match)', () => {
    const selectors = [
      '#buy', '#BUY', '.cta', '.Cta', '.a.b', '[data-action=add]', '[data-action="add"]', "[data-action='ADD']", '[data-action=add i]',
      '[data-action]', '[data-action^=ad]', 'button', 'button.cta', 'form[action*="/cart/add"]', 'form[action*="/cart/add"] [type=submit]',
      '.wrap > button', '.wrap button:not(.x)', ':is(.cta, #buy)', 'section .cta, #nothing', '[title="a,b>c"]', '[id=buy]', '[class~=cta]',
      'svg[viewBox]', '.share-btn svg', '*', 'a[href^="https://twitter.com/intent"]', 'div:has(> .cta)', '.cta::before', '#does-not-exist', '.wrap',
      '.intro + form button', '.intro ~ form #buy',
    ];
    document.body.innerHTML = `
      <div class="wrap"><section><h2 class="intro">Hi</h2><form action="/cart/add"><button id="buy" class="Cta b a" data-action="add" title="a,b>c" type="submit"><span id="s1">Add</span></button></form></section></div>
      <a href="https://twitter.com/intent/tweet" class="share-btn"><svg viewBox="0 0 1 1"><path id="s2"></path></svg></a>
      <p id="s3">plain</p>`;
    const { compiled } = compile(selectors.map((selector, i) => ({ stage: 'decision', name: `s${i}`, selector })));
    for (const id of ['s1', 's2', 's3']) {
      const element = document.getElementById(id)!;
      for (const [i, selector] of selectors.entries()) {
        const only = compiled.filter((r) => r.name === `s${i}`);
        let want: boolean;
        try {
          want = element.closest(selector) !== null;
        } catch {
          continue; // a selector happy-dom cannot parse (e.g. the `i` flag) was rejected at compile time
        }
        expect(matchStage(only, input({ type: 'click' }, { element })) !== null, `${selector} on #${id}`).toBe(want);
      }
    }
  });

  it('path conditions ignore absurdly long paths (bounded work on hostile URLs)', () => {
    const { compiled } = compile([{ stage: 'decision', name: 'any', path: '/**' }]);
    expect(matchStage(compiled, input({ path: '/a'.repeat(1000) }))?.rule).toBe('any');
    expect(matchStage(compiled, input({ path: '/a'.repeat(1100) }))).toBeNull();
  });

  it('all conditions of a rule must hold', () => {
    const { compiled } = compile([{ stage: 'decision', name: 'r', type: 'click', path: '/shop/**', event: 'buy' }]);
    expect(matchStage(compiled, input({ type: 'click', path: '/shop/x', name: 'buy' }))?.rule).toBe('r');
    expect(matchStage(compiled, input({ type: 'page_view', path: '/shop/x', name: 'buy' }))).toBeNull();
    expect(matchStage(compiled, input({ type: 'click', path: '/blog', name: 'buy' }))).toBeNull();
    expect(matchStage(compiled, input({ type: 'click', path: '/shop/x', name: 'sell' }))).toBeNull();
  });

  it('a rule without type applies to custom event types too', () => {
    const { compiled } = compile([
      { stage: 'decision', name: 'typed', type: 'click', path: '/x' },
      { stage: 'awareness', name: 'untyped', path: '/x' },
    ]);
    expect(matchStage(compiled, input({ type: 'my_custom_type', path: '/x' }))?.rule).toBe('untyped');
    expect(matchStage(compiled, input({ type: 'click', path: '/x' }))?.rule).toBe('typed');
  });

  it('match() receives the event and may not break matching when it throws', () => {
    const seen: WaymarkEvent[] = [];
    const { compiled, log } = compile([
      { stage: 'decision', name: 'boom', match: () => { throw new Error('nope'); } },
      { stage: 'awareness', name: 'spy', match: (e) => (seen.push(e), true) },
    ]);
    const i = input({ path: '/a' });
    expect(matchStage(compiled, i)).toEqual({ stage: 'awareness', rule: 'spy' });
    expect(matchStage(compiled, i)).toEqual({ stage: 'awareness', rule: 'spy' });
    expect(seen[0]).toBe(i.event);
    expect(log).toHaveBeenCalledTimes(1); // reported once, not per event
    expect(log.mock.calls[0]![0]).toMatch(/"boom".*match.*nope/);
  });

  it('match runs only when the cheaper conditions hold', () => {
    const match = vi.fn(() => true);
    const { compiled } = compile([{ stage: 'decision', type: 'click', match }]);
    matchStage(compiled, input({ type: 'page_view' }));
    expect(match).not.toHaveBeenCalled();
  });

  it('survives odd inputs', () => {
    const { compiled } = compile([{ stage: 'decision', path: '/x', query: { a: '*' }, referrer: '*', selector: '.x' }]);
    const e = event();
    (e as { page: unknown }).page = undefined;
    expect(matchStage(compiled, { event: e, url: 'not a url', referrer: 'not a url', element: {} as Element })).toBeNull();
    expect(matchStage(compiled, { event: event(), url: '%%%?a=%E0%A4%A', referrer: '' })).toBeNull();
    expect(matchStage([], input())).toBeNull();
  });
});

describe('ordering', () => {
  it('first matching rule wins and names the stage and rule', () => {
    const { compiled } = compile([
      { stage: 'purchase', name: 'thanks', path: '/checkout/thank-you' },
      { stage: 'decision', name: 'checkout', path: '/checkout/**' },
      { stage: 'consideration', path: '/**' },
    ]);
    expect(matchStage(compiled, input({ path: '/checkout/thank-you' }))).toEqual({ stage: 'purchase', rule: 'thanks' });
    expect(matchStage(compiled, input({ path: '/checkout/payment' }))).toEqual({ stage: 'decision', rule: 'checkout' });
    expect(matchStage(compiled, input({ path: '/about' }))).toEqual({ stage: 'consideration', rule: 'rule-2' });
  });

  it('order holds across typed and untyped rules', () => {
    const { compiled } = compile([
      { stage: 'awareness', name: 'any', path: '/p' },
      { stage: 'decision', name: 'click', type: 'click', path: '/p' },
    ]);
    expect(matchStage(compiled, input({ type: 'click', path: '/p' }))?.rule).toBe('any');
  });

  it('compiled arrays can be concatenated (site rules before defaults)', () => {
    const site = compile([{ stage: 'decision', name: 'site', path: '/pricing' }]).compiled;
    const defaults = compile([{ stage: 'consideration', name: 'default:pricing', path: '**/pricing' }]).compiled;
    const all = [...site, ...defaults];
    expect(matchStage(all, input({ path: '/pricing' }))?.rule).toBe('site');
    expect(matchStage(all, input({ path: '/en/pricing' }))?.rule).toBe('default:pricing');
  });

  it('unnamed rules are called rule-<index> (index in the given list)', () => {
    const { compiled } = compile([{ stage: 'nope', path: '/a' }, { stage: 'decision', path: '/b' }]);
    expect(compiled.map((r) => r.name)).toEqual(['rule-1']);
  });
});

describe('validation', () => {
  const bad: Array<[what: string, rule: unknown, field: RegExp]> = [
    ['unknown field', { stage: 'decision', paht: '/x' }, /`paht`/],
    ['missing stage', { path: '/x' }, /`stage`/],
    ['stage not a string', { stage: 3, path: '/x' }, /`stage`/],
    ['stage not in order', { stage: 'checkout', path: '/x' }, /`stage` "checkout" is not in stages.order/],
    ['name not a string', { stage: 'decision', name: 5, path: '/x' }, /`name`/],
    ['type wrong type', { stage: 'decision', type: 7 }, /`type`/],
    ['type empty list', { stage: 'decision', type: [] }, /`type`/],
    ['type list with non-string', { stage: 'decision', type: ['click', 1] }, /`type`/],
    ['bad path glob', { stage: 'decision', path: '/pri(cing' }, /`path` "\/pri\(cing" is not a valid/],
    ['bad path in list', { stage: 'decision', path: ['/ok', 'has space'] }, /`path` "has space"/],
    ['empty path', { stage: 'decision', path: '' }, /`path`/],
    ['bad referrer glob', { stage: 'decision', referrer: 'https://google.com' }, /`referrer`/],
    ['event wrong type', { stage: 'decision', event: { a: 1 } }, /`event`/],
    ['query not an object', { stage: 'decision', query: 'utm_source' }, /`query`/],
    ['query array', { stage: 'decision', query: ['a'] }, /`query`/],
    ['query number value', { stage: 'decision', query: { plan: 1 } }, /`query` value of "plan"/],
    ['query bad key', { stage: 'decision', query: { 'a*b': '*' } }, /`query` parameter "a\*b"/],
    ['query empty', { stage: 'decision', query: {} }, /`query`/],
    ['selector wrong type', { stage: 'decision', selector: ['.a'] }, /`selector`/],
    ['selector invalid', { stage: 'decision', selector: 'div[' }, /`selector` "div\[" is not a valid CSS selector/],
    ['match not a function', { stage: 'decision', match: 'e => true' }, /`match`/],
    ['no condition', { stage: 'decision', name: 'all' }, /no condition/],
    ['not an object', 'decision', /is not an object/],
    ['null', null, /is not an object/],
  ];

  it.each(bad)('%s: skipped whole with one message naming rule and field', (_what, rule, field) => {
    const { compiled, log } = compile([{ stage: 'awareness', name: 'good', path: '/' }, rule as StageRule]);
    expect(compiled.map((r) => r.name)).toEqual(['good']);
    expect(log).toHaveBeenCalledTimes(1);
    const msg = log.mock.calls[0]![0];
    expect(msg).toMatch(/#1\b/);
    expect(msg).toMatch(field);
  });

  it('names the rule by name and index when it has one', () => {
    const { log } = compile([{ stage: 'decision', name: 'pricing-page', path: '/pri cing' }]);
    expect(log.mock.calls[0]![0]).toBe('stage rule "pricing-page" (#0) skipped: `path` "/pri cing" is not a valid path glob');
  });

  it('a bad field never widens a rule: the rest of the rule is not kept', () => {
    const { compiled } = compile([{ stage: 'purchase', type: 'page_view', path: '/bad(' }]);
    expect(compiled).toEqual([]);
    expect(matchStage(compiled, input({ path: '/anything' }))).toBeNull();
  });

  it('several bad rules: one message each, good rules kept in order', () => {
    const { compiled, log } = compile([
      { stage: 'x', path: '/a' },
      { stage: 'decision', name: 'ok1', path: '/b' },
      { stage: 'decision', path: '/c', nope: 1 } as StageRule,
      { stage: 'purchase', name: 'ok2', event: 'paid' },
    ]);
    expect(compiled.map((r) => r.name)).toEqual(['ok1', 'ok2']);
    expect(log).toHaveBeenCalledTimes(2);
  });

  it('custom order: a stage of the default order is unknown there', () => {
    const order = ['awareness', 'consideration', 'decision', 'post-purchase'];
    const { compiled, log } = compile([{ stage: 'purchase', path: '/thanks' }, { stage: 'post-purchase', path: '/thanks' }], order);
    expect(compiled.map((r) => r.stage)).toEqual(['post-purchase']);
    expect(log.mock.calls[0]![0]).toContain('post-purchase');
  });

  it('non-array rules are reported, not thrown', () => {
    const log = vi.fn();
    expect(compileRules({} as unknown as StageRule[], ORDER, log)).toEqual([]);
    expect(log).toHaveBeenCalledTimes(1);
  });
});
