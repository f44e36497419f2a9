/** Firefox (Debian's firefox-esr) driven by puppeteer-core over WebDriver BiDi. */
import puppeteer, { type Browser as PBrowser, type BrowserContext as PContext, type Page as PPage } from 'puppeteer-core';
import { DrivenPage } from './driven';
import type { Browser, BrowserContext, Page } from './types';

const BROWSER_REPORT = /^(Content-Security-Policy: |Loading module from |Loading failed for the |The resource from |The script from )/;

class FirefoxPage extends DrivenPage {
  constructor(readonly p: PPage) {
    super();
    p.on('console', (m) => {
      for (const l of this.consoleListeners) l({ type: () => m.type(), text: () => m.text() });
    });
    p.on('pageerror', (e) => {
      const err = e instanceof Error ? e : new Error(String(e));
      // Firefox reports what it blocked (CSP, a module's MIME type, a failed script load) as a
      // JavaScript error; Chromium logs these as console errors, and they are not uncaught exceptions.
      if (BROWSER_REPORT.test(err.message)) for (const l of this.consoleListeners) l({ type: () => 'error', text: () => err.message });
      else for (const l of this.errorListeners) l(err);
    });
  }
  protected run<R>(src: string, arg: unknown): Promise<R> {
    // The source travels as text; the function is rebuilt in the page (no eval: CSP-safe under BiDi).
    return this.p.evaluate(`(${src})(${arg === undefined ? 'undefined' : JSON.stringify(arg)})`) as Promise<R>;
  }
  goto(url: string) {
    return this.p.goto(url, { waitUntil: 'load' });
  }
  reload() {
    return this.p.reload({ waitUntil: 'load' });
  }
  protected clickVisible(selector: string, delay?: number) {
    return this.p.click(selector, delay ? { delay } : {});
  }
  keyboard = {
    type: (text: string, o: { delay?: number } = {}) => this.p.keyboard.type(text, o),
    press: (key: string) => this.p.keyboard.press(key as Parameters<PPage['keyboard']['press']>[0]),
  };
  mouse = { click: (x: number, y: number) => this.p.mouse.click(x, y) };
  title() {
    return this.p.title();
  }
  setViewportSize(size: { width: number; height: number }) {
    return this.p.setViewport(size);
  }
  screenshot(o: { path: string; fullPage?: boolean }) {
    return this.p.screenshot({ path: o.path as `${string}.png`, fullPage: o.fullPage });
  }
  close(o: { runBeforeUnload?: boolean } = {}) {
    return this.p.close(o);
  }
}

class FirefoxContext implements BrowserContext {
  private scripts: string[] = [];
  private pages: FirefoxPage[] = [];
  constructor(private readonly c: PContext) {}
  async newPage(): Promise<Page> {
    const p = await this.c.newPage();
    for (const s of this.scripts) await p.evaluateOnNewDocument(s);
    const page = new FirefoxPage(p);
    this.pages.push(page);
    return page;
  }
  async addInitScript(script: { content: string }): Promise<void> {
    this.scripts.push(script.content);
    for (const page of this.pages) await page.p.evaluateOnNewDocument(script.content).catch(() => {});
  }
  close() {
    return this.c.close();
  }
}

export async function launchFirefox(executablePath: string): Promise<Browser> {
  const b: PBrowser = await puppeteer.launch({
    browser: 'firefox',
    executablePath,
    headless: true,
    extraPrefsFirefox: {
      // 127.0.0.1 only: no telemetry, updates or captive-portal probes.
      'network.captive-portal-service.enabled': false,
      'app.update.enabled': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      'browser.safebrowsing.malware.enabled': false,
      'browser.safebrowsing.phishing.enabled': false,
      // No automatic /favicon.ico fetch: under a strict CSP (default-src 'none') Firefox reports it as an
      // img-src violation that no page script caused.
      'browser.chrome.site_icons': false,
    },
  });
  return {
    newContext: async () => new FirefoxContext(await b.createBrowserContext()),
    close: () => b.close(),
  };
}
