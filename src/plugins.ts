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
  /** Call one hook of one plugin; `ok` false when it threw. */
  const call = (p: Plugin, i: number, hook: Hook, arg?: unknown): { ok: boolean; value?: unknown } => {
    const fn = p[hook];
    if (typeof fn != 'function') return { ok: false };
    try {
      return { ok: true, value: (fn as (a: unknown) => unknown).call(p, arg) };
    } catch (err) {
      fail(p, i, hook, err);
      return { ok: false };
    }
  };
  return {
    size: list.length,
    setup: (tracker) => list.forEach((p, i) => call(p, i, 'setup', tracker)),
    beforeSend(event, report) {
      let current = event;
      for (let i = 0; i < list.length; i++) {
        const p = list[i]!;
        const r = call(p, i, 'beforeSend', current);
        if (!r.ok) continue;
        if (r.value === null) return null;
        if (r.value && typeof r.value == 'object') current = (report ? toPlain(r.value, report) : r.value) as WaymarkEvent;
        else fail(p, i, 'beforeSend');
      }
      return current;
    },
    afterSend: (events) => list.forEach((p, i) => call(p, i, 'afterSend', events)),
    teardown() {
      for (let i = list.length; i--; ) call(list[i]!, i, 'teardown');
    },
  };
};
