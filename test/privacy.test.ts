// URL scrubbing, free-text masking and browser privacy signals.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRUB_PARAMS, maskText, privacySignal, scrubUrl } from '../src/privacy';

const scrub = (u: string, params: readonly string[] = DEFAULT_SCRUB_PARAMS, base?: string) => scrubUrl(u, params, base);

describe('scrubUrl', () => {
  it('removes the default sensitive parameters and keeps the rest', () => {
    expect(scrub('https://s.test/reset?token=abc&email=a@b.com&code=123&utm_source=news&page=2&password=p&session=s&key=k&auth=z&secret=q&access_token=t')).toBe(
      'https://s.test/reset?utm_source=news&page=2',
    );
  });

  it('matches parameter names case-insensitively', () => {
    expect(scrub('https://s.test/?Token=1&EMAIL=x&Access_Token=2&q=shoes')).toBe('https://s.test/?q=shoes');
  });

  it('drops a query that was all secrets entirely', () => {
    expect(scrub('https://s.test/p?token=1')).toBe('https://s.test/p');
  });

  it('removes custom parameters on top of the sensitive names, which always go', () => {
    expect(scrub('https://s.test/?gclid=G&fbclid=F&token=t&q=1', ['gclid', 'fbclid'])).toBe('https://s.test/?q=1');
    expect(scrub('https://s.test/?gclid=G&plan=pro&q=1', [])).toBe('https://s.test/?gclid=G&plan=pro&q=1');
    expect(scrub('https://s.test/?gclid=G&token=t&q=1', [...DEFAULT_SCRUB_PARAMS, 'gclid'])).toBe('https://s.test/?q=1');
  });

  it('masks path segments that look like e-mail addresses (plain or percent-encoded)', () => {
    expect(scrub('https://s.test/users/jane.doe@example.com/profile')).toBe('https://s.test/users/[email]/profile');
    expect(scrub('https://s.test/reset/jane%40example.com')).toBe('https://s.test/reset/[email]');
    expect(scrub('https://s.test/@handle/posts')).toBe('https://s.test/@handle/posts');
  });

  it('drops fragments that carry parameters (OAuth implicit flow)', () => {
    expect(scrub('https://s.test/cb#access_token=T&expires_in=3600')).toBe('https://s.test/cb');
    expect(scrub('https://s.test/cb?state=1#id_token=abc')).toBe('https://s.test/cb?state=1');
  });

  it('keeps plain anchors and hash routes, dropping only a hash route\'s parameters', () => {
    expect(scrub('https://s.test/docs#install')).toBe('https://s.test/docs#install');
    expect(scrub('https://s.test/#/orders/42')).toBe('https://s.test/#/orders/42');
    expect(scrub('https://s.test/#/orders/42?token=x&tab=2')).toBe('https://s.test/#/orders/42');
    expect(scrub('https://s.test/#!/cart?code=1')).toBe('https://s.test/#!/cart');
  });

  it('removes credentials in the URL', () => {
    expect(scrub('https://user:pw@s.test/x')).toBe('https://s.test/x');
  });

  it('resolves relative URLs against a base', () => {
    expect(scrub('/a?token=1&b=2', DEFAULT_SCRUB_PARAMS, 'https://s.test/here')).toBe('https://s.test/a?b=2');
  });

  it('leaves empty input alone and masks text that is not a URL', () => {
    expect(scrub('')).toBe('');
    expect(scrub('not a url, mail jane@x.com')).toBe('not a url, mail [email]');
  });

  it('canary: no secret survives', () => {
    const out = scrub('https://s.test/reset/canary.user@example.com?token=CANARY_TOKEN&email=canary%40x.com&utm_campaign=spring#access_token=CANARY_FRAG');
    expect(out).not.toMatch(/CANARY|canary|@/);
    expect(out).toContain('utm_campaign=spring');
  });
});

