import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Captured, CaptureContext } from '../../src/capture/context';
import { captureForms, REJECT_CHECK_MS } from '../../src/capture/forms';
import { DEFAULT_SCRUB_PARAMS, scrubUrl } from '../../src/privacy';
import type { EventType } from '../../src/types';

interface Emitted {
  type: EventType;
  data: Captured;
  element?: Element | null;
}

function fakeContext(ignoreSelector = '[data-waymark-ignore]') {
  const events: Emitted[] = [];
  const leaveListeners = new Set<() => void>();
  const routeListeners = new Set<(from: string, to: string) => void>();
  const ctx: CaptureContext = {
    emit: (type, data, element) => void events.push({ type, data, element }),
    win: window as unknown as Window,
    doc: document as unknown as Document,
    privacy: { ignoreSelector, scrubParams: [], respectDNT: false, respectGPC: true, requireConsent: false },
    friction: { rageClicks: 3, rageWindowMs: 1000, rageRadiusPx: 30, deadClickMs: 1000 },
    scrub: (url) => scrubUrl(url, DEFAULT_SCRUB_PARAMS),
    onRoute: (l) => (routeListeners.add(l), () => void routeListeners.delete(l)),
    onLeave: (l) => (leaveListeners.add(l), () => void leaveListeners.delete(l)),
    now: () => Date.now(),
  };
  return {
    ctx,
    events,
    leave: () => leaveListeners.forEach((l) => l()),
    route: () => routeListeners.forEach((l) => l('/a', '/b')),
    listenerCount: () => leaveListeners.size + routeListeners.size,
  };
}

const $ = <T extends Element = HTMLInputElement>(sel: string) => document.querySelector(sel) as unknown as T;
const fire = (el: Element, type: string) =>
  el.dispatchEvent(type.startsWith('focus') ? new FocusEvent(type, { bubbles: true }) : new Event(type, { bubbles: true }));

/** What a visitor does to fill one field: focus, type, change, leave. */
function fill(el: Element, value: string, { change = true } = {}): void {
  fire(el, 'focusin');
  if (el.hasAttribute('contenteditable')) el.textContent = value;
  else if (el.tagName === 'SELECT') {
    const opt = document.createElement('option');
    opt.value = value;
    opt.textContent = value;
    el.append(opt);
    (el as HTMLSelectElement).value = value;
  } else (el as HTMLInputElement).value = value;
  fire(el, 'input');
  if (change) fire(el, 'change');
  fire(el, 'focusout');
}

const types = () => f.events.map((e) => e.type);
const ofType = (t: EventType) => f.events.filter((e) => e.type === t);
const tick = () => new Promise((r) => setTimeout(r, 0));
/** Wait until a submit handled by script has been judged (sent or rejected). */
const judged = () => new Promise((r) => setTimeout(r, REJECT_CHECK_MS + 20));

let f: ReturnType<typeof fakeContext>;
let stop: (() => void) | undefined;
beforeEach(() => {
  f = fakeContext();
  stop = captureForms(f.ctx);
});
afterEach(() => {
  stop?.();
  document.body.innerHTML = '';
});

describe('form_start', () => {
  it('fires once, on the first interaction, with id, name, scrubbed action and selector', () => {
    document.body.innerHTML = `<form id="signup" name="signup-form" action="/join?token=abc&plan=pro">
      <input name="email" type="email"><input name="first"></form>`;
    fire($('[name=email]'), 'focusin');
    fire($('[name=email]'), 'input');
    fire($('[name=first]'), 'focusin');
    expect(types()).toEqual(['form_start']);
    expect(f.events[0]!.data.form).toEqual({
      id: 'signup',
      name: 'signup-form',
      action: 'http://localhost:3000/join?plan=pro',
    });
    expect(f.events[0]!.data.properties).toEqual({ formSelector: '#signup' });
    expect(f.events[0]!.element).toBe($('form'));
  });

  it('is not triggered by buttons or by fields outside any form', () => {
    document.body.innerHTML = '<input id="loose"><form><button id="b">Go</button></form>';
    fire($('#loose'), 'focusin');
    fire($('#b'), 'focusin');
    expect(f.events).toEqual([]);
  });

  it('identifies a form without id or name by a stable selector, and is not fooled by fields named "id"', () => {
    document.body.innerHTML = '<main><div class="card"><form><input name="id"><input name="name"></form></div></main>';
    fill($('[name=id]'), 'x');
    const start = f.events[0]!;
    expect(start.data.form).toEqual({});
    expect(start.data.properties!.formSelector).toBe('main > div.card > form');
    expect(document.querySelector(start.data.properties!.formSelector as string)).toBe($('form'));
  });
});

