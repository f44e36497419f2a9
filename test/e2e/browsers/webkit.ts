/**
 * WebKit: WebKitGTK's MiniBrowser driven through WebKitWebDriver (under xvfb-run) with selenium-webdriver.
 *
 * Classic WebDriver has no init scripts and reports no page errors, so every context gets its own small
 * HTTP proxy (WebKit honours the session's `proxy` capability for 127.0.0.1): it forwards every request
 * untouched, and into each html document it adds, first thing in `<head>`, a same-origin
 * `<script src="/__waymark_init.js">` it answers itself (allowed by `script-src 'self'`, or given the page's
 * CSP nonce),
 * holding an error collector (window errors, unhandled rejections, console.error, CSP violations) and
 * the context's `addInitScript` scripts. WebKit's own /favicon.ico fetch, blocked by a `default-src 'none'`
 * CSP, is kept from the page's `securitypolicyviolation` listeners. Collected errors are handed to `page.on(...)` listeners after
 * each command, so an error on a page that is left before the next command is not seen.
 * Each context is its own WebDriver session (a fresh, ephemeral MiniBrowser profile).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { DrivenPage, ERROR_COLLECTOR } from './driven';
import type { Browser, BrowserContext, Page } from './types';

// selenium-webdriver ships no types; the few calls used here are typed loosely.
const selenium = createRequire(import.meta.url)('selenium-webdriver') as any;
const { Builder, By, Key, Origin } = selenium;

export const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
export const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver';
const INIT_PATH = '/__waymark_init.js';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const KEYS: Record<string, string> = {
  Tab: Key.TAB,
  Enter: Key.ENTER,
  Backspace: Key.BACK_SPACE,
  Escape: Key.ESCAPE,
  Space: Key.SPACE,
  ArrowDown: Key.ARROW_DOWN,
  ArrowUp: Key.ARROW_UP,
  ArrowLeft: Key.ARROW_LEFT,
  ArrowRight: Key.ARROW_RIGHT,
  Delete: Key.DELETE,
  Home: Key.HOME,
  End: Key.END,
};

/** Forwarding proxy that injects the init script into html documents. */
async function startProxy(scripts: () => string[]) {
  const agent = new Agent({ keepAlive: false });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (target.pathname === INIT_PATH) {
      const body = [ERROR_COLLECTOR, ...scripts().map((s) => `try { ${s}\n} catch (e) { console.error(e); }`), 'document.currentScript && document.currentScript.remove();'].join('\n');
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' }).end(body);
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    const up = request(
      { host: target.hostname, port: target.port || 80, path: target.pathname + target.search, method: req.method, headers, agent },
      (r) => {
        const html = /text\/html/i.test(String(r.headers['content-type'] ?? '')) && !r.headers['content-encoding'] && req.method === 'GET';
        if (!html) {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => {
          // A nonce-only CSP (no 'self') allows the init script with the page's own nonce.
          const nonce = /'nonce-([^']+)'/.exec(String(r.headers['content-security-policy'] ?? ''))?.[1];
          const tag = `<script src="${INIT_PATH}"${nonce ? ` nonce="${nonce}"` : ''}></script>`;
          let doc = Buffer.concat(chunks).toString('utf8');
          const at = /<head\b[^>]*>/i.exec(doc) ?? /<html\b[^>]*>/i.exec(doc) ?? /<!doctype[^>]*>/i.exec(doc);
          doc = at ? doc.slice(0, at.index + at[0].length) + tag + doc.slice(at.index + at[0].length) : tag + doc;
          const h = { ...r.headers };
          delete h['content-length'];
          res.writeHead(r.statusCode ?? 200, h).end(doc);
        });
        r.on('error', () => res.socket?.destroy());
      },
    );
    // Refused or reset upstream: the browser sees a network error too, not a made-up status.
    up.on('error', () => res.socket?.destroy());
    req.on('aborted', () => up.destroy());
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** Serialises commands of one session and switches to the window a command is for. */
class Session {
  private chain: Promise<unknown> = Promise.resolve();
  private current = '';
  constructor(readonly driver: any) {}
  do<R>(handle: string, fn: (d: any) => Promise<R>): Promise<R> {
    const next = this.chain.then(async () => {
      if (handle && handle !== this.current) {
        await this.driver.switchTo().window(handle);
        this.current = handle;
      }
      return fn(this.driver);
    });
    this.chain = next.catch(() => {});
    return next;
  }
  switched(handle: string) {
    this.current = handle;
  }
}

