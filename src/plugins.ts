import { toPlain, type Report } from './lib/plain';
import type { Plugin, Tracker, WaymarkEvent } from './types';

/** Runs every plugin's hooks in order; no hook can throw into the tracker or the page. */
export interface PluginRunner {
  /** Call each plugin's `setup` once. */
  setup(tracker: Tracker): void;
  /** How many plugins there are (a `beforeSend` option counts as one). */
  size: number;
  /** Chain each plugin's `beforeSend`; null means a plugin dropped the event. What a plugin returns is made plain data (see `report`). */
  beforeSend(event: WaymarkEvent, report?: Report): WaymarkEvent | null;
  /** Tell each plugin which events the collector accepted. */
  afterSend(events: WaymarkEvent[]): void;
  /** Call each plugin's `teardown`, last plugin first. */
  teardown(): void;
}

type Hook = 'setup' | 'beforeSend' | 'afterSend' | 'teardown';

/** What `call` gives when the hook is missing or threw: no hook can return it. */
const SKIPPED = {};

/**
 * Create the plugin runner. A hook that throws (or a `beforeSend` that returns
 * neither an event nor null) is logged once per plugin and hook, and ignored:
 * the event goes on as it was before that plugin.
 */
export const createPluginRunner = (
  plugins: Plugin[],
  log: (msg: string, err?: unknown) => void,
): PluginRunner => {
  const list = (Array.isArray(plugins) ? plugins : []).filter((p) => p && typeof p == 'object');
  const logged = new Set<string>();
  const fail = (p: Plugin, i: number, hook: Hook, err?: unknown): void => {
    const what = `plugin "${p.name || i}" ${hook}`;
    if (logged.has(what)) return;
    logged.add(what);
    try {
      log(err === undefined ? `${what} returned neither an event nor null; ignored` : `${what} failed`, err);
    } catch {
      /* a broken logger must not break the page either */
    }
  };
  /** Call one hook of one plugin: what it returned, or SKIPPED. */
  const call = (i: number, hook: Hook, arg?: unknown): unknown => {
    const p = list[i]!;
    const fn = p[hook] as ((a: unknown) => unknown) | undefined;
    if (typeof fn != 'function') return SKIPPED;
    try {
      return fn.call(p, arg);
    } catch (err) {
      fail(p, i, hook, err);
      return SKIPPED;
    }
  };
  const each = (hook: Hook, arg?: unknown) => list.forEach((_, i) => call(i, hook, arg));
  return {
    size: list.length,
    setup: (tracker) => each('setup', tracker),
    beforeSend(event, report) {
      let current = event;
      for (let i = 0; i < list.length; i++) {
        const r = call(i, 'beforeSend', current);
        if (r === null) return null;
        if (r === SKIPPED) continue;
        if (r && typeof r == 'object') current = (report ? toPlain(r, report) : r) as WaymarkEvent;
        else fail(list[i]!, i, 'beforeSend');
      }
      return current;
    },
    afterSend: (events) => each('afterSend', events),
    teardown() {
      for (let i = list.length; i--; ) call(i, 'teardown');
    },
  };
};
