/**
 * The subset of Playwright's Page / BrowserContext / Browser API the e2e tests use, implemented for
 * Chromium (playwright-core itself), Firefox (puppeteer-core over WebDriver BiDi) and WebKit
 * (WebKitWebDriver + selenium-webdriver). Selectors are CSS only. Write tests against these types
 * (import them from './harness'), never against a driver's own.
 */

/** Which engine runs the e2e suite (`WAYMARK_ENGINE`, default chromium). */
export type Engine = 'chromium' | 'firefox' | 'webkit';

/** What `page.waitForURL` accepts: a glob (`**` any characters, `*` any but `/`), a RegExp, or a predicate. */
export type UrlMatch = string | RegExp | ((url: URL) => boolean);

export interface ConsoleMessage {
  type(): string;
  text(): string;
}

export interface Locator {
  /** Descendants of this locator's elements that match `selector` (CSS). */
  locator(selector: string): Locator;
  first(): Locator;
  nth(index: number): Locator;
  count(): Promise<number>;
  /** Waits (up to 10 s) for a first match. */
  textContent(): Promise<string | null>;
  innerText(): Promise<string>;
  getAttribute(name: string): Promise<string | null>;
  inputValue(): Promise<string>;
  isVisible(): Promise<boolean>;
  isChecked(): Promise<boolean>;
  click(options?: { delay?: number }): Promise<void>;
  fill(value: string): Promise<void>;
  waitFor(options?: { state?: 'attached' | 'visible'; timeout?: number }): Promise<void>;
  evaluate<R>(fn: (el: Element) => R | Promise<R>): Promise<R>;
  evaluateAll<R>(fn: (els: Element[]) => R | Promise<R>): Promise<R>;
}

export interface Page {
  goto(url: string): Promise<unknown>;
  reload(): Promise<unknown>;
  /** Runs `fn` in the page (its source is sent, so it may use only its argument). A string is an expression. */
  evaluate<R>(fn: string | (() => R | Promise<R>)): Promise<R>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  waitForFunction<A>(fn: (arg: A) => unknown, arg?: A, options?: { timeout?: number; polling?: number }): Promise<unknown>;
  /** Resolves once the page's URL matches and its document has loaded. */
  waitForURL(url: UrlMatch, options?: { timeout?: number }): Promise<void>;
  /** Waits for `selector` to be visible, then clicks it like a user. */
  click(selector: string, options?: { delay?: number }): Promise<void>;
  /** Focuses the field, replaces its value by typing `value`. */
  fill(selector: string, value: string): Promise<void>;
  focus(selector: string): Promise<void>;
  check(selector: string): Promise<void>;
  selectOption(selector: string, value: string): Promise<unknown>;
  locator(selector: string): Locator;
  keyboard: { type(text: string, options?: { delay?: number }): Promise<void>; press(key: string): Promise<void> };
  mouse: { click(x: number, y: number): Promise<void> };
  title(): Promise<string>;
  setViewportSize(size: { width: number; height: number }): Promise<void>;
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  on(event: 'console', listener: (m: ConsoleMessage) => void): unknown;
  on(event: 'pageerror', listener: (e: Error) => void): unknown;
  close(options?: { runBeforeUnload?: boolean }): Promise<void>;
}

export interface BrowserContext {
  newPage(): Promise<Page>;
  /** Runs `content` at the start of every document of this context's pages opened afterwards. */
  addInitScript(script: { content: string }): Promise<void>;
  close(): Promise<void>;
}

export interface Browser {
  /** A fresh, isolated profile (its own IndexedDB, storage, cookies). */
  newContext(): Promise<BrowserContext>;
  close(): Promise<void>;
}
