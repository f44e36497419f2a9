/**
 * The script-tag entry: replays the stub queue, installs `window.waymark`, and
 * starts on its own when the script tag carries `data-endpoint`.
 */
import { createCaptureVitals, scriptVitals } from './capture/vitals';
import { createTrackerWith } from './tracker';
import type { Options, Tracker } from './types';

type Stub = ((...args: unknown[]) => unknown) & { q?: ArrayLike<unknown[]>; loaded?: boolean } & Record<string, unknown>;

const METHODS = ['track', 'page', 'identify', 'reset', 'journey', 'on', 'flush', 'optOut', 'optIn', 'stats', 'shutdown'] as const;

function install(win: Window & { waymark?: Stub }) {
  const existing = win.waymark;
  // Loaded twice: the first copy keeps working, the second does nothing.
  if (existing?.loaded) return;
  const queue = Array.from(existing?.q ?? []);
  const script = document.currentScript as HTMLScriptElement | null;
  // Web vitals live in a chunk beside this file, loaded with this script's nonce (strict CSP).
  const chunk = new URL('waymark-vitals.js', script?.src || location.href).href;
  const nonce = script?.nonce || undefined;
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
        tracker = createTrackerWith(args[0] as Options, { vitals: createCaptureVitals(scriptVitals(chunk, nonce)) });
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