describe('scrubUrl: value-based', () => {
  const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
  it.each([
    ['reset_token', 'https://s.test/reset?reset_token=abc&step=2', 'https://s.test/reset?step=2'],
    ['otp', 'https://s.test/verify?otp=123456&lang=en', 'https://s.test/verify?lang=en'],
    ['camelCase apiKey', 'https://s.test/?apiKey=k1&q=shoes', 'https://s.test/?q=shoes'],
    ['x-session-id', 'https://s.test/?x-session-id=1&q=2', 'https://s.test/?q=2'],
    ['oauth_signature', 'https://s.test/?oauth_signature=s&q=2', 'https://s.test/?q=2'],
    ['a secret value under any name', `https://s.test/?state=${JWT}&q=2`, 'https://s.test/?q=2'],
    ['a hex value under any name', 'https://s.test/confirm?c=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b&q=2', 'https://s.test/confirm?q=2'],
  ])('removes %s', (_, input, output) => {
    expect(scrub(input)).toBe(output);
  });

  it('keeps parameter names that only look alike (keyword, author, promo_code) and ad click ids', () => {
    const url = 'https://s.test/?keyword=shoes&author=ann&promo_code=SPRING24&gclid=Cj0KCQiA4NWrBhD-ARIsAFCKwWtLmVnW8z3Xb9T0p1QeR7sY6uV5wX4y';
    expect(scrub(url)).toBe(url);
  });

  it('masks e-mail addresses in any parameter value, ASCII or international', () => {
    expect(scrub('https://s.test/?user=a@b.com&q=1')).toBe('https://s.test/?user=[email]&q=1');
    expect(scrub('https://s.test/?utm_content=j%C3%BCrgen%40m%C3%BCller.de&utm_source=news')).toBe(
      'https://s.test/?utm_content=[email]&utm_source=news',
    );
    expect(scrub('https://s.test/?to=Mail+jane.doe%2Bx%40example.org+now')).toBe('https://s.test/?to=Mail+[email]+now');
  });

  it('masks e-mail and secret path segments, in the path and in a hash route', () => {
    expect(scrub('https://s.test/#/users/a@b.com/edit')).toBe('https://s.test/#/users/[email]/edit');
    expect(scrub('https://s.test/#!/u/j%C3%BCrgen@m%C3%BCller.de')).toBe('https://s.test/#!/u/[email]');
    expect(scrub('https://s.test/users/j%C3%BCrgen%40m%C3%BCller.de')).toBe('https://s.test/users/[email]');
    expect(scrub(`https://s.test/reset/${JWT}`)).toBe('https://s.test/reset/[secret]');
    expect(scrub('https://s.test/invite/550e8400-e29b-41d4-a716-446655440000')).toBe('https://s.test/invite/[secret]');
  });

  it('keeps ordinary paths, slugs and anchors', () => {
    for (const url of [
      'https://s.test/blog/summer-sale-2024-limited-edition-collection',
      'https://s.test/p/iphone15-pro-max-256gb-space-black',
      'https://s.test/orders/123456789/items/42',
      'https://s.test/docs/gettingStartedWithTheConfiguration#install',
    ]) {
      expect(scrub(url)).toBe(url);
    }
  });

  it('drops OAuth fragments and fragments carrying an e-mail or a secret', () => {
    expect(scrub('https://s.test/cb#code=abc&state=x')).toBe('https://s.test/cb');
    expect(scrub(`https://s.test/cb#${JWT}`)).toBe('https://s.test/cb');
    expect(scrub('https://s.test/cb#jane@example.com')).toBe('https://s.test/cb');
    expect(scrub('https://s.test/#/access_token=abc&token_type=bearer')).toBe('https://s.test/#/access_token');
  });

  it('masks non-http URLs like text', () => {
    expect(scrub('mailto:jane@example.com')).toBe('mailto:[email]');
  });
});

describe('maskText', () => {
  it('masks international e-mail addresses, JWTs and long random tokens', () => {
    expect(maskText('Hallo jürgen@müller.de!')).toBe('Hallo [email]!');
    expect(maskText('Ответ: иван@пример.рф')).toBe('Ответ: [email]');
    expect(maskText('key sk_live_4eC39HqLyjWDarjtT1zdp7dc here')).toBe('key [secret] here');
    expect(maskText('Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc')).toBe('Bearer [secret]');
    expect(maskText('Read summer-sale-2024-limited-edition now')).toBe('Read summer-sale-2024-limited-edition now');
  });
  it('masks e-mail addresses', () => {
    expect(maskText('Send to jane.doe+news@example.co.uk now')).toBe('Send to [email] now');
  });
  it('masks phone numbers', () => {
    expect(maskText('Call +1 (555) 123-4567')).toBe('Call [phone]');
    expect(maskText('Call 020 7946 0958 today')).toBe('Call [phone] today');
  });
  it('masks card-like digit runs', () => {
    expect(maskText('Card 4111 1111 1111 1111')).toBe('Card [card]');
    expect(maskText('4111-1111-1111-1111')).toBe('[card]');
    expect(maskText('4111111111111111')).toBe('[card]');
  });
  it('leaves ordinary text alone', () => {
    for (const s of ['Buy 2 items for $30', 'Order #12345', 'Since 2026', 'Add to cart', 'Plan: Pro (10 seats)']) {
      expect(maskText(s)).toBe(s);
    }
  });
});

describe('privacySignal', () => {
  const nav = (o: Record<string, unknown>) => o as unknown as Navigator;
  it('GPC opts out when respected (the default)', () => {
    expect(privacySignal(nav({ globalPrivacyControl: true }), true, false)).toBe(true);
    expect(privacySignal(nav({ globalPrivacyControl: true }), false, false)).toBe(false);
    expect(privacySignal(nav({ globalPrivacyControl: false }), true, false)).toBe(false);
    expect(privacySignal(nav({}), true, false)).toBe(false);
  });
  it('DNT opts out only when respectDNT is on', () => {
    expect(privacySignal(nav({ doNotTrack: '1' }), true, false)).toBe(false);
    expect(privacySignal(nav({ doNotTrack: '1' }), true, true)).toBe(true);
    expect(privacySignal(nav({ doNotTrack: 'yes' }), false, true)).toBe(true);
    expect(privacySignal(nav({ doNotTrack: '0' }), true, true)).toBe(false);
    expect(privacySignal(nav({ msDoNotTrack: '1' }), true, true)).toBe(true);
  });
  it('no navigator: no signal', () => {
    expect(privacySignal(undefined, true, true)).toBe(false);
  });
});