describe('form_step for completed fields', () => {
  it('reports name, type and 1-based position, never the value', () => {
    document.body.innerHTML = `<form id="f"><input type="hidden" name="csrf" value="tok">
      <input name="email" type="email"><select name="country"></select><textarea name="notes"></textarea></form>`;
    fill($('[name=email]'), 'jane@example.com');
    fill($('[name=country]'), 'NL');
    fill($('[name=notes]'), 'hello');
    expect(ofType('form_step').map((e) => e.data.form!.field)).toEqual([
      { name: 'email', type: 'email', position: 1 },
      { name: 'country', type: 'select', position: 2 },
      { name: 'notes', type: 'textarea', position: 3 },
    ]);
  });

  it('completes a field on focusout after input when no change event came, and only once per edit', () => {
    document.body.innerHTML = '<form><input name="a"><input name="b"></form>';
    fill($('[name=a]'), 'x', { change: false });
    fill($('[name=b]'), 'y'); // change, then focusout: one step
    fire($('[name=b]'), 'focusin');
    fire($('[name=b]'), 'focusout'); // focus and leave without typing: no step
    expect(ofType('form_step').map((e) => e.data.form!.field!.name)).toEqual(['a', 'b']);
  });

  it.each([
    ['<input type="password" name="user_password">', 'password'],
    ['<input name="card" autocomplete="cc-number">', 'card'],
    ['<input name="exp" autocomplete="billing cc-exp">', 'card'],
    ['<input name="cvc_code">', 'card'],
    ['<input name="sms_code" autocomplete="one-time-code">', 'one-time-code'],
  ])('describes %s by its kind only', (html, kind) => {
    document.body.innerHTML = `<form><input name="email">${html}</form>`;
    fill($('form > input:last-child'), '4242424242424242');
    expect(ofType('form_step')[0]!.data.form!.field).toEqual({ name: kind, type: kind, position: 2 });
  });
});

describe('form_step for steps reached', () => {
  it('fires when focus enters another fieldset, named by its legend', () => {
    document.body.innerHTML = `<form><fieldset><legend>Contact</legend><input name="email"></fieldset>
      <fieldset><legend>Ship to jane@example.com</legend><fieldset><legend>Kind</legend><input type="radio" name="k"></fieldset>
      <input name="street"></fieldset></form>`;
    fire($('[name=email]'), 'focusin');
    fire($('[name=email]'), 'focusin');
    fire($('[name=street]'), 'focusin');
    fire($('[name=k]'), 'focusin'); // nested fieldset: still the same step
    expect(types()).toEqual(['form_start', 'form_step', 'form_step']);
    expect(ofType('form_step').map((e) => e.data.form!.step)).toEqual(['Contact', 'Ship to [email]']);
    fill($('[name=street]'), 'Main St 1');
    expect(f.events.at(-1)!.data.form).toMatchObject({ step: 'Ship to [email]', field: { name: 'street' } });
  });

  it('fires when a hidden step becomes visible (wizard), by 1-based index without a legend', async () => {
    document.body.innerHTML = `<form><fieldset id="s1"><input name="a"></fieldset>
      <fieldset id="s2" hidden><input name="b"></fieldset><fieldset id="s3" style="display:none"><input name="c"></fieldset></form>`;
    fill($('[name=a]'), 'x');
    $('#s1').setAttribute('hidden', '');
    $('#s2').removeAttribute('hidden');
    await tick();
    $('#s2').setAttribute('hidden', '');
    $('#s3').setAttribute('style', 'display:block');
    await tick();
    expect(ofType('form_step').map((e) => e.data.form!.step)).toEqual([1, 1, 2, 3]);
    expect(ofType('form_step').map((e) => e.data.form!.field?.name)).toEqual([undefined, 'a', undefined, undefined]);
  });

  it('follows an SPA wizard that renders [data-waymark-step] containers in place', async () => {
    document.body.innerHTML = '<form id="w"><div data-waymark-step="details"><input name="a"></div></form>';
    fire($('[name=a]'), 'focusin');
    $('form').innerHTML = '<div data-waymark-step="payment"><input name="b"></div>';
    await tick();
    $('form').innerHTML = '<div data-waymark-step="payment"><input name="b"><p>error</p></div>'; // re-render, same step
    await tick();
    expect(ofType('form_step').map((e) => e.data.form!.step)).toEqual(['details', 'payment']);
  });
});

