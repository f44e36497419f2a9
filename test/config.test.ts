// resolveConfig: defaults, one clear error per bad field (ignored, tracking goes on), clamping
// with one warning, no prototype pollution, and no tracker without an endpoint.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULTS, resolveConfig, type Config } from '../src/config';
import { DEFAULT_SCRUB_PARAMS } from '../src/privacy';

function resolve(input: unknown) {
  const error = vi.fn<(m: string) => void>();
  const warn = vi.fn<(m: string) => void>();
  const cfg = resolveConfig(input, error, warn);
  return { cfg, error, warn, errors: error.mock.calls.map(([m]) => m), warnings: warn.mock.calls.map(([m]) => m) };
}
const base = () => resolve({ endpoint: '/collect' }).cfg as Config;

afterEach(() => {
  delete (Object.prototype as Record<string, unknown>).polluted;
});

describe('defaults', () => {
  it('fills every default from one place, with no error or warning', () => {
    const { cfg, errors, warnings } = resolve({ endpoint: ' https://c.example.com/e ' });
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(cfg).toMatchObject({
      endpoint: 'https://c.example.com/e',
      format: 'waymark',
      autocapture: { pageViews: true, clicks: true, forms: true, vitals: true, engagement: true, friction: true },
      batch: { size: 100, intervalMs: 5000, maxBytes: 60000 },
      retry: { baseDelayMs: 1000, maxDelayMs: 60000, maxAgeMs: 7 * 864e5 },
      queue: { maxEvents: 1000 },
      privacy: { ignoreSelector: '[data-waymark-ignore]', respectDNT: false, respectGPC: true, requireConsent: false },
      stages: { order: ['awareness', 'consideration', 'decision', 'purchase', 'retention', 'advocacy'], rules: [], defaults: true },
      plugins: [],
      debug: false,
    });
    expect(cfg!.privacy.scrubParams).toEqual(DEFAULT_SCRUB_PARAMS);
    for (const p of ['token', 'access_token', 'auth', 'code', 'key', 'password', 'secret', 'session', 'email']) {
      expect(cfg!.privacy.scrubParams).toContain(p);
    }
    expect(cfg!.headers).toBeUndefined();
    expect(cfg!.beforeSend).toBeUndefined();
  });

  it('keeps valid values', () => {
    const beforeSend = (e: never) => e;
    const { cfg, errors, warnings } = resolve({
      endpoint: '/c',
      format: 'segment',
      writeKey: 'wk',
      autocapture: { clicks: false },
      batch: { size: 50, intervalMs: 1000 },
      retry: { baseDelayMs: 500, maxDelayMs: 5000, maxAgeMs: 864e5 },
      queue: { maxEvents: 200 },
      privacy: { scrubParams: ['gclid'], ignoreSelector: '.secret', respectDNT: true, respectGPC: false, requireConsent: true },
      stages: { order: ['a', 'b'], rules: [{ stage: 'a' }], defaults: false },
      headers: { 'X-Key': 'k' },
      beforeSend,
      debug: true,
    });
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(cfg).toMatchObject({
      format: 'segment',
      writeKey: 'wk',
      autocapture: { clicks: false, pageViews: true },
      batch: { size: 50, intervalMs: 1000, maxBytes: 60000 },
      retry: { baseDelayMs: 500, maxDelayMs: 5000, maxAgeMs: 864e5 },
      queue: { maxEvents: 200 },
      privacy: { respectDNT: true, respectGPC: false, requireConsent: true },
      stages: { order: ['a', 'b'], rules: [{ stage: 'a' }], defaults: false },
      headers: { 'X-Key': 'k' },
      debug: true,
    });
    expect(cfg!.beforeSend).toBe(beforeSend);
    expect(cfg!.privacy.scrubParams).toEqual([...DEFAULT_SCRUB_PARAMS, 'gclid']);
    expect(cfg!.privacy.ignoreSelector).toBe('[data-waymark-ignore], .secret');
  });

  it('autocapture: false turns every capture off', () => {
    const { cfg } = resolve({ endpoint: '/c', autocapture: false });
    expect(Object.values(cfg!.autocapture)).toEqual([false, false, false, false, false, false]);
  });
});

