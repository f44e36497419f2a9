// The retry policy `judge`: every status path, 413 split vs drop, large bodies that die with a
// network error (strikes), Retry-After as a floor, backoff growth and its cap, jitter bounds.
import { describe, expect, it } from 'vitest';
import { judge, LARGE_BODY_BYTES, LARGE_EVENT_STRIKES, type Outcome } from '../../src/delivery/retry';

const opts = { baseDelayMs: 1000, maxDelayMs: 60000 };
const out = (o: Partial<Outcome>): Outcome => ({ status: 200, count: 5, bytes: 2000, failures: 1, ...o });

describe('judge: what one answer means', () => {
  it.each([200, 201, 202, 204, 299])('%i → delivered', (status) => {
    expect(judge(out({ status }), opts, 0.5)).toEqual({ action: 'delivered' });
  });

  it.each([0, 408, 429, 500, 502, 503, 504, 599])('%i → retried later', (status) => {
    expect(judge(out({ status }), opts, 0.5).action).toBe('retry');
  });

  it.each([400, 401, 403, 404, 405, 409, 410, 422, 451, 300, 304, 100])('%i → dropped as rejected (never retried)', (status) => {
    expect(judge(out({ status }), opts, 0.5)).toEqual({ action: 'drop', reason: 'rejected' });
  });

  it('413 on a batch of several → split; on a lone event → dropped as too_large', () => {
    expect(judge(out({ status: 413, count: 2 }), opts, 0.5)).toEqual({ action: 'split' });
    expect(judge(out({ status: 413, count: 100 }), opts, 0.5)).toEqual({ action: 'split' });
    expect(judge(out({ status: 413, count: 1 }), opts, 0.5)).toEqual({ action: 'drop', reason: 'too_large' });
    // Even a small lone event: the collector said it is too large.
    expect(judge(out({ status: 413, count: 1, bytes: 300 }), opts, 0.5)).toEqual({ action: 'drop', reason: 'too_large' });
  });
});

describe('judge: a network failure on a large body', () => {
  const big = LARGE_BODY_BYTES;
  it('a large batch that dies with a network error is split (a reset connection often means "too large")', () => {
    expect(judge(out({ status: 0, count: 4, bytes: big }), opts, 0.5)).toEqual({ action: 'split' });
    expect(judge(out({ status: 0, count: 2, bytes: big + 5000 }), opts, 0.5)).toEqual({ action: 'split' });
  });

  it('a small batch that dies with a network error is retried, not split', () => {
    expect(judge(out({ status: 0, count: 4, bytes: big - 1 }), opts, 0.5).action).toBe('retry');
  });

  it(`a lone large event is retried until it has ${LARGE_EVENT_STRIKES} strikes, then dropped as too_large`, () => {
    for (let strikes = 0; strikes < LARGE_EVENT_STRIKES; strikes++)
      expect(judge(out({ status: 0, count: 1, bytes: big, strikes }), opts, 0.5).action, `strikes ${strikes}`).toBe('retry');
    expect(judge(out({ status: 0, count: 1, bytes: big, strikes: LARGE_EVENT_STRIKES }), opts, 0.5)).toEqual({ action: 'drop', reason: 'too_large' });
    expect(judge(out({ status: 0, count: 1, bytes: big, strikes: LARGE_EVENT_STRIKES + 5 }), opts, 0.5)).toEqual({ action: 'drop', reason: 'too_large' });
    // Without strikes (the collector never answered anything: it may just be down) it is kept.
    expect(judge(out({ status: 0, count: 1, bytes: big }), opts, 0.5).action).toBe('retry');
  });

  it('strikes do not matter for a small lone event or for a 5xx', () => {
    expect(judge(out({ status: 0, count: 1, bytes: 500, strikes: 10 }), opts, 0.5).action).toBe('retry');
    expect(judge(out({ status: 503, count: 1, bytes: big, strikes: 10 }), opts, 0.5).action).toBe('retry');
  });
});

describe('judge: how long to wait', () => {
  const delay = (o: Partial<Outcome>, random = 0.5, options = opts) => {
    const v = judge(out({ status: 503, ...o }), options, random);
    if (v.action !== 'retry') throw new Error(`expected retry, got ${v.action}`);
    return v.delayMs;
  };

  it('grows exponentially with consecutive failures', () => {
    const ds = [1, 2, 3, 4, 5].map((failures) => delay({ failures }, 0.999));
    for (let i = 1; i < ds.length; i++) expect(ds[i]!).toBeGreaterThan(ds[i - 1]!);
    expect(ds[4]! / ds[3]!).toBeCloseTo(2, 1);
  });

  it('is capped at maxDelayMs however many failures', () => {
    for (const failures of [10, 20, 50, 1000]) expect(delay({ failures }, 0.999)).toBeLessThanOrEqual(opts.maxDelayMs);
    expect(delay({ failures: 30 }, 0.999)).toBeGreaterThan(opts.maxDelayMs * 0.99);
  });

  it('never goes below baseDelayMs, whatever the jitter', () => {
    for (const random of [0, 0.01, 0.5, 0.99]) expect(delay({ failures: 1 }, random)).toBeGreaterThanOrEqual(opts.baseDelayMs);
  });

  it('jitter spreads retries in the upper half of the exponential delay', () => {
    const low = delay({ failures: 6 }, 0);
    const high = delay({ failures: 6 }, 0.999);
    const exponential = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** 5);
    expect(low).toBeCloseTo(exponential / 2, -1);
    expect(high).toBeLessThanOrEqual(exponential);
    expect(high).toBeGreaterThan(low);
  });

  it('Retry-After is a floor: a longer one is honoured, a shorter one does not shorten the backoff', () => {
    expect(delay({ status: 429, failures: 1, retryAfterMs: 120000 })).toBe(120000);
    const without = delay({ status: 429, failures: 4 });
    expect(delay({ status: 429, failures: 4, retryAfterMs: 10 })).toBe(without);
    // On a 503 too.
    expect(delay({ status: 503, failures: 1, retryAfterMs: 30000 })).toBe(30000);
  });

  it('a zero or missing failure count still waits at least baseDelayMs', () => {
    expect(delay({ failures: 0 })).toBeGreaterThanOrEqual(opts.baseDelayMs);
  });
});
