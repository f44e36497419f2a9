import { afterEach, describe, expect, it } from 'vitest';
import {
  actionableAncestor,
  cssPath,
  describeElement,
  isIgnored,
  isStableToken,
} from '../../src/capture/element';
import { DEFAULT_SCRUB_PARAMS, scrubUrl } from '../../src/privacy';

const scrub = (url: string) => scrubUrl(url, DEFAULT_SCRUB_PARAMS);
const describeIt = (el: Element) => describeElement(el, { scrub, ignoreSelector: '[data-waymark-ignore]' });

function mount(html: string): HTMLElement {
  document.body.innerHTML = html;
  return document.body;
}
const $ = (sel: string) => document.querySelector(sel)!;

afterEach(() => {
  document.body.innerHTML = '';
});

describe('actionableAncestor', () => {
  // [markup, the element clicked, the element the click belongs to (null: not captured)]
  const table: Array<[string, string, string | null]> = [
    ['<a id="t" href="/x">Go</a>', '#t', '#t'],
    ['<a id="t" name="anchor">Not a link</a>', '#t', null],
    ['<button id="t">Buy</button>', '#t', '#t'],
    ['<input id="t" type="submit" value="Send">', '#t', '#t'],
    ['<input id="t" type="button" value="Go">', '#t', '#t'],
    ['<input id="t" type="reset">', '#t', '#t'],
    ['<input id="t" type="image" alt="Go">', '#t', '#t'],
    ['<input id="t" type="text">', '#t', null],
    ['<input id="t" type="checkbox">', '#t', null],
    ['<div id="t" role="button">Open</div>', '#t', '#t'],
    ['<span id="t" role="link">More</span>', '#t', '#t'],
    ['<div id="t" data-waymark="promo">Banner</div>', '#t', '#t'],
    ['<p id="t">Just text</p>', '#t', null],
    ['<div><img id="t" src="x.png"></div>', '#t', null],
    ['<button id="b"><span><svg id="t"></svg></span></button>', '#t', '#b'],
    ['<a id="a" href="/p"><span id="t">Pricing</span></a>', '#t', '#a'],
    ['<div data-waymark="card"><button id="t">Buy</button></div>', '#t', '#t'],
  ];
  it.each(table)('%s (click on %s) belongs to %s', (html, clicked, expected) => {
    mount(html);
    const got = actionableAncestor($(clicked));
    expect(got).toBe(expected ? $(expected) : null);
  });

  it('finds the button inside an open shadow root through its host', () => {
    const host = document.createElement('my-widget');
    document.body.append(host);
    const root = host.attachShadow({ mode: 'open' });
    root.innerHTML = '<button id="inner"><i>icon</i></button>';
    expect(actionableAncestor(root.querySelector('i'))).toBe(root.querySelector('#inner'));
  });
});

