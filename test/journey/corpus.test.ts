import { describe, expect, it } from 'vitest';
import { DEFAULT_ORDER, defaultRules } from '../../src/journey/defaults';
import { compileRules, matchStage } from '../../src/journey/rules';
import type { WaymarkEvent } from '../../src/types';
import { LANDINGS, PAGES } from './corpus/urls';

const rules = compileRules(defaultRules(DEFAULT_ORDER), DEFAULT_ORDER, () => {});

function stageOf(path: string, referrer = ''): string | null {
  const url = new URL(path, 'https://shop.example');
  // Hash routers' routes are part of the path (see capture/pageviews routeKey).
  const route = url.pathname + (url.hash.startsWith('#/') || url.hash.startsWith('#!/') ? url.hash.split('?')[0] : '');
  const event: WaymarkEvent = {
    id: '1', type: 'page_view', timestamp: '', seq: 1, anonymousId: 'a', sessionId: 's', stage: null,
    page: { url: url.href, path: route, title: '', referrer },
    properties: {}, context: { library: { name: 'waymark', version: '0' } },
  };
  return matchStage(rules, { event, url: url.href, referrer, element: null })?.stage ?? null;
}

/** Score a labelled set; returns the misses as readable lines. */
function score(cases: Array<[string, string, string | null]>): { rate: number; misses: string[] } {
  const misses: string[] = [];
  for (const [url, referrer, want] of cases) {
    const got = stageOf(url, referrer);
    if (got !== want) misses.push(`${url}${referrer ? ` ← ${referrer}` : ''}: expected ${want}, got ${got}`);
  }
  return { rate: 1 - misses.length / cases.length, misses };
}

describe('default rules on the labelled corpus of real-world URL shapes', () => {
  const all: Array<[string, string, string | null]> = [...PAGES.map(([u, s]) => [u, '', s] as [string, string, string | null]), ...LANDINGS];

  it('has at least 300 cases, hard negatives included', () => {
    expect(all.length).toBeGreaterThanOrEqual(300);
    expect(PAGES.filter(([, s]) => s === null).length).toBeGreaterThanOrEqual(30);
  });

  it('labels at least 95 % correctly (misses are printed)', () => {
    const { rate, misses } = score(all);
    if (misses.length) console.log(`corpus: ${(rate * 100).toFixed(1)} % of ${all.length}; misses:\n  ${misses.join('\n  ')}`);
    expect(rate, misses.join('\n')).toBeGreaterThanOrEqual(0.95);
  });

  it('never tags a hard negative with a funnel stage', () => {
    // Products and articles with funnel words in their slugs stay what they are.
    const wrong = PAGES.filter(([u, s]) => s === null && stageOf(u) !== null).map(([u]) => `${u} → ${stageOf(u)}`);
    expect(wrong.length, wrong.join('\n')).toBeLessThanOrEqual(1);
  });
});
