/**
 * The part of the Page API that is the same for every driver that is not Playwright: evaluation by
 * source text, waiting, forms, locators. A driver supplies a few primitives (run a function's source
 * in the page, navigate, click a selector, type keys…).
 */
import type { ConsoleMessage, Locator, Page, UrlMatch } from './types';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Playwright's glob: `**` any characters, `*` any but `/`, `?` one character. */
export function urlMatcher(m: UrlMatch): (u: string) => boolean {
  if (typeof m === 'function') return (u) => m(new URL(u));
  if (m instanceof RegExp) return (u) => m.test(u);
  const re = new RegExp(
    `^${m.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*|\*|\?/g, (t) => (t === '**' ? '.*' : t === '*' ? '[^/]*' : '.'))}$`,
  );
  return (u) => re.test(u) || u === m;
}

/** In-page: the elements a locator query (`[selector, index|null][]`) designates. */
const RESOLVE = `(q) => { let els = [document]; for (const [sel, idx] of q) { let next = []; for (const e of els) for (const c of e.querySelectorAll(sel)) if (!next.includes(c)) next.push(c); if (idx !== null) next = next[idx] ? [next[idx]] : []; els = next; } return els; }`;

/** Error collector installed as an init script where the driver reports no page errors (selenium). */
export const ERROR_COLLECTOR = `(function () {
  if (window.__wmErrors) return;
  var a = (window.__wmErrors = []);
  // WebKit fetches /favicon.ico on its own (no preference turns it off); under default-src 'none'
  // that is an img-src violation no page script caused: kept from the page's listeners.
  addEventListener('securitypolicyviolation', function (e) {
    if (e.violatedDirective.indexOf('img-src') === 0 && e.blockedURI.slice(-12) === '/favicon.ico') e.stopImmediatePropagation();
  }, true);
  var msg = function (x) { return x && x.message !== undefined ? String(x.message) : String(x); };
  addEventListener('error', function (e) { a.push(['pageerror', e.error ? msg(e.error) : String(e.message)]); });
  addEventListener('unhandledrejection', function (e) { a.push(['pageerror', msg(e.reason)]); });
  var ce = console.error;
  console.error = function () { a.push(['console', [].map.call(arguments, String).join(' ')]); return ce.apply(this, arguments); };
  document.addEventListener('securitypolicyviolation', function (e) {
    a.push(['console', "Refused to load '" + e.blockedURI + "' because it violates the Content Security Policy directive: " + e.violatedDirective]);
  });
})();`;

export abstract class DrivenPage implements Page {
  protected consoleListeners: Array<(m: ConsoleMessage) => void> = [];
  protected errorListeners: Array<(e: Error) => void> = [];

  /** Run `src` (a function's source) with `arg` in the page; resolves with its (awaited) result. */
  protected abstract run<R>(src: string, arg: unknown): Promise<R>;
  abstract goto(url: string): Promise<unknown>;
  abstract reload(): Promise<unknown>;
  /** Click the first element matching `selector`, already known to be visible. */
  protected abstract clickVisible(selector: string, delay?: number): Promise<void>;
  abstract keyboard: Page['keyboard'];
  abstract mouse: Page['mouse'];
  abstract title(): Promise<string>;
  abstract setViewportSize(size: { width: number; height: number }): Promise<void>;
  abstract screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  abstract close(options?: { runBeforeUnload?: boolean }): Promise<void>;

  evaluate<R>(fn: string | (() => R | Promise<R>)): Promise<R>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  evaluate<R>(fn: string | ((arg: any) => R | Promise<R>), arg?: unknown): Promise<R> {
    return this.run<R>(typeof fn === 'string' ? `() => (${fn})` : fn.toString(), arg);
  }