describe('form_submit', () => {
  it('fires for requestSubmit, even when the page handler calls preventDefault', async () => {
    document.body.innerHTML = '<form id="f"><input name="q"><button id="go">Go</button></form>';
    $<HTMLFormElement>('form').addEventListener('submit', (e) => e.preventDefault());
    fill($('[name=q]'), 'x');
    $<HTMLFormElement>('form').requestSubmit();
    await judged();
    expect(types()).toEqual(['form_start', 'form_step', 'form_submit']);
    expect(ofType('form_submit')[0]!.data.form).toEqual({ id: 'f' });
  });

  it('fires for a submit button click and starts the form first when nobody interacted', async () => {
    document.body.innerHTML = '<form name="newsletter"><button id="go">Subscribe</button></form>';
    $<HTMLFormElement>('form').addEventListener('submit', (e) => e.preventDefault());
    $<HTMLButtonElement>('#go').click();
    await judged();
    expect(types()).toEqual(['form_start', 'form_submit']);
  });

  it('does not fire for a submit event that never happened (invalid required field)', () => {
    document.body.innerHTML = '<form><input name="q" required></form>';
    $<HTMLFormElement>('form').requestSubmit();
    expect(ofType('form_submit')).toEqual([]);
  });
});

describe('form_reject: a submit the page\'s validation rejected', () => {
  const rhfLike = (markInvalid: (form: HTMLFormElement) => void) => {
    const form = $<HTMLFormElement>('form');
    // Like react-hook-form: prevent at once, validate asynchronously, re-render with aria-invalid.
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void Promise.resolve().then(() => setTimeout(() => markInvalid(form), 5));
    });
  };

  it('is reported as form_reject (rejected: true), not form_submit, and leaving then yields form_abandon', async () => {
    document.body.innerHTML = '<form id="checkout" novalidate><input name="email"><input name="card"><button>Pay</button></form>';
    rhfLike((form) => form.querySelector('[name=email]')!.setAttribute('aria-invalid', 'true'));
    fill($('[name=email]'), 'not-an-address');
    $<HTMLButtonElement>('button').click();
    await judged();
    expect(ofType('form_submit')).toEqual([]);
    const [reject] = ofType('form_reject');
    expect(reject!.data.form).toEqual({ id: 'checkout', rejected: true });
    expect(reject!.element).toBe($('form'));
    f.leave();
    expect(types()).toEqual(['form_start', 'form_step', 'form_reject', 'form_abandon']);
    expect(ofType('form_abandon')[0]!.data.properties).toMatchObject({ reason: 'leave', fieldsCompleted: 1 });
  });

  it('is reported right after the handlers ran when they mark fields invalid at once', async () => {
    document.body.innerHTML = '<form id="f" novalidate><input name="q"><button>Go</button></form>';
    $<HTMLFormElement>('form').addEventListener('submit', (e) => {
      e.preventDefault();
      $('[name=q]').setAttribute('aria-invalid', 'true');
    });
    $<HTMLButtonElement>('button').click();
    await tick();
    expect(types()).toEqual(['form_start', 'form_reject']);
  });

  it('counts constraint validation (:invalid) of a novalidate form handled by script', async () => {
    document.body.innerHTML = '<form id="f" novalidate><input name="q" required><button>Go</button></form>';
    $<HTMLFormElement>('form').addEventListener('submit', (e) => e.preventDefault());
    $<HTMLButtonElement>('button').click();
    await judged();
    expect(types()).toEqual(['form_start', 'form_reject']);
  });

  it('does not count required fields of a step not shown yet', async () => {
    document.body.innerHTML = '<form id="f" novalidate><fieldset><input name="a"></fieldset><fieldset hidden><input name="b" required></fieldset></form>';
    $<HTMLFormElement>('form').addEventListener('submit', (e) => e.preventDefault());
    $<HTMLFormElement>('form').requestSubmit();
    await judged();
    expect(types()).toEqual(['form_start', 'form_submit']);
  });

  it('a submit whose handler clears fields marked invalid earlier is a form_submit', async () => {
    document.body.innerHTML = '<form id="f"><input name="q" aria-invalid="true"><button>Go</button></form>';
    $<HTMLFormElement>('form').addEventListener('submit', (e) => {
      e.preventDefault();
      $('[name=q]').setAttribute('aria-invalid', 'false');
    });
    $<HTMLButtonElement>('button').click();
    await judged();
    expect(types()).toEqual(['form_start', 'form_submit']);
  });

  it('a submit the browser carries out (not prevented) is a form_submit at once', async () => {
    document.body.innerHTML = '<form id="f" novalidate action="/x"><input name="q" required></form>';
    // A submit event nobody prevents (dispatched, so happy-dom does not navigate).
    $<HTMLFormElement>('form').dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    await tick();
    expect(types()).toEqual(['form_start', 'form_submit']);
  });

  it('is judged at once when the page or route is left within the window', async () => {
    document.body.innerHTML = '<form id="a"><input name="x"></form><form id="b"><input name="y"></form>';
    for (const form of Array.from(document.forms)) form.addEventListener('submit', (e) => e.preventDefault());
    $('[name=x]').setAttribute('aria-invalid', 'true');
    $<HTMLFormElement>('#a').requestSubmit();
    $<HTMLFormElement>('#b').requestSubmit();
    await tick();
    f.route();
    expect(f.events.map((e) => `${e.type} ${e.data.form!.id}`)).toEqual([
      'form_start a',
      'form_start b',
      'form_reject a',
      'form_submit b',
      'form_abandon a',
    ]);
    await judged();
    expect(f.events).toHaveLength(5);
  });
});

