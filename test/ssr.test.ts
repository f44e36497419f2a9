// @vitest-environment node
// Server-side rendering: importing the package touches no browser global, and createTracker
// returns a tracker whose methods do nothing (and never throw).
import { describe, expect, it } from 'vitest';

describe('SSR (no window)', () => {
  it('imports without touching window and createTracker returns a no-op tracker', async () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    const mod = await import('../src/index');
    const t = mod.createTracker({ endpoint: '/collect' });
    expect(() => {
      t.track('x', { a: 1 });
      t.page();
      t.identify('u');
      t.reset();
      t.optOut();
      t.optIn();
      t.on('stage', () => {})();
    }).not.toThrow();
    expect(t.journey()).toEqual({ stage: null, furthest: null, history: [] });
    expect(t.stats()).toEqual({ delivered: 0, retried: 0, dropped: {}, queued: 0, storage: 'none' });
    await expect(t.flush()).resolves.toBeUndefined();
    await expect(t.shutdown()).resolves.toBeUndefined();
  });
});
