// Consent has one owner: the initial mode from a stored choice, the GPC/DNT signal and
// requireConsent; choose() persists and notifies once; nothing reaches localStorage while not on.
import { describe, expect, it } from 'vitest';
import { createConsent } from '../src/consent';
import { createKV } from '../src/storage';

function memoryStorage(initial: Record<string, string> = {}) {
  const m = new Map(Object.entries(initial));
  return {
    map: m,
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
    clear: () => m.clear(),
    key: (i: number) => [...m.keys()][i] ?? null,
    get length() {
      return m.size;
    },
  };
}
const stored = (choice: 'in' | 'out') => ({ 'waymark:v1:consent': JSON.stringify(choice) });

describe('initial mode', () => {
  it.each([
    // stored choice, signal (GPC/DNT), requireConsent → mode
    [undefined, false, false, 'on'],
    [undefined, true, false, 'off'],
    [undefined, false, true, 'held'],
    [undefined, true, true, 'off'],
    ['in', false, false, 'on'],
    ['in', true, false, 'on'], // an explicit opt-in wins over the signal
    ['in', false, true, 'on'],
    ['in', true, true, 'on'],
    ['out', false, false, 'off'],
    ['out', false, true, 'off'],
    ['out', true, true, 'off'],
  ] as const)('stored %s, signal %s, requireConsent %s → %s', (choice, signal, require, mode) => {
    const ls = memoryStorage(choice ? stored(choice) : {});
    expect(createConsent(createKV(ls), signal, require).mode()).toBe(mode);
  });

  it('a stored value that is not a choice counts as none', () => {
    const ls = memoryStorage({ 'waymark:v1:consent': '"maybe"' });
    expect(createConsent(createKV(ls), false, true).mode()).toBe('held');
    expect(createConsent(createKV(memoryStorage({ 'waymark:v1:consent': '{oops' })), false, false).mode()).toBe('on');
  });
});

describe('choose', () => {
  it('in: persists the choice, becomes on, tells each subscriber once', () => {
    const ls = memoryStorage();
    const consent = createConsent(createKV(ls), false, true);
    const seen: string[] = [];
    const seen2: string[] = [];
    consent.subscribe((m) => seen.push(m));
    consent.subscribe((m) => seen2.push(m));
    consent.choose('in');
    consent.choose('in');
    expect(consent.mode()).toBe('on');
    expect(seen).toEqual(['on']);
    expect(seen2).toEqual(['on']);
    expect(ls.getItem('waymark:v1:consent')).toBe('"in"');
    // The next page load starts on, requireConsent or not.
    expect(createConsent(createKV(ls), false, true).mode()).toBe('on');
  });

  it('out: persists the choice (so the next page is off too), becomes off, tells once', () => {
    const ls = memoryStorage();
    const consent = createConsent(createKV(ls), false, false);
    const seen: string[] = [];
    consent.subscribe((m) => seen.push(m));
    consent.choose('out');
    consent.choose('out');
    expect(consent.mode()).toBe('off');
    expect(seen).toEqual(['off']);
    expect(ls.getItem('waymark:v1:consent')).toBe('"out"');
    expect(createConsent(createKV(ls), false, false).mode()).toBe('off');
  });

  it('out then in, in then out: each change told once, the last choice stored', () => {
    const ls = memoryStorage();
    const consent = createConsent(createKV(ls), false, false);
    const seen: string[] = [];
    consent.subscribe((m) => seen.push(m));
    consent.choose('out');
    consent.choose('in');
    consent.choose('out');
    expect(seen).toEqual(['off', 'on', 'off']);
    expect(ls.getItem('waymark:v1:consent')).toBe('"out"');
  });

  it('choosing what is already the mode tells nobody but still records the choice', () => {
    const ls = memoryStorage();
    const consent = createConsent(createKV(ls), false, false);
    const seen: string[] = [];
    consent.subscribe((m) => seen.push(m));
    consent.choose('in');
    expect(seen).toEqual([]);
    expect(ls.getItem('waymark:v1:consent')).toBe('"in"');
  });

  it('unsubscribe stops the notifications', () => {
    const consent = createConsent(createKV(memoryStorage()), false, true);
    const seen: string[] = [];
    const off = consent.subscribe((m) => seen.push(m));
    off();
    consent.choose('in');
    expect(seen).toEqual([]);
  });
});

describe('nothing persisted while not on', () => {
  it('held: other writes stay in memory until the visitor opts in, then reach localStorage', () => {
    const ls = memoryStorage();
    const kv = createKV(ls);
    const consent = createConsent(kv, false, true);
    kv.set('id', { anonymousId: 'a' });
    expect(kv.get('id')).toEqual({ anonymousId: 'a' });
    expect(ls.length).toBe(0);
    consent.choose('in');
    expect(JSON.parse(ls.getItem('waymark:v1:id')!)).toEqual({ anonymousId: 'a' });
  });

  it('off by signal: nothing is written, not even the consent', () => {
    const ls = memoryStorage();
    const kv = createKV(ls);
    createConsent(kv, true, false);
    kv.set('id', { anonymousId: 'a' });
    expect(ls.length).toBe(0);
  });

  it('after opting out only the choice itself is stored; later writes stay in memory', () => {
    const ls = memoryStorage();
    const kv = createKV(ls);
    const consent = createConsent(kv, false, false);
    consent.choose('out');
    kv.set('id', { anonymousId: 'b' });
    expect([...ls.map.keys()]).toEqual(['waymark:v1:consent']);
  });
});
