import { captureClicks } from './capture/clicks';
import type { CaptureContext, Captured, CaptureModule } from './capture/context';
import { captureEngagement } from './capture/engagement';
import { captureForms } from './capture/forms';
import { captureFriction } from './capture/friction';
import { capturePageViews, routeKey } from './capture/pageviews';
import { resolveConfig, type Config } from './config';
import { onPageLeave } from './delivery/lifecycle';
import { createQueue, type QueueMessage } from './delivery/queue';
import { createIdbStore, createMemoryStore, type EventStore } from './delivery/store';
import { browserTransport, type Transport } from './delivery/transport';
import { createIdentity } from './identity';
import { defaultRules } from './journey/defaults';
import { compileRules, matchStage } from './journey/rules';
import { createJourney, type JourneyState } from './journey/state';
import { classifyTouch, isNewTouch } from './journey/touchpoints';
import { createPluginRunner } from './plugins';
import { privacySignal, scrubUrl } from './privacy';
import { createKV, uid } from './storage';
import { toSegmentBatch } from './format/segment';
import { createNoopTracker } from './noop';
import type { EventType, Options, PageInfo, StageChange, Tracker, WaymarkEvent } from './types';

/** Library version, stamped on every event. */
export const VERSION = '0.1.0';

/** What tests (and unusual hosts) may inject. */
export interface Internals {
  transport?: Transport;
  store?: EventStore;
  now?: () => number;
  random?: () => number;
  window?: Window;
  /** The web-vitals capture module; each entry point brings its own loader (dynamic import or chunk script). */
  vitals?: CaptureModule;
}

interface Pending {
  e: WaymarkEvent;
  /** The user id when the event happened (identify() may come before the event is processed). */
  user?: string;
  el?: Element | null;
  url: string;
  ref: string;
}

const LOG = '[waymark]';

/**
 * Start tracking. Never throws: bad options are reported once each on the
 * console and ignored; without a browser (SSR) the tracker does nothing.
 */
export function createTrackerWith(options: Options, internals: Internals = {}): Tracker {
  const win = internals.window ?? (typeof window === 'undefined' ? undefined : window);
  if (!win || !win.document) return createNoopTracker();
  try {
    return start(win, options, internals);
  } catch (err) {
    console.error(LOG, 'could not start', err);
    return createNoopTracker();
  }
}

