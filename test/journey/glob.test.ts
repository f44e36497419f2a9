import { describe, expect, it } from 'vitest';
import { compileHostGlob, compilePathGlob, pathGlobKey, pathKeys } from '../../src/journey/glob';

const pathCases: Array<[glob: string, path: string, matches: boolean]> = [
  ['/pricing', '/pricing', true],
  ['/pricing', '/pricing/', true],
  ['/pricing/', '/pricing', true],
  ['/pricing', '/PRICING', true],
  ['/Pricing', '/pricing', true],
  ['/pricing', '/pricing.html', true],
  ['/pricing', '/pricing.php', true],
  ['/pricing', '/pricingx', false],
  ['/pricing', '/en/pricing', false],
  ['/pricing', '/pricing/team', false],
  ['pricing', '/pricing', true], // leading slash optional
  ['/', '/', true],
  ['/', '', true],
  ['/', '/home', false],
  ['/compare/*', '/compare/acme', true],
  ['/compare/*', '/compare/acme/', true],
  ['/compare/*', '/compare', false],
  ['/compare/*', '/compare/', false],
  ['/compare/*', '/compare/acme/2024', false],
  ['/blog/*/comments', '/blog/hello/comments', true],
  ['/blog/*/comments', '/blog/a/b/comments', false],
  ['/blog-*', '/blog-2024', true],
  ['/blog-*', '/blog-', true],
  ['/blog-*', '/blog/2024', false],
  ['/*-vs-*', '/acme-vs-initech', true],
  ['/*-vs-*', '/acme/vs/initech', false],
  ['**/pricing', '/pricing', true],
  ['**/pricing', '/en/pricing', true],
  ['**/pricing', '/en/us/pricing/', true],
  ['**/pricing', '/pricing/team', false],
  ['/**/pricing', '/de/pricing', true],
  ['/docs/**', '/docs', true],
  ['/docs/**', '/docs/', true],
  ['/docs/**', '/docs/api/v2/auth', true],
  ['/docs/**', '/documentation', false],
  ['/docs/**', '/en/docs', false],
  ['/docs/**', '/docs.html', true],
  ['/docs/**', '/docs.htmlx', false],
  ['/docs/**', '/docs.html/x', false],
  ['/**', '/index.php', true],
  ['**/products/**', '/products/blue-shoe', true],
  ['**/products/**', '/en/products', true],
  ['**/products/**', '/products-old', false],
  ['/**', '/', true],
  ['/**', '/anything/at/all', true],
  ['/**/**/x', '/a/b/x', true], // consecutive ** merge
  ['/a.b', '/a.b', true],
  ['/a.b', '/axb', false], // dots are literal
  ['/a.b', '/a.b.html', false], // explicit extension: no extra extensions
  ['/#/pricing', '/#/pricing', true],
  ['**/pricing', '/#/pricing', true],
  ['/café', '/CAFÉ', true],
];

describe('compilePathGlob', () => {
  it.each(pathCases)('%s vs %s → %s', (glob, path, matches) => {
    const re = compilePathGlob(glob);
    expect(re).not.toBeNull();
    expect(re!.test(path)).toBe(matches);
  });

  it.each([
    [''],
    ['   '],
    ['/pri cing'],
    ['/pricing(old)'],
    ['/a|b'],
    ['/a+'],
    ['/a?b'],
    ['/[a-z]'],
    ['/a{1,2}'],
    ['^/a'],
    ['/a$'],
    ['/a\\b'],
    ['/a**b'], // ** must be a whole segment
    ['/***x'],
    ['/a*b*c*d'], // more than two * in one segment
    ['/**/a/**/b/**/c'], // more than two **
    ['/*/*/*/*/*'], // more than four wildcards
    ['/' + 'a'.repeat(300)],
  ])('rejects %j', (glob) => {
    expect(compilePathGlob(glob)).toBeNull();
  });

  it('rejects non-strings without throwing', () => {
    expect(compilePathGlob(42 as unknown as string)).toBeNull();
    expect(compilePathGlob(undefined as unknown as string)).toBeNull();
  });

  it('stays fast on hostile paths (no catastrophic backtracking)', () => {
    const hostile = [
      // Paths up to the 2048 characters the matcher tests.
      ['/**/a/**/b', '/a'.repeat(1000) + '/c'],
      ['/*a*a/x', '/' + 'a'.repeat(2040) + '/y'],
      ['**/x-*-y', '/' + 'x-'.repeat(1000)],
      ['/**/*a*a', '/aaaa'.repeat(400) + '/b'],
    ] as const;
    for (const [glob, path] of hostile) {
      const re = compilePathGlob(glob)!;
      const start = performance.now();
      expect(re.test(path)).toBe(false);
      // Catastrophic backtracking takes seconds to hours here; a loaded CI machine takes a few ms.
      expect(performance.now() - start).toBeLessThan(1500);
    }
  });
});

describe('pathGlobKey and pathKeys', () => {
  it.each([
    ['/pricing', 'pricing'],
    ['**/Products/**', 'products'],
    ['/compare/*', 'compare'],
    ['/docs/api-reference/*', 'api-reference'],
    ['/*', ''],
    ['/blog-*/x', 'x'],
    ['/blog-*', ''],
    ['bad glob', ''],
  ])('key of %s → %j', (glob, key) => {
    expect(pathGlobKey(glob)).toBe(key);
  });

  it('path keys are lowercased segments, also without page extensions', () => {
    expect(pathKeys('/EN/Pricing.html/')).toEqual(['en', 'pricing.html', 'pricing']);
    expect(pathKeys('/')).toEqual([]);
  });

  it('every path a glob matches contains its key (the index never hides a match)', () => {
    const globs = pathCases.filter(([, , m]) => m).map(([g, p]) => [g, p] as const);
    for (const [glob, path] of globs) {
      const key = pathGlobKey(glob);
      if (key) expect(pathKeys(path), `${glob} / ${path}`).toContain(key);
    }
  });
});

const hostCases: Array<[glob: string, host: string, matches: boolean]> = [
  ['google.com', 'google.com', true],
  ['google.com', 'GOOGLE.com', true],
  ['google.com', 'www.google.com', false],
  ['google.com', 'google.com.evil.net', false],
  ['*.google.com', 'google.com', true], // leading *. also matches the bare domain
  ['*.google.com', 'www.google.com', true],
  ['*.google.com', 'a.b.google.com', true],
  ['*.google.com', 'notgoogle.com', false],
  ['*.google.*', 'www.google.co.uk', true],
  ['*.google.*', 'google.de', true],
  ['*.google.*', 'googlex.de', false],
  ['news.ycombinator.com', 'news.ycombinator.com', true],
  ['*google*', 'mygoogleapp.io', true],
  ['t.co', 'tXco', false], // dots are literal
  ['example.com.', 'example.com', true],
  ['example.com', 'example.com.', true],
  ['localhost:3000', 'localhost:3000', true],
  ['*', 'any.host.example', true],
];

describe('compileHostGlob', () => {
  it.each(hostCases)('%s vs %s → %s', (glob, host, matches) => {
    const re = compileHostGlob(glob);
    expect(re).not.toBeNull();
    expect(re!.test(host)).toBe(matches);
  });

  it.each([[''], ['.'], ['a b.com'], ['https://google.com'], ['google.com/search'], ['(a).com'], ['a..com'], ['*.*.*.com'], ['a|b']])(
    'rejects %j',
    (glob) => {
      expect(compileHostGlob(glob)).toBeNull();
    },
  );
});