  async waitForFunction<A>(fn: (arg: A) => unknown, arg?: A, options: { timeout?: number; polling?: number } = {}): Promise<unknown> {
    const deadline = Date.now() + (options.timeout ?? 30000);
    for (;;) {
      const v = await this.run<unknown>(fn.toString(), arg).catch(() => undefined);
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`waitForFunction timed out after ${options.timeout ?? 30000} ms`);
      await sleep(options.polling ?? 50);
    }
  }

  async waitForURL(url: UrlMatch, options: { timeout?: number } = {}): Promise<void> {
    const ok = urlMatcher(url);
    const timeout = options.timeout ?? 30000;
    const deadline = Date.now() + timeout;
    let last = '';
    for (;;) {
      // Fails while a navigation replaces the document: retried.
      const s = await this.run<[string, string]>('() => [location.href, document.readyState]', undefined).catch(() => null);
      if (s) last = s[0];
      if (s && ok(s[0]) && s[1] === 'complete') return;
      if (Date.now() > deadline) throw new Error(`waitForURL(${String(url)}) timed out after ${timeout} ms; at ${last}`);
      await sleep(50);
    }
  }

  /** Resolve once the first element matching `selector` is attached (and visible unless `attached`). */
  async waitForSelector(selector: string, state: 'attached' | 'visible' = 'visible', timeout = 15000): Promise<void> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const found = await this.run<boolean>(
        `(a) => { const e = document.querySelector(a.s); return !!e && (a.attached || (e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden')); }`,
        { s: selector, attached: state === 'attached' },
      ).catch(() => false);
      if (found) return;
      if (Date.now() > deadline) throw new Error(`no ${state} element matches ${selector} after ${timeout} ms`);
      await sleep(50);
    }
  }

  async click(selector: string, options: { delay?: number } = {}): Promise<void> {
    await this.waitForSelector(selector);
    await this.clickVisible(selector, options.delay);
  }

  async fill(selector: string, value: string): Promise<void> {
    await this.waitForSelector(selector);
    await this.run(`(s) => { const e = document.querySelector(s); e.focus(); if (typeof e.select === 'function') e.select(); }`, selector);
    if (value) await this.keyboard.type(value);
    else await this.keyboard.press('Backspace');
  }

  async focus(selector: string): Promise<void> {
    await this.waitForSelector(selector, 'attached');
    await this.run(`(s) => document.querySelector(s).focus()`, selector);
  }

  async check(selector: string): Promise<void> {
    await this.waitForSelector(selector);
    if (!(await this.run<boolean>(`(s) => document.querySelector(s).checked`, selector))) await this.clickVisible(selector);
  }

  /** Like Playwright: sets the value, then fires `input` and `change`. */
  async selectOption(selector: string, value: string): Promise<string[]> {
    await this.waitForSelector(selector, 'attached');
    return this.run<string[]>(
      `(a) => { const e = document.querySelector(a.s); e.value = a.v; e.dispatchEvent(new Event('input', { bubbles: true })); e.dispatchEvent(new Event('change', { bubbles: true })); return [e.value]; }`,
      { s: selector, v: value },
    );
  }

  locator(selector: string): Locator {
    return new DrivenLocator(this, [[selector, null]]);
  }

  on(event: 'console', listener: (m: ConsoleMessage) => void): this;
  on(event: 'pageerror', listener: (e: Error) => void): this;
  on(event: 'console' | 'pageerror', listener: ((m: ConsoleMessage) => void) | ((e: Error) => void)): this {
    if (event === 'console') this.consoleListeners.push(listener as (m: ConsoleMessage) => void);
    else this.errorListeners.push(listener as (e: Error) => void);
    return this;
  }

  /** Deliver what an in-page collector gathered (`[kind, text]` pairs) to the listeners. */
  protected report(entries: Array<[string, string]> | null | undefined): void {
    for (const [kind, text] of entries ?? []) {
      if (kind === 'pageerror') for (const l of this.errorListeners) l(new Error(text));
      else for (const l of this.consoleListeners) l({ type: () => 'error', text: () => text });
    }
  }

  /** For locators: run `fn` (source, over the resolved elements) for query `q`. */
  onElements<R>(q: Array<[string, number | null]>, fn: string): Promise<R> {
    return this.run<R>(`(a) => (${fn})((${RESOLVE})(a.q), a.x)`, { q });
  }
  async clickFirst(q: Array<[string, number | null]>, delay?: number): Promise<void> {
    const mark = `wm${Math.random().toString(36).slice(2)}`;
    const found = await this.onElements<boolean>(q, `(els) => { if (els[0]) els[0].setAttribute('data-wm-target', '${mark}'); return !!els[0]; }`);
    if (!found) throw new Error(`locator ${JSON.stringify(q)} matches nothing`);
    const sel = `[data-wm-target="${mark}"]`;
    try {
      await this.clickVisible(sel, delay);
    } finally {
      await this.run(`(s) => { const e = document.querySelector(s); if (e) e.removeAttribute('data-wm-target'); }`, sel).catch(() => {});
    }
  }
}

