/**
 * The script-tag entry: replays the stub queue, installs `window.waymark`, and
 * starts on its own when the script tag carries `data-endpoint`.
 */
import { createCaptureVitals, type VitalsLoader } from './capture/vitals';
import type { StartVitals } from './capture/vitals-load';
import { guarded } from './lib/guard';
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
  const off = (why: string): undefined => void (debug && console.debug(`[waymark] web vitals are off: ${src} ${why}`));
  return () =>
    import(/* @vite-ignore */ src).then(
      (chunk: { startVitals?: StartVitals }) => (typeof chunk.startVitals == 'function' ? chunk.startVitals : off('has no startVitals')),
      (err: unknown) => off(`did not load as a JavaScript module (${err})`),
    );
}

type Stub = ((...args: unknown[]) => unknown) & { q?: ArrayLike<unknown[]>; loaded?: boolean } & Record<string, unknown>;
type Method = keyof Tracker;

const METHODS = 'track page identify reset journey on flush optOut optIn stats shutdown'.split(' ') as Method[];

function install(win: Window & { waymark?: Stub }) {
  const existing = win.waymark;
  // Loaded twice: the first copy keeps working, the second does nothing.
  if (existing?.loaded) return;
  const script = document.currentScript as HTMLScriptElement | null;
  // Web vitals live in a chunk beside this file.
  const chunk = new URL('waymark-vitals.js', script?.src || location.href).href;
  let tracker: Tracker | undefined;
  let early: unknown[][] = [];

  const init = (options: Options): Tracker => {
    if (tracker) {
      console.error('[waymark] init called twice; the first call wins');
      return tracker;
    }
    tracker = createTrackerWith(options, { vitals: createCaptureVitals(chunkVitals(chunk, !!options?.debug)) });
    // Calls made before init run now, in order.
    early.splice(0).forEach((a) => call(...a));
    return tracker;
  };

  /** `waymark(command, ...args)`: what the stub queued, and every call after. Never throws into the page. */
  const call = guarded((cmd?: unknown, ...args: unknown[]): unknown => {
    if (cmd === 'init') return init(args[0] as Options);
    if (!METHODS.includes(cmd as Method)) return void console.error(`[waymark] unknown command "${String(cmd)}"`);
    if (!tracker) return void early.push([cmd, ...args]);
    return (tracker[cmd as Method] as (...a: unknown[]) => unknown)(...args);
  });
  const api = call as Stub;
  for (const m of METHODS) api[m] = (...args: unknown[]) => call(m, ...args);
  api.loaded = true;
  win.waymark = api;

  for (const args of Array.from(existing?.q ?? [])) call(...Array.from(args));

  // Zero-code start: <script src="waymark.min.js" data-endpoint="/collect" data-debug>.
  const endpoint = script?.dataset.endpoint;
  if (endpoint && !tracker) call('init', { endpoint, debug: script!.dataset.debug != null });
}

if (typeof window != 'undefined') install(window as Window & { waymark?: Stub });