describe('describeElement', () => {
  it('describes a button by tag, id, text and selector', () => {
    mount('<button id="buy">  Buy   now  </button>');
    expect(describeIt($('#buy'))).toEqual({ tag: 'button', id: 'buy', text: 'Buy now', selector: '#buy' });
  });

  it.each([
    ['Email jane.doe+x@example.com now', 'Email [email] now'],
    ['Call +1 (555) 123-4567', 'Call [phone]'],
    ['Pay with 4111 1111 1111 1111', 'Pay with [card]'],
  ])('masks personal data in text: %s', (text, masked) => {
    mount(`<button id="b">${text}</button>`);
    expect(describeIt($('#b')).text).toBe(masked);
  });

  it('bounds text to 100 characters', () => {
    mount(`<a id="a" href="/x">${'word '.repeat(200)}</a>`);
    const text = describeIt($('#a')).text!;
    expect(text.length).toBeLessThanOrEqual(100);
    expect(text.startsWith('word word')).toBe(true);
  });

  it('uses the value of submit/button/reset inputs as their label', () => {
    mount('<input id="s" type="submit" value="Create account"><input id="r" type="reset" value="Clear">');
    expect(describeIt($('#s')).text).toBe('Create account');
    expect(describeIt($('#r')).text).toBe('Clear');
  });

  it('never reads typed data: nested fields, editable content and ignored parts are left out of text', () => {
    mount(`<div id="w" data-waymark="box">Label
      <input value="typed-secret-1"><textarea>typed-secret-2</textarea>
      <select><option selected>typed-secret-3</option></select>
      <span contenteditable="true">typed-secret-4</span>
      <span data-waymark-ignore>hidden-secret-5</span></div>`);
    ($('input') as HTMLInputElement).value = 'typed-secret-6';
    const info = describeIt($('#w'));
    expect(info.text).toBe('Label');
    expect(JSON.stringify(info)).not.toMatch(/secret/);
  });

  it('gives editable content no text at all', () => {
    mount('<div id="e" role="button" contenteditable="true">typed-secret</div>');
    expect(describeIt($('#e')).text).toBeUndefined();
  });

  it('masks an e-mail address split over elements, international ones, and secrets in link text and href', () => {
    mount(
      '<a id="a" href="/u"><b>alice</b>@example.com</a><a id="b" href="/u">alice@<i>example</i>.com</a>' +
        '<a id="c" href="/u"><span>Write to</span> <span>jürgen</span><span>@</span><span>müller.de</span></a>' +
        '<a id="d" href="https://s.test/p?user=bob@example.com#/x">Profile</a><p id="e"><span>Done.</span><span>Next</span></p>',
    );
    expect(describeIt($('#a')).text).toBe('[email]');
    expect(describeIt($('#b')).text).toBe('[email]');
    expect(describeIt($('#c')).text).toBe('Write to [email]');
    expect(describeIt($('#d')).href).toBe('https://s.test/p?user=[email]#/x');
    for (const id of ['#a', '#b', '#c', '#d']) expect(JSON.stringify(describeIt($(id)))).not.toMatch(/alice|jürgen|bob|example|müller/);
    // Element boundaries still separate words when there is no address.
    expect(describeIt($('#e')).text).toBe('Done. Next');
  });

  it('falls back to aria-label for icon-only controls', () => {
    mount('<button id="x" aria-label="Close dialog"><svg></svg></button>');
    expect(describeIt($('#x')).text).toBe('Close dialog');
  });

  it('scrubs sensitive parameters from href', () => {
    mount('<a id="a" href="/reset?token=abc123&step=2&email=a@b.co">Reset</a>');
    const href = describeIt($('#a')).href!;
    expect(href).toBe('http://localhost:3000/reset?step=2');
  });

  it('masks mailto/tel addresses and drops javascript: hrefs', () => {
    mount('<a id="m" href="mailto:jane@example.com?subject=hi">Mail</a><a id="t" href="tel:+15551234567">Call</a><a id="j" href="javascript:void(0)">JS</a>');
    expect(describeIt($('#m')).href).toBe('mailto:[email]');
    expect(describeIt($('#t')).href).toBe('tel:[phone]');
    expect(describeIt($('#j')).href).toBeUndefined();
  });

  it.each([
    ['https://other.example.org/page', { outbound: true }],
    ['http://www.localhost:3000/x', {}],
    ['/docs/guide.pdf', { download: true }],
    ['/export', { download: true }, ' download'],
    ['https://cdn.other.net/app.dmg', { outbound: true, download: true }],
    ['/about', {}],
  ] as Array<[string, { outbound?: boolean; download?: boolean }, string?]>)('flags %s', (href, flags, attrs = '') => {
    mount(`<a id="a" href="${href}"${attrs}>x</a>`);
    const info = describeIt($('#a'));
    expect({ outbound: info.outbound, download: info.download }).toEqual({
      outbound: flags.outbound,
      download: flags.download,
    });
  });
});

describe('isIgnored', () => {
  it('matches the element or any ancestor', () => {
    mount('<section data-waymark-ignore><div><button id="b">x</button></div></section><button id="c">y</button>');
    expect(isIgnored($('#b'), '[data-waymark-ignore]')).toBe(true);
    expect(isIgnored($('#c'), '[data-waymark-ignore]')).toBe(false);
  });

  it('honours a custom selector and keeps the default working when the selector is invalid', () => {
    mount('<div class="private"><a id="a" href="/">x</a></div><div data-waymark-ignore><a id="b" href="/">y</a></div>');
    expect(isIgnored($('#a'), '.private')).toBe(true);
    expect(isIgnored($('#b'), '[[bad')).toBe(true);
  });
});

describe('cssPath', () => {
  it('prefers a stable id', () => {
    mount('<div><button id="checkout">x</button></div>');
    expect(cssPath($('#checkout'))).toBe('#checkout');
  });

  it('uses data-waymark next', () => {
    mount('<div><button data-waymark="signup">x</button></div>');
    expect(cssPath($('button'))).toBe('button[data-waymark="signup"]');
  });

  it('skips generated ids and classes and disambiguates siblings', () => {
    mount(`<nav id="menu"><ul><li><a id="ember1234" class="css-1x2y3z link is-active" href="/a">A</a></li>
      <li><a class="css-9a8b7c link" href="/b">B</a></li></ul></nav>`);
    const second = document.querySelectorAll('a')[1]!;
    const path = cssPath(second);
    expect(path).toBe('#menu > ul > li:nth-of-type(2) > a.link');
    expect(document.querySelector(path)).toBe(second);
    expect(cssPath(document.querySelector('a')!)).toBe('#menu > ul > li:nth-of-type(1) > a.link');
  });

  it('stays short: at most four steps', () => {
    mount('<div><div><div><div><div><div><span>deep</span></div></div></div></div></div></div>');
    expect(cssPath($('span')).split(' > ')).toHaveLength(4);
  });

  it.each([
    ['checkout', true],
    ['step2', true],
    ['col-md-6', true],
    ['ember1234', false],
    [':r1:', false],
    ['css-1n4k5x6', false],
    ['Button_primary__3xYz1', false],
    ['md:flex', false],
  ])('isStableToken(%s) = %s', (token, stable) => {
    expect(isStableToken(token)).toBe(stable);
  });
});