class WebKitPage extends DrivenPage {
  closed = false;
  constructor(
    private readonly s: Session,
    readonly handle: string,
    private readonly ctx: WebKitContext,
  ) {
    super();
  }
  private async drain(d: any) {
    if (!this.consoleListeners.length && !this.errorListeners.length) return;
    this.report(await d.executeScript('return window.__wmErrors ? window.__wmErrors.splice(0) : []').catch(() => []));
  }
  /** Run a command, then hand collected page errors to the listeners. */
  private cmd<R>(fn: (d: any) => Promise<R>): Promise<R> {
    return this.s.do(this.handle, async (d) => {
      const r = await fn(d);
      await this.drain(d);
      return r;
    });
  }
  protected async run<R>(src: string, arg: unknown): Promise<R> {
    const script = `var done = arguments[arguments.length - 1];
var errs = function () { var a = window.__wmErrors; return a ? a.splice(0) : []; };
var out = function (o) { try { done(JSON.stringify(o)); } catch (e) { done(JSON.stringify({ x: 'result is not serialisable: ' + e, errs: errs() })); } };
try {
  Promise.resolve((${src})(${arg === undefined ? 'undefined' : JSON.stringify(arg)})).then(
    function (v) { out({ v: v === undefined ? null : v, u: v === undefined, errs: errs() }); },
    function (e) { out({ x: String((e && e.stack) || e), errs: errs() }); });
} catch (e) { out({ x: String((e && e.stack) || e), errs: errs() }); }`;
    const raw = await this.s.do(this.handle, (d) => d.executeAsyncScript(script));
    const o = JSON.parse(String(raw)) as { v?: R; u?: boolean; x?: string; errs?: Array<[string, string]> };
    if (this.consoleListeners.length || this.errorListeners.length) this.report(o.errs);
    if (o.x !== undefined) throw new Error(`page.evaluate: ${o.x}`);
    return (o.u ? undefined : o.v) as R;
  }
  goto(url: string) {
    return this.cmd((d) => d.get(url));
  }
  reload() {
    return this.cmd((d) => d.navigate().refresh());
  }
  protected clickVisible(selector: string, delay?: number) {
    return this.cmd(async (d) => {
      const el = await d.findElement(By.css(selector));
      if (delay) await d.actions({ async: true }).move({ origin: el }).press().pause(delay).release().perform();
      else await el.click();
    });
  }
  keyboard = {
    type: (text: string, o: { delay?: number } = {}): Promise<void> =>
      this.cmd(async (d) => {
        if (!o.delay) return void (await d.actions({ async: true }).sendKeys(text).perform());
        for (const ch of text) {
          await d.actions({ async: true }).sendKeys(ch).perform();
          await sleep(o.delay);
        }
      }),
    press: (key: string): Promise<void> => this.cmd(async (d) => void (await d.actions({ async: true }).sendKeys(KEYS[key] ?? key).perform())),
  };
  mouse = {
    click: (x: number, y: number): Promise<void> =>
      this.cmd(async (d) => void (await d.actions({ async: true }).move({ x, y, origin: Origin.VIEWPORT }).click().perform())),
  };
  title() {
    return this.s.do(this.handle, (d) => d.getTitle() as Promise<string>);
  }
  setViewportSize(size: { width: number; height: number }) {
    return this.s.do(this.handle, async (d) => void (await d.manage().window().setRect(size)));
  }
  screenshot(o: { path: string; fullPage?: boolean }) {
    // WebDriver screenshots are of the viewport: fullPage is not available.
    return this.s.do(this.handle, async (d) => writeFileSync(o.path, Buffer.from(await d.takeScreenshot(), 'base64')));
  }
  /** Closes the window (pagehide and unload run). The session keeps one blank window so the context lives on. */
  close() {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return this.ctx.closePage(this);
  }
}