describe('form identity', () => {
  it('keeps id, name, action and selector from the first event to the last, whatever the route does', () => {
    history.replaceState(null, '', '/signup');
    document.body.innerHTML = '<main><section class="box"><form action="#"><input name="email"><input name="pw"></form></section></main>';
    fill($('[name=email]'), 'x');
    history.pushState(null, '', '/elsewhere/deeper');
    // The router re-renders: the form moves in the DOM.
    document.querySelector('main')!.prepend(document.createElement('section'));
    f.route();
    const forms = f.events.map((e) => [e.type, e.data.form!.action, e.data.properties!.formSelector]);
    expect(forms).toEqual([
      ['form_start', 'http://localhost:3000/signup#', 'main > section.box > form'],
      ['form_step', 'http://localhost:3000/signup#', 'main > section.box > form'],
      ['form_abandon', 'http://localhost:3000/signup#', 'main > section.box > form'],
    ]);
    history.replaceState(null, '', '/');
  });
});

describe('form_abandon', () => {
  it('fires exactly once when the page is left and then the route changes', () => {
    document.body.innerHTML = '<form id="f"><input name="a"><input type="password" name="pw"><input name="c"></form>';
    fill($('[name=a]'), 'x');
    fill($('[name=pw]'), 'hunter2');
    fire($('[name=c]'), 'focusin');
    f.leave();
    f.route();
    f.leave();
    const abandons = ofType('form_abandon');
    expect(abandons).toHaveLength(1);
    expect(abandons[0]!.data.form).toEqual({ id: 'f' });
    expect(abandons[0]!.data.properties).toEqual({
      formSelector: '#f',
      fieldsCompleted: 2,
      lastField: 'password',
      reason: 'leave',
    });
  });

  it('fires on an SPA route change, and a form still on screen starts afresh afterwards', () => {
    document.body.innerHTML = '<form id="search"><input name="q"></form>';
    fire($('[name=q]'), 'focusin');
    f.route();
    f.route();
    fire($('[name=q]'), 'focusin');
    f.route();
    expect(types()).toEqual(['form_start', 'form_abandon', 'form_start', 'form_abandon']);
    expect(ofType('form_abandon')[0]!.data.properties).toMatchObject({ reason: 'route', fieldsCompleted: 0 });
  });

  it('does not fire after submit, nor for forms nobody touched', () => {
    document.body.innerHTML = '<form id="a"><input name="x"></form><form id="b"><input name="y"></form><form id="c"><input></form>';
    $<HTMLFormElement>('#a').addEventListener('submit', (e) => e.preventDefault());
    fill($('[name=x]'), 'v');
    $<HTMLFormElement>('#a').requestSubmit();
    fire($('[name=y]'), 'focusin');
    f.leave();
    expect(ofType('form_abandon').map((e) => e.data.form!.id)).toEqual(['b']);
  });
});

