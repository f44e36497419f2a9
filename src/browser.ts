/**
 * The script-tag entry: replays the stub queue, installs `window.waymark`, and
 * starts on its own when the script tag carries `data-endpoint`.
 */
import { createCaptureVitals, type VitalsLoader } from './capture/vitals';
import type { StartVitals } from './capture/vitals-load';
import { createTrackerWith } from './tracker';
import type { Options, Tracker } from './types';

/**
 * The web-vitals chunk (`waymark-vitals.js`, an ES module beside this file),
 * loaded with a dynamic `import()`: the browser checks it is JavaScript before
 * running it, so a missing or mis-served chunk (an SPA host answering with its
 * HTML page) only rejects the import, never throws `SyntaxError` into the page.
 * Vitals are then off, everything else keeps working, and debug mode says why.
 * The import inherits this script's CSP nonce.
 */
function chunkVitals(src: string, debug: boolean): VitalsLoader {
  const off = (why: string): undefined => {
    if (debug) console.debug(`[waymark] web vitals are off: ${why}`);
    return undefined;
  };
  return () =>
    import(/* @vite-ignore */ src).then(
      (chunk: { startVitals?: StartVitals }) =>
        typeof chunk.startVitals === 'function' ? chunk.startVitals : off(`${src} has no startVitals`),
      (err: unknown) => off(`could not load ${src} as a JavaScript module (${err}); serve it as JavaScript next to waymark.min.js`),
    );
}

type Stub = ((...args: unknown[]) => unknown) & { q?: ArrayLike<unknown[]>; loaded?: boolean } & Record<string, unknown>;

const METHODS = ['track', 'page', 'identify', 'reset', 'journey', 'on', 'flush', 'optOut', 'optIn', 'stats', 'shutdown'] as const;

function install(win: Window & { waymark?: Stub }) {
  const existing = win.waymark;
  // Loaded twice: the first copy keeps working, the second does nothing.
  if (existing?.loaded) return;
  const queue = Array.from(existing?.q ?? []);
  const script = document.currentScript as HTMLScriptElement | null;
  // Web vitals live in a chunk beside this file.
  const chunk = new URL('waymark-vitals.js', script?.src || location.href).href;
  let tracker: Tracker | undefined;
  let early: unknown[][] = [];

  const call = (...all: unknown[]): unknown => {
    const [cmd, ...args] = all;
    try {
      if (cmd === 'init') {
        if (tracker) {
          console.error('[waymark] init was called twice; the first call wins');
          return tracker;
        }
        const options = args[0] as Options;
        tracker = createTrackerWith(options, { vitals: createCaptureVitals(chunkVitals(chunk, !!options?.debug)) });
        const held = early;
        early = [];
        held.forEach((a) => call(...a));
        return tracker;
      }
      if (typeof cmd !== 'string' || !(METHODS as readonly string[]).includes(cmd)) {
        console.error(`[waymark] unknown command "${String(cmd)}"`);
        return undefined;
      }
      if (!tracker) {
        // Calls before init wait for it, in order.
        early.push([cmd, ...args]);
        return undefined;
      }
      return (tracker[cmd as (typeof METHODS)[number]] as (...a: unknown[]) => unknown)(...args);
    } catch (err) {
      console.error('[waymark]', err);
      return undefined;
    }
  };
  const api = call as unknown as Stub;
  for (const m of METHODS) api[m] = (...args: unknown[]) => call(m, ...args);
  api.loaded = true;
  win.waymark = api;

  for (const args of queue) call(...Array.from(args));

  // Zero-code start: <script src="waymark.min.js" data-endpoint="/collect">.
  const endpoint = script?.dataset.endpoint;
  if (endpoint && !tracker) call('init', { endpoint, ...(script!.dataset.debug != null ? { debug: true } : {}) });
}

if (typeof window !== 'undefined') install(window as Window & { waymark?: Stub });