function start(win: Window, options: Options, x: Internals): Tracker {
  const doc = win.document;
  const error = (m: string) => console.error(`${LOG} ${m}`);
  const cfg = resolveConfig(options, error, (m) => console.warn(`${LOG} ${m}`));
  if (!cfg) return createNoopTracker();
  const c: Config = cfg;
  const now = x.now ?? Date.now;
  const debug = (m: string, data?: unknown) => {
    if (c.debug) console.debug(`${LOG} ${m}`, ...(data === undefined ? [] : [data]));
  };
  const endpoint = scrubUrl(c.endpoint, [], win.location.href) || c.endpoint;
  const scrub = (u: string) => (u ? scrubUrl(u, c.privacy.scrubParams, win.location.href) : u);
  const tab = uid();
  const kv = createKV();

  // Consent: an explicit choice wins; otherwise GPC/DNT opt out, requireConsent holds.
  const consent = kv.get<string>('consent');
  const signal = privacySignal(win.navigator, c.privacy.respectGPC, c.privacy.respectDNT);
  let mode: 'on' | 'held' | 'off' =
    consent === 'out' || (consent !== 'in' && signal) ? 'off' : c.privacy.requireConsent && consent !== 'in' ? 'held' : 'on';
  if (mode !== 'on') kv.persist(false);

  // Storage: nothing touches IndexedDB until tracking is allowed.
  let durable: EventStore | undefined;
  const memory = createMemoryStore();
  let warned = false;
  const openDurable = () =>
    (durable ??= x.store ?? createIdbStore((err) => {
      if (!warned) console.warn(`${LOG} IndexedDB is unavailable; keeping events in memory`, err);
      warned = true;
      // Re-home this tab's undelivered events; the memory store now answers.
      void queue.setMode(mode);
    }));
  const store: EventStore = {
    mode: () => (mode === 'on' ? openDurable().mode() : 'memory'),
    put: (r) => (mode === 'on' ? openDurable() : memory).put(r),
    all: () => (mode === 'on' ? openDurable() : memory).all(),
    del: (k) => (mode === 'on' ? openDurable() : memory).del(k),
    clear: () => Promise.all([memory.clear(), durable?.clear()]).then(() => {}),
    getMeta: (k) => (mode === 'on' ? openDurable() : memory).getMeta(k),
    setMeta: (k, v) => (mode === 'on' ? openDurable() : memory).setMeta(k, v),
  };

  const chan = typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel('waymark:v1');
  const post = (m: unknown) => {
    try {
      if (mode === 'on') chan?.postMessage(m);
    } catch {
      /* closed */
    }
  };

  const plugins = createPluginRunner(
    [...(c.beforeSend ? [{ name: 'beforeSend', beforeSend: c.beforeSend }] : []), ...c.plugins],
    (m, err) => console.error(`${LOG} ${m}`, err),
  );
  const queue = createQueue({
    store,
    kv,
    transport: x.transport ?? browserTransport(),
    now,
    random: x.random ?? Math.random,
    tab,
    endpoint,
    headers: c.headers,
    batch: c.batch,
    retry: c.retry,
    maxEvents: c.queue.maxEvents,
    encode:
      c.format === 'segment'
        ? (events, sentAt) => JSON.stringify(toSegmentBatch(events, sentAt, c.writeKey))
        : (events, sentAt) => JSON.stringify({ sentAt, events }),
    debug,
    afterSend: (events) => plugins.afterSend(events),
    broadcast: post,
  });

  const identity = createIdentity(kv, now);
  const order = c.stages.order;
  const rules = compileRules([...c.stages.rules, ...(c.stages.defaults ? defaultRules(order) : [])], order, error);
  const journey = createJourney(order, (s) => {
    if (mode === 'on') void store.setMeta('journey', s);
    // Mirrored synchronously: an IndexedDB write started while the page unloads may never finish,
    // and the next page can answer journey() before IndexedDB has opened.
    kv.set('journey', s);
    post({ j: s });
  });
  journey.adopt(kv.get('journey'));
  const listeners = new Set<(c: StageChange) => void>();

  // ---- the pipeline: capture → envelope → identity/touch → stage → plugins → queue
  let pending: Pending[] = [];
  let ready = false;
  let scheduled = false;
  let referrer = doc.referrer;
  let pageViewId: string | undefined;
  let stopped = false;
  // While route listeners run (page_leave, form_abandon), events belong to the page being left.
  let leaving: PageInfo | undefined;
  let lastPage: PageInfo | undefined;

  let cache: { key: string; page: PageInfo } | undefined;
  const page = (): PageInfo => {
    // Scrubbing parses URLs: do it once per page, not once per event.
    const key = win.location.href + '\n' + doc.title + '\n' + referrer;
    if (cache?.key !== key) cache = { key, page: describePage() };
    return { ...cache.page };
  };
  const describePage = (): PageInfo => {
    const url = scrub(win.location.href);
    let path = '/';
    try {
      // From the scrubbed URL, so an e-mail in a path segment is masked here too.
      path = routeKey(new URL(url)).replace(/%5Bemail%5D/g, '[email]');
    } catch {
      /* not a URL: keep '/' rather than anything unscrubbed */
    }
    return { url, path, title: doc.title, referrer: scrub(referrer) };
  };

  function capture(type: EventType | string, data: Captured & { traits?: Record<string, unknown> }, el?: Element | null) {
    if (mode === 'off' || stopped) return;
    const e: WaymarkEvent = {
      id: uid(),
      type,
      ...(data.name !== undefined ? { name: data.name } : {}),
      timestamp: new Date(now()).toISOString(),
      seq: 0,
      anonymousId: '',
      sessionId: '',
      stage: null,
      page: leaving ?? page(),
      properties: data.properties ?? {},
      ...(data.target ? { target: data.target } : {}),
      ...(data.form ? { form: data.form } : {}),
      ...(data.traits ? { traits: data.traits } : {}),
      context: { library: { name: 'waymark', version: VERSION } },
    };
    if (type === 'page_view') {
      pageViewId = e.id;
      lastPage = e.page;
    }
    if (pageViewId) e.context.pageViewId = pageViewId;
    pending.push({ e, el, url: win.location.href, ref: referrer, user: identity.current().userId });
    if (ready && !scheduled) {
      scheduled = true;
      queueMicrotask(process);
    }
  }

  /** Events processed per task: a burst is spread over several tasks instead of one long one. */
  const SLICE = 250;
  function process(all = false) {
    scheduled = false;
    if (!pending.length) return;
    const batch = all ? pending : pending.slice(0, SLICE);
    pending = all ? [] : pending.slice(batch.length);
    if (pending.length) {
      scheduled = true;
      setTimeout(process, 0);
    }
    identity.sync();
    const out: WaymarkEvent[] = [];
    const changes: StageChange[] = [];
    const host = win.location.host;
    for (const p of batch) {
      try {
        const e = p.e;
        const { state, newSession } = identity.tick(Date.parse(e.timestamp));
        e.anonymousId = state.anonymousId;
        e.sessionId = state.sessionId;
        e.seq = state.seq;
        if (p.user) e.userId = p.user;
        if (newSession || !state.lastTouch || (e.type === 'page_view' && isNewTouch(p.url, p.ref, host))) {
          const touch = classifyTouch(scrub(p.url), p.ref, e.timestamp);
          // Same session, no new campaign or referrer: keep the session's touch.
          if (newSession || !state.lastTouch || touch.channel !== 'direct') {
            identity.update({ lastTouch: touch, firstTouch: state.firstTouch ?? touch });
          }
        }
        const cur = identity.current();
        if (cur.lastTouch) {
          e.context.channel = cur.lastTouch.channel;
          if (cur.lastTouch.campaign) e.context.campaign = cur.lastTouch.campaign;
          // The full touch rides on page views; other events carry its channel and campaign.
          if (e.type === 'page_view') e.context.lastTouch = cur.lastTouch;
        }
        if (cur.firstTouch) e.context.firstTouch = cur.firstTouch;

        const m = e.type === 'stage_change' ? null : matchStage(rules, { event: e, element: p.el, url: p.url, referrer: p.ref });
        let change: StageChange | undefined;
        if (m) {
          e.stage = m.stage;
          e.stageRule = m.rule;
          debug(`${e.type}${e.name ? ` "${e.name}"` : ''} matched rule "${m.rule}" → ${m.stage}`);
          const moved = journey.apply(m.stage, m.rule, Date.parse(e.timestamp));
          if (moved) change = { from: moved.from, to: m.stage, rule: m.rule, event: e };
        } else e.stage = journey.get().stage;

        const kept = plugins.beforeSend(e);
        if (kept) out.push(kept);
        else queueDrop('before_send');
        if (change) {
          changes.push(change);
          const sc: WaymarkEvent = {
            ...e,
            id: uid(),
            type: 'stage_change',
            seq: identity.tick(Date.parse(e.timestamp)).state.seq,
            properties: { from: change.from, to: change.to, rule: change.rule },
            stageRule: change.rule,
          };
          delete sc.name;
          delete sc.target;
          delete sc.form;
          delete sc.traits;
          const k2 = plugins.beforeSend(sc);
          if (k2) out.push(k2);
        }
      } catch (err) {
        console.error(LOG, 'event skipped', err);
      }
    }
    identity.save();
    if (out.length) {
      if (c.debug) for (const e of out) debug(`${e.type} queued`, e);
      queue.add(out);
    }
    for (const ch of changes)
      for (const l of listeners) {
        try {
          l(ch);
        } catch (err) {
          console.error(LOG, 'a stage listener threw', err);
        }
      }
  }
  const dropped: Record<string, number> = {};
  const queueDrop = (reason: string) => {
    dropped[reason] = (dropped[reason] ?? 0) + 1;
    debug(`dropped 1 event: ${reason}`);
  };

  // ---- capture modules
  const routeListeners = new Set<(from: string, to: string) => void>();
  const leaveListeners = new Set<() => void>();
  const ctx: CaptureContext = {
    emit: (type, data, el) => capture(type, data, el),
    win,
    doc,
    privacy: c.privacy,
    friction: c.friction,
    scrub,
    onRoute: (l) => (routeListeners.add(l), () => routeListeners.delete(l)),
    onLeave: (l) => (leaveListeners.add(l), () => leaveListeners.delete(l)),
    now,
    pageViewId: () => pageViewId,
  };
  const each = <T extends unknown[]>(set: Set<(...a: T) => void>, ...a: T) =>
    set.forEach((l) => {
      try {
        l(...a);
      } catch (err) {
        console.error(LOG, err);
      }
    });

  const ac = c.autocapture;
  let stops: Array<() => void> = [];
  const startCapture = () => {
    if (stops.length) return;
    const mods: Array<[boolean, CaptureModule]> = [
      [ac.clicks, captureClicks],
      [ac.forms, captureForms],
      [ac.engagement, captureEngagement],
      [ac.friction, captureFriction],
      [ac.vitals && !!x.vitals, x.vitals!],
    ];
    for (const [on, mod] of mods) {
      if (!on) continue;
      try {
        stops.push(mod(ctx));
      } catch (err) {
        console.error(LOG, 'a capture module failed to start', err);
      }
    }
    if (ac.pageViews)
      stops.push(
        capturePageViews(ctx, (from) => {
          leaving = lastPage;
          each(routeListeners, from, win.location.href);
          leaving = undefined;
          referrer = from;
        }),
      );
  };
  const stopCapture = () => {
    stops.forEach((s) => {
      try {
        s();
      } catch {
        /* keep going */
      }
    });
    stops = [];
  };

  // ---- page lifecycle
  const leave = () => {
    each(leaveListeners);
    ready = true; // leaving before the journey loaded: tag with what we know
    process(true);
    queue.exit();
  };
  const offLeave = onPageLeave(win, leave, () => {});
  const online = () => void queue.flush(false);
  win.addEventListener('online', online);
  const onStorage = (e: StorageEvent) => {
    if (e.key === 'waymark:v1:consent' && e.newValue === '"out"') tracker.optOut();
  };
  win.addEventListener('storage', onStorage);
  if (chan)
    chan.onmessage = (ev: MessageEvent) => {
      const m = ev.data as { j?: JourneyState } & Partial<QueueMessage>;
      if (m?.j) journey.adopt(m.j);
      else if (m?.q) queue.receive(m as QueueMessage);
    };

  // ---- boot: load the journey, then process what was captured meanwhile
  const boot = async () => {
    if (mode === 'on') {
      const s = await store.getMeta<JourneyState>('journey').catch(() => undefined);
      journey.adopt(s);
    }
    ready = true;
    process();
    if (mode === 'on') await queue.start();
  };
  if (mode !== 'off') startCapture();
  void queue.setMode(mode).then(boot, boot);

  const safe =
    <A extends unknown[], R>(fn: (...a: A) => R, fallback: R) =>
    (...a: A): R => {
      try {
        return fn(...a);
      } catch (err) {
        console.error(LOG, err);
        return fallback;
      }
    };

  const tracker: Tracker = {
    track: safe((name: string, properties?: Record<string, unknown>) => {
      if (typeof name !== 'string' || !name) return error('track(name) needs a non-empty string name');
      capture('track', { name, properties: isPlain(properties) ? { ...properties } : {} });
    }, undefined),
    page: safe((properties?: Record<string, unknown>) => {
      capture('page_view', { properties: isPlain(properties) ? { ...properties } : {} });
    }, undefined),
    identify: safe((userId: string, traits?: Record<string, unknown>) => {
      if (typeof userId !== 'string' || !userId) return error('identify(userId) needs a non-empty string');
      identity.update({ userId, traits: isPlain(traits) ? { ...traits } : undefined });
      identity.save();
      capture('identify', { traits: isPlain(traits) ? { ...traits } : {} });
    }, undefined),
    reset: safe(() => {
      process(true);
      identity.reset();
      journey.reset();
      if (mode === 'on') void store.setMeta('journey', null);
      kv.remove('journey');
      post({ j: { stage: null, furthest: null, history: [], v: now() } });
    }, undefined),
    journey: safe(() => journey.get(), { stage: null, furthest: null, history: [] }),
    on: safe((type: 'stage', listener: (c: StageChange) => void) => {
      if (type !== 'stage' || typeof listener !== 'function') {
        error(`on("${String(type)}") is not supported; use on("stage", listener)`);
        return () => {};
      }
      listeners.add(listener);
      return () => void listeners.delete(listener);
    }, () => {}),
    flush: () => {
      try {
        process(true);
        return queue.flush(true).catch(() => {});
      } catch {
        return Promise.resolve();
      }
    },
    optOut: safe(() => {
      mode = 'off';
      kv.persist(true);
      kv.set('consent', 'out');
      kv.remove('id');
      kv.remove('sent');
      kv.remove('spill');
      kv.remove('journey');
      kv.persist(false);
      pending = [];
      stopCapture();
      journey.reset();
      void queue.setMode('off');
      debug('opted out: queue deleted, nothing more is captured or sent');
    }, undefined),
    optIn: safe(() => {
      const was = mode;
      kv.persist(true);
      kv.set('consent', 'in');
      mode = 'on';
      identity.save();
      if (was === 'off') identity.reset();
      startCapture();
      void queue.setMode('on').then(() => store.setMeta('journey', { ...journey.get(), v: now() }));
    }, undefined),
    stats: safe(() => {
      const s = queue.stats();
      for (const k in dropped) s.dropped[k] = (s.dropped[k] ?? 0) + dropped[k]!;
      return s;
    }, { delivered: 0, retried: 0, dropped: {}, queued: 0, storage: 'none' as const }),
    shutdown: async () => {
      try {
        if (stopped) return;
        each(leaveListeners);
        process(true);
        stopped = true;
        stopCapture();
        offLeave();
        win.removeEventListener('online', online);
        win.removeEventListener('storage', onStorage);
        chan?.close();
        plugins.teardown();
        await queue.flush(true).catch(() => {});
        queue.stop();
      } catch (err) {
        console.error(LOG, err);
      }
    },
  };
  plugins.setup(tracker);
  return tracker;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
