// Event, page view, session and visitor ids: short (wire bytes on every event) yet never repeated.
import { describe, expect, it } from 'vitest';
import { uid } from '../src/storage';

describe('uid', () => {
  it('is 16 URL-safe characters', () => {
    for (let i = 0; i < 1000; i++) expect(uid()).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it('does not repeat over 200,000 ids, across many refills of the random pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i++) seen.add(uid());
    expect(seen.size).toBe(200_000);
  });

  it('uses every character of its alphabet at every position (no biased or constant position)', () => {
    const perPosition = Array.from({ length: 16 }, () => new Set<string>());
    for (let i = 0; i < 20_000; i++) [...uid()].forEach((c, p) => perPosition[p]!.add(c));
    for (const chars of perPosition) expect(chars.size).toBe(64);
  });
});
