import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureClicks } from '../../src/capture/clicks';
import type { Captured, CaptureContext } from '../../src/capture/context';
import { DEFAULT_SCRUB_PARAMS, scrubUrl } from '../../src/privacy';
import type { EventType } from '../../src/types';

interface Emitted {
  type: EventType;
  data: Captured;
  element?: Element | null;
}

function fakeContext(ignoreSelector = '[data-waymark-ignore]') {
  const events: Emitted[] = [];
  const ctx: CaptureContext = {
    emit: (type, data, element) => void events.push({ type, data, element }),
    win: window as unknown as Window,
    doc: document as unknown as Document,
    privacy: { ignoreSelector, scrubParams: [], respectDNT: false, respectGPC: true, requireConsent: false },
    friction: { rageClicks: 3, rageWindowMs: 1000, rageRadiusPx: 30, deadClickMs: 1000 },
    scrub: (url) => scrubUrl(url, DEFAULT_SCRUB_PARAMS),
    onRoute: () => () => {},
    onLeave: () => () => {},
    now: () => Date.now(),
  };
  return { ctx, events };
}

function click(el: Element, init: MouseEventInit = {}): MouseEvent {
  const event = new MouseEvent('click', { bubbles: true, cancelable: true, composed: true, ...init });
  el.dispatchEvent(event);
  return event;
}
const $ = (sel: string) => document.querySelector(sel)!;

let stop: (() => void) | undefined;
let events: Emitted[];
beforeEach(() => {
  const f = fakeContext();
  events = f.events;
  stop = captureClicks(f.ctx);
});
afterEach(() => {
  stop?.();
  document.body.innerHTML = '';
});

describe('captureClicks', () => {
  it('captures a click on a button with its description and element', () => {
    document.body.innerHTML = '<main><button id="buy" class="btn">Buy now</button></main>';
    click($('#buy'));
    expect(events).toEqual([
      {
        type: 'click',
        data: { properties: {}, target: { tag: 'button', id: 'buy', text: 'Buy now', selector: '#buy' } },
        element: $('#buy'),
      },
    ]);
  });

  it('attributes a click on an inner icon to its link, with a scrubbed href', () => {
    document.body.innerHTML = '<a id="l" href="/account?session=s3cr3t&tab=2"><i class="icon">→</i> Account</a>';
    click($('i'));
    expect(events).toHaveLength(1);
    expect(events[0]!.element).toBe($('#l'));
    expect(events[0]!.data.target).toMatchObject({ tag: 'a', href: 'http://localhost:3000/account?tab=2' });
    expect(JSON.stringify(events)).not.toContain('s3cr3t');
  });

  it('does not capture clicks on plain content', () => {
    document.body.innerHTML = '<article><p id="p">Some <b>text</b></p><img id="i" src="x.png"></article>';
    click($('b'));
    click($('#i'));
    click(document.body);
    expect(events).toEqual([]);
  });

  it('names the event after data-waymark and turns data-waymark-prop-* into properties', () => {
    document.body.innerHTML =
      '<div data-waymark="plan_selected" data-waymark-prop-plan="pro" data-waymark-prop-billing_cycle="yearly"><span id="s">Pro</span></div>';
    click($('#s'));
    expect(events).toHaveLength(1);
    expect(events[0]!.data.name).toBe('plan_selected');
    expect(events[0]!.data.properties).toEqual({ plan: 'pro', billing_cycle: 'yearly' });
  });

  it('masks e-mail, phone and card numbers in button text', () => {
    document.body.innerHTML = '<button id="b">Send to jane@example.com, +44 20 7946 0958, 4242-4242-4242-4242</button>';
    click($('#b'));
    expect(events[0]!.data.target!.text).toBe('Send to [email], [phone], [card]');
  });

  it('ignores elements inside the ignore selector (ancestor included)', () => {
    document.body.innerHTML = `<div data-waymark-ignore><section><button id="a">Secret</button></section></div>
      <button id="b"><span data-waymark-ignore id="s">hidden part</span></button>`;
    click($('#a'));
    click($('#s'));
    expect(events).toEqual([]);
  });

  it('honours a custom ignore selector', () => {
    stop?.();
    const f = fakeContext('.no-track');
    events = f.events;
    stop = captureClicks(f.ctx);
    document.body.innerHTML = '<nav class="no-track"><a id="a" href="/x">x</a></nav><a id="b" href="/y">y</a>';
    click($('#a'));
    click($('#b'));
    expect(events.map((e) => e.element)).toEqual([$('#b')]);
  });

  it('uses the value of a submit input as text, never the value of other inputs', () => {
    document.body.innerHTML = `<form><input id="t" type="text"><input id="s" type="submit" value="Join">
      <div role="button" id="r"><input id="inner" value="typed-canary-1">Apply</div></form>`;
    ($('#t') as HTMLInputElement).value = 'typed-canary-2';
    ($('#inner') as HTMLInputElement).value = 'typed-canary-3';
    $('form').addEventListener('submit', (e) => e.preventDefault());
    click($('#t'));
    click($('#s'));
    click($('#inner'));
    expect(events.map((e) => e.data.target!.text)).toEqual(['Join', 'Apply']);
    expect(JSON.stringify(events)).not.toContain('canary');
  });

  it('never prevents the default action, and flags outbound links and downloads', () => {
    document.body.innerHTML = '<a id="o" href="https://elsewhere.example/x">out</a><a id="d" href="/files/report.pdf">pdf</a>';
    $('#o').addEventListener('click', (e) => e.preventDefault());
    $('#d').addEventListener('click', (e) => e.preventDefault());
    const e1 = click($('#o'));
    click($('#d'));
    expect(events.map((e) => [e.data.target!.outbound, e.data.target!.download])).toEqual([
      [true, undefined],
      [undefined, true],
    ]);
    // Only the page's own handler prevented it; a second, unhandled click is left alone.
    expect(e1.defaultPrevented).toBe(true);
    document.body.innerHTML = '<a id="n" href="#top">top</a>';
    expect(click($('#n')).defaultPrevented).toBe(false);
  });

  it('counts a middle click on a link (opened in a new tab), not on a button', () => {
    document.body.innerHTML = '<a id="a" href="/docs">Docs</a><button id="b">b</button>';
    $('#a').dispatchEvent(new MouseEvent('auxclick', { bubbles: true, button: 1 }));
    $('#b').dispatchEvent(new MouseEvent('auxclick', { bubbles: true, button: 1 }));
    $('#a').dispatchEvent(new MouseEvent('auxclick', { bubbles: true, button: 2 }));
    expect(events).toHaveLength(1);
    expect(events[0]!.data.properties).toEqual({ button: 'middle' });
  });

  it('emits nothing after the returned stop function ran', () => {
    document.body.innerHTML = '<button id="b">x</button>';
    click($('#b'));
    stop!();
    stop = undefined;
    click($('#b'));
    expect(events).toHaveLength(1);
  });

  it('never throws into the page when emit throws', () => {
    stop?.();
    const f = fakeContext();
    f.ctx.emit = () => {
      throw new Error('boom');
    };
    stop = captureClicks(f.ctx);
    document.body.innerHTML = '<button id="b">x</button>';
    expect(() => click($('#b'))).not.toThrow();
  });
});