describe('privacy', () => {
  it('captures nothing for ignored forms or ignored fields', () => {
    document.body.innerHTML = `<form id="a" data-waymark-ignore><input name="x"></form>
      <form id="b"><div data-waymark-ignore><input name="secret"></div></form>`;
    fill($('[name=x]'), 'v');
    $<HTMLFormElement>('#a').addEventListener('submit', (e) => e.preventDefault());
    $<HTMLFormElement>('#a').requestSubmit();
    fill($('[name=secret]'), 'v');
    f.leave();
    expect(f.events).toEqual([]);
  });

  it('canary: nothing typed into any kind of field appears in any event', async () => {
    document.body.innerHTML = `<form id="f" action="/send"><fieldset><legend>About you</legend>
      <input name="t" type="text"><input name="e" type="email"><input name="n" type="number">
      <textarea name="ta"></textarea><select name="s"></select>
      <div contenteditable="true" aria-label="bio"></div>
      <input type="password" name="p"><input type="hidden" name="h" value="canary-hidden-0">
      <input name="cc" autocomplete="cc-number"><input name="otp" autocomplete="one-time-code">
      <input type="checkbox" name="cb" value="canary-checkbox-0"><input type="radio" name="r" value="canary-radio-0">
      </fieldset><fieldset hidden><legend>More</legend><input name="more"></fieldset></form>`;
    $<HTMLFormElement>('form').addEventListener('submit', (e) => e.preventDefault());
    let i = 0;
    const canary = () => `canary-${++i}-zq`;
    for (const el of Array.from(document.querySelectorAll('input:not([type=hidden]), textarea, select, [contenteditable]'))) {
      fill(el, canary());
    }
    ($('[name=h]') as HTMLInputElement).value = canary();
    fire($('[name=h]'), 'change');
    $('fieldset[hidden]').removeAttribute('hidden');
    await tick();
    fill($('[name=more]'), canary());
    $<HTMLFormElement>('form').requestSubmit();
    f.route();
    f.leave();
    expect(i).toBeGreaterThan(10);
    expect(ofType('form_step').length).toBeGreaterThan(10);
    expect(JSON.stringify(f.events.map((e) => e.data))).not.toMatch(/canary/);
  });
});

describe('shutdown', () => {
  it('removes every listener and unsubscribes from leave and route', () => {
    document.body.innerHTML = '<form><input name="a"></form>';
    fire($('[name=a]'), 'focusin');
    expect(f.listenerCount()).toBe(2);
    stop!();
    stop = undefined;
    expect(f.listenerCount()).toBe(0);
    fill($('[name=a]'), 'x');
    $<HTMLFormElement>('form').addEventListener('submit', (e) => e.preventDefault());
    $<HTMLFormElement>('form').requestSubmit();
    f.leave();
    expect(types()).toEqual(['form_start']);
  });
});