class DrivenLocator implements Locator {
  constructor(
    private readonly page: DrivenPage,
    private readonly q: Array<[string, number | null]>,
  ) {}
  private on<R>(fn: string): Promise<R> {
    return this.page.onElements<R>(this.q, fn);
  }
  private async first1<R>(fn: string): Promise<R> {
    await this.waitFor({ state: 'attached', timeout: 10000 });
    return this.on<R>(`(els) => (${fn})(els[0])`);
  }
  locator(selector: string): Locator {
    return new DrivenLocator(this.page, [...this.q, [selector, null]]);
  }
  first(): Locator {
    return this.nth(0);
  }
  nth(index: number): Locator {
    const q = this.q.slice();
    q[q.length - 1] = [q[q.length - 1]![0], index];
    return new DrivenLocator(this.page, q);
  }
  count(): Promise<number> {
    return this.on<number>('(els) => els.length');
  }
  textContent(): Promise<string | null> {
    return this.first1('(e) => e.textContent');
  }
  innerText(): Promise<string> {
    return this.first1('(e) => e.innerText');
  }
  getAttribute(name: string): Promise<string | null> {
    return this.first1(`(e) => e.getAttribute(${JSON.stringify(name)})`);
  }
  inputValue(): Promise<string> {
    return this.first1('(e) => e.value');
  }
  isChecked(): Promise<boolean> {
    return this.first1('(e) => !!e.checked');
  }
  isVisible(): Promise<boolean> {
    return this.on<boolean>('(els) => !!els[0] && els[0].getClientRects().length > 0');
  }
  async click(options: { delay?: number } = {}): Promise<void> {
    await this.waitFor();
    await this.page.clickFirst(this.q, options.delay);
  }
  async fill(value: string): Promise<void> {
    await this.waitFor();
    await this.on('(els) => { els[0].focus(); if (typeof els[0].select === "function") els[0].select(); }');
    if (value) await this.page.keyboard.type(value);
    else await this.page.keyboard.press('Backspace');
  }
  async waitFor(options: { state?: 'attached' | 'visible'; timeout?: number } = {}): Promise<void> {
    const timeout = options.timeout ?? 15000;
    const deadline = Date.now() + timeout;
    const visible = (options.state ?? 'visible') === 'visible';
    for (;;) {
      const ok = await this.on<boolean>(`(els) => !!els[0] && (${!visible} || els[0].getClientRects().length > 0)`).catch(() => false);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`locator ${JSON.stringify(this.q)}: nothing ${visible ? 'visible' : 'attached'} after ${timeout} ms`);
      await sleep(50);
    }
  }
  evaluate<R>(fn: (el: Element) => R | Promise<R>): Promise<R> {
    return this.first1<R>(fn.toString());
  }
  evaluateAll<R>(fn: (els: Element[]) => R | Promise<R>): Promise<R> {
    return this.on<R>(fn.toString());
  }
}
