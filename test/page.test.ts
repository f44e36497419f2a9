// Reading the page at each call: one shared object per page state, never a stale one.
import { describe, expect, it } from 'vitest';
import { createPageReader } from '../src/page';

describe('createPageReader', () => {
  it('returns the same object while URL, title and referrer are unchanged (a burst holds one page)', () => {
    const read = createPageReader(window, document);
    document.title = 'Pricing';
    history.replaceState(null, '', '/pricing');
    const a = read();
    expect(read()).toBe(a);
    expect(a).toEqual({ url: location.href, title: 'Pricing', referrer: document.referrer });
  });

  it('reads a changed title or URL at once', () => {
    const read = createPageReader(window, document);
    document.title = 'Cart';
    history.replaceState(null, '', '/cart');
    const before = read();
    document.title = 'Your cart (2)';
    expect(read().title).toBe('Your cart (2)');
    history.replaceState(null, '', '/checkout');
    expect(read().url).toBe(location.href);
    expect(before).toEqual({ url: before.url, title: 'Cart', referrer: before.referrer });
    expect(before.url).toMatch(/\/cart$/);
  });
});