describe('bad fields: exactly one console error naming the field; the field is ignored', () => {
  it.each<[string, Record<string, unknown>]>([
    ['autocapture', { autocapture: 'yes' }],
    ['autocapture.clicks', { autocapture: { clicks: 'no' } }],
    ['autocapture.scroll', { autocapture: { scroll: true } }],
    ['format', { format: 'xml' }],
    ['batch', { batch: 5 }],
    ['batch.size', { batch: { size: 'big' } }],
    ['batch.sise', { batch: { sise: 3 } }],
    ['retry.maxAgeMs', { retry: { maxAgeMs: Number.NaN } }],
    ['queue.maxEvents', { queue: { maxEvents: '10' } }],
    ['privacy', { privacy: 'strict' }],
    ['privacy.scrubParams', { privacy: { scrubParams: 'token' } }],
    ['privacy.respectGPC', { privacy: { respectGPC: 'no' } }],
    ['privacy.requireConsent', { privacy: { requireConsent: 1 } }],
    ['privacy.ignoreSelector', { privacy: { ignoreSelector: 42 } }],
    ['privacy.consent', { privacy: { consent: true } }],
    ['stages.order', { stages: { order: [] } }],
    ['stages.rules', { stages: { rules: {} } }],
    ['stages.defaults', { stages: { defaults: 'no' } }],
    ['headers', { headers: { 'X-Key': 1 } }],
    ['beforeSend', { beforeSend: 'drop-all' }],
    ['plugins', { plugins: 'x' }],
    ['debug', { debug: 'yes' }],
    ['writeKey', { writeKey: 5 }],
    ['bogus', { bogus: 1 }],
  ])('%s', (field, bad) => {
    const { cfg, errors, warnings } = resolve({ endpoint: '/collect', ...bad });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`"${field}"`);
    expect(warnings).toEqual([]);
    expect(cfg).toEqual(base());
  });

  it('several bad fields: one error each, the good ones kept', () => {
    const { cfg, errors } = resolve({ endpoint: '/c', format: 1, debug: 'x', batch: { size: 7 } });
    expect(errors).toHaveLength(2);
    expect(cfg!.batch.size).toBe(7);
  });

  it('an invalid CSS selector in privacy.ignoreSelector is reported, the default kept', () => {
    const { cfg, errors } = resolve({ endpoint: '/c', privacy: { ignoreSelector: 'div[[' } });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('privacy.ignoreSelector');
    expect(cfg!.privacy.ignoreSelector).toBe('[data-waymark-ignore]');
  });

  it('a bad plugin is dropped, the good one kept', () => {
    const good = { name: 'ok' };
    const { cfg, errors } = resolve({ endpoint: '/c', plugins: [good, { nope: 1 }] });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('plugins[1]');
    expect(cfg!.plugins).toEqual([good]);
  });
});

describe('clamping', () => {
  it.each<[string, Record<string, unknown>, (c: Config) => number, number]>([
    ['batch.size', { batch: { size: 1e6 } }, (c) => c.batch.size, DEFAULTS.batch.size[2]],
    ['batch.intervalMs', { batch: { intervalMs: -5 } }, (c) => c.batch.intervalMs, DEFAULTS.batch.intervalMs[1]],
    ['batch.maxBytes', { batch: { maxBytes: 10 } }, (c) => c.batch.maxBytes, 1000],
    ['retry.baseDelayMs', { retry: { baseDelayMs: 0 } }, (c) => c.retry.baseDelayMs, 100],
    ['retry.maxAgeMs', { retry: { maxAgeMs: Number.POSITIVE_INFINITY } }, (c) => c.retry.maxAgeMs, 90 * 864e5],
    ['queue.maxEvents', { queue: { maxEvents: 1e9 } }, (c) => c.queue.maxEvents, 100000],
  ])('%s is clamped with one warning', (field, given, read, expected) => {
    const { cfg, errors, warnings } = resolve({ endpoint: '/c', ...given });
    expect(errors).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(field);
    expect(read(cfg!)).toBe(expected);
  });

  it('maxDelayMs below baseDelayMs is raised to it', () => {
    const { cfg } = resolve({ endpoint: '/c', retry: { baseDelayMs: 5000, maxDelayMs: 2000 } });
    expect(cfg!.retry.maxDelayMs).toBe(5000);
  });
});

describe('prototype pollution', () => {
  it('__proto__, constructor and prototype keys never reach Object.prototype or the config', () => {
    const input = JSON.parse(`{
      "endpoint": "/c",
      "__proto__": { "polluted": 1, "debug": true },
      "constructor": { "prototype": { "polluted": 2 } },
      "prototype": { "polluted": 3 },
      "batch": { "__proto__": { "polluted": 4 }, "size": 3 },
      "privacy": { "__proto__": { "requireConsent": true, "polluted": 5 }, "constructor": { "prototype": { "polluted": 6 } } },
      "autocapture": { "__proto__": { "clicks": false } },
      "stages": { "__proto__": { "defaults": false } },
      "headers": { "__proto__": { "polluted": "7" } }
    }`);
    const { cfg } = resolve(input);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(cfg).not.toBeNull();
    expect(cfg!.debug).toBe(false);
    expect(cfg!.batch.size).toBe(3);
    expect(cfg!.privacy.requireConsent).toBe(false);
    expect(cfg!.autocapture.clicks).toBe(true);
    expect(cfg!.stages.defaults).toBe(true);
    expect(cfg!.headers === undefined || !('polluted' in cfg!.headers)).toBe(true);
    expect(Object.getPrototypeOf(cfg!.batch)).toBe(Object.prototype);
  });

  it('an endpoint inherited from a polluted prototype is not used', () => {
    const input = Object.create({ endpoint: 'https://evil.example/' });
    const { cfg, errors } = resolve(input);
    expect(cfg).toBeNull();
    expect(errors.some((m) => m.includes('endpoint'))).toBe(true);
  });
});

describe('endpoint', () => {
  it.each([[{}], [{ endpoint: '' }], [{ endpoint: '   ' }], [{ endpoint: 42 }], [undefined], [null], ['https://c.example/e']])(
    'missing or bad endpoint (%j) → null with an error naming "endpoint", never a throw',
    (input) => {
      const { cfg, errors } = resolve(input);
      expect(cfg).toBeNull();
      expect(errors.filter((m) => m.includes('"endpoint"'))).toHaveLength(1);
    },
  );
});