class WebKitContext implements BrowserContext {
  private scripts: string[] = [];
  private pages: WebKitPage[] = [];
  private spare: string | null;
  constructor(
    private readonly s: Session,
    first: string,
    private readonly proxy: { close(): Promise<void> },
  ) {
    this.spare = first;
  }
  initScripts = () => this.scripts;
  async newPage(): Promise<Page> {
    let handle = this.spare;
    this.spare = null;
    if (!handle) {
      handle = await this.s.do('', async (d) => {
        await d.switchTo().newWindow('window');
        return (await d.getWindowHandle()) as string;
      });
      this.s.switched(handle);
    }
    const page = new WebKitPage(this.s, handle, this);
    this.pages.push(page);
    return page;
  }
  async addInitScript(script: { content: string }): Promise<void> {
    this.scripts.push(script.content);
  }
  async closePage(page: WebKitPage): Promise<void> {
    this.pages = this.pages.filter((p) => p !== page);
    await this.s.do(page.handle, async (d) => {
      const handles: string[] = await d.getAllWindowHandles();
      if (handles.length === 1) {
        // Keep the session alive: open a blank window first.
        await d.switchTo().newWindow('window');
        this.spare = await d.getWindowHandle();
        await d.switchTo().window(page.handle);
      }
      await d.close();
      const left: string[] = await d.getAllWindowHandles();
      await d.switchTo().window(left[0]);
      this.s.switched(left[0]!);
    });
  }
  async close(): Promise<void> {
    await this.s.do('', (d) => d.quit()).catch(() => {});
    await this.proxy.close();
  }
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** Live process groups, ended if the test process exits without closing them. */
const groups = new Set<number>();
process.on('exit', () => {
  for (const g of groups) {
    try {
      process.kill(-g, 'SIGTERM');
    } catch {}
  }
});
function spawnGroup(cmd: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
  // Own process group: ending it ends every process the command started.
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'ignore'], env: env ?? process.env });
  if (child.pid) groups.add(child.pid);
  return child;
}
function endGroup(child: ChildProcess): void {
  if (!child.pid || !groups.delete(child.pid)) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {}
}

/** A WebKitWebDriver on a free port of `env`'s display; WebKitWebDriver serves one session at a time. */
async function startDriver(env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawnGroup(WEBKIT_DRIVER, [`--port=${port}`], env);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20000;
  while (!(await fetch(`${url}/status`).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      endGroup(child);
      throw new Error('WebKitWebDriver did not start');
    }
    await sleep(50);
  }
  return { url, child };
}

/**
 * One virtual display (xvfb-run -a) for the browser; each context is its own WebKitWebDriver and
 * session on it (a fresh MiniBrowser with ephemeral storage).
 */
export async function launchWebKit(): Promise<Browser> {
  const display = spawnGroup('xvfb-run', ['-a', 'sh', '-c', 'echo "$DISPLAY $XAUTHORITY"; exec tail -f /dev/null']);
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    display.stdout!.on('data', (c: Buffer) => {
      out += c;
      if (out.includes('\n')) resolve(out.trim());
    });
    display.on('exit', () => reject(new Error('xvfb-run failed: apt-get install xvfb')));
    setTimeout(() => reject(new Error('xvfb-run did not start')), 20000);
  }).catch((e) => {
    endGroup(display);
    throw e;
  });
  const [DISPLAY, XAUTHORITY] = line.split(' ');
  const env = { ...process.env, DISPLAY, XAUTHORITY };
  const contexts = new Set<WebKitContext>();
  return {
    async newContext() {
      let context: WebKitContext | undefined;
      const proxy = await startProxy(() => context?.initScripts() ?? []);
      const drv = await startDriver(env);
      let driver: any;
      try {
        driver = await new Builder()
          .usingServer(drv.url)
          .withCapabilities({
            browserName: 'MiniBrowser',
            proxy: { proxyType: 'manual', httpProxy: `127.0.0.1:${proxy.port}`, noProxy: [] },
            'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
          })
          .build();
      } catch (e) {
        endGroup(drv.child);
        await proxy.close();
        throw e;
      }
      const s = new Session(driver);
      const first: string = await driver.getWindowHandle();
      s.switched(first);
      const ctx = new WebKitContext(s, first, proxy);
      context = ctx;
      contexts.add(ctx);
      const close = ctx.close.bind(ctx);
      ctx.close = async () => {
        if (!contexts.delete(ctx)) return;
        await close();
        endGroup(drv.child);
      };
      return ctx;
    },
    async close() {
      for (const c of [...contexts]) await c.close();
      endGroup(display);
    },
  };
}
