// web_vital events: one final value per metric per page view, sent when the page is hidden or left.
import { describe, expect, it } from 'vitest';
import type { MetricType } from 'web-vitals';
import type { CaptureContext } from '../../src/capture/context';
import { createCaptureVitals } from '../../src/capture/vitals';

function harness() {
  const emitted: Array<Record<string, unknown>> = [];
  const leave = new Set<() => void>();
  let report: ((m: MetricType) => void) | undefined;
  let view = 'pv-1';
  const ctx = {
    emit: (_type: string, data: { properties?: Record<string, unknown> }) => emitted.push(data.properties!),
    win: window,
    doc: document,
    onLeave: (l: () => void) => (leave.add(l), () => leave.delete(l)),
    onRoute: () => () => {},
    pageViewId: () => view,
  } as unknown as CaptureContext;
  const stop = createCaptureVitals(async () => (r) => ((report = r), () => {}))(ctx);
  const metric = (name: string, value: number, id = `v-${name}`) =>
    report!({ name, value, rating: 'good', navigationType: 'navigate', id, delta: value, entries: [] } as unknown as MetricType);
  return { emitted, leaveNow: () => leave.forEach((l) => l()), metric, stop, setView: (v: string) => (view = v) };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('web vitals', () => {
  it('holds every change and sends one final value per metric when the page is left', async () => {
    const h = harness();
    await tick();
    h.metric('TTFB', 80);
    h.metric('FCP', 900);
    h.metric('LCP', 1000);
    h.metric('LCP', 1800);
    h.metric('CLS', 0.01);
    h.metric('CLS', 0.05);
    expect(h.emitted).toEqual([]);
    h.leaveNow();
    expect(h.emitted.map((p) => [p.name, p.value])).toEqual([
      ['TTFB', 80],
      ['FCP', 900],
      ['LCP', 1800],
      ['CLS', 0.05],
    ]);
    expect(h.emitted.every((p) => p.pageViewId === 'pv-1')).toBe(true);
  });

  it('sends name, value, rating, navigation type and page view, nothing redundant', async () => {
    const h = harness();
    await tick();
    h.metric('LCP', 1234.5678);
    h.leaveNow();
    expect(h.emitted).toEqual([{ name: 'LCP', value: 1234.6, rating: 'good', navigationType: 'navigate', pageViewId: 'pv-1' }]);
  });

  it('never sends a metric twice for one page view, even if it changes after the visitor came back', async () => {
    const h = harness();
    await tick();
    h.metric('CLS', 0.05);
    h.leaveNow();
    h.metric('CLS', 0.2);
    h.metric('INP', 120);
    h.leaveNow();
    expect(h.emitted.map((p) => [p.name, p.value])).toEqual([
      ['CLS', 0.05],
      ['INP', 120],
    ]);
  });
});
