/**
 * createTracker: wires capture → intake → pipeline → queue → delivery. Each
 * piece of state has one owner module; this file only connects them.
 */
import { createApi } from './api';
import type { CaptureModule } from './capture/context';
import { createCapture } from './capture/start';
import { resolveConfig, type Config } from './config';
import { createConsent, type ConsentMode } from './consent';
import { onPageLeave } from './delivery/lifecycle';
import { createQueue } from './delivery/queue';
import { createRoutedStore } from './delivery/routed-store';
import type { EventStore, } from './delivery/store';
import { browserTransport, type Transport } from './delivery/transport';
import { encoderFor } from './format/index';
import { createIdentity } from './identity';
import { createIntake } from './intake';
import { defaultRules } from './journey/defaults';
import { compileRules } from './journey/rules';
import { createSharedJourney } from './journey/shared';
import { callEach, listen } from './lib/guard';
import { createReporter } from './lib/plain';
import { createNoopTracker } from './noop';
import { createPageDescriber, createPageReader } from './page';
import { createPluginRunner } from './plugins';
import { privacySignal, scrubUrl } from './privacy';
import { createKV, uid } from './storage';
import { createTabs } from './tabs';
import type { Options, StageChange, Tracker } from './types';

export { VERSION } from './intake';

/** What tests (and unusual hosts) may inject. */
export interface Internals {
  transport?: Transport;
  store?: EventStore;
  now?: () => number;
  random?: () => number;
  window?: Window;
  /** The web-vitals capture module; each entry point brings its own loader. */
  vitals?: CaptureModule;
}

/** A console line prefixed `[waymark]`; `data` is printed only when given. */
function say(level: 'debug' | 'warn' | 'error', message: string, data?: unknown): void {
  console[level]('[waymark]', message, ...(data === undefined ? [] : [data]));
}

/** Start tracking. Never throws: bad options are reported and ignored; without a browser (SSR) the tracker does nothing. */
export function createTrackerWith(options: Options, internals: Internals = {}): Tracker {
  const win = internals.window ?? (typeof window === 'undefined' ? undefined : window);
  if (!win?.document) return createNoopTracker();
  try {
    const config = resolveConfig(options, (m) => say('error', m), (m) => say('warn', m));
    return config ? start(win, config, internals) : createNoopTracker();
  } catch (err) {
    say('error', 'could not start', err);
    return createNoopTracker();
  }
}

function start(win: Window, c: Config, x: Internals): Tracker {
  const doc = win.document;
  const now = x.now ?? Date.now;
  const log = (m: string, data?: unknown) => void (c.debug && say('debug', m, data));
  const error = (m: string, err?: unknown) => say('error', m, err);
  const scrub = (u: string) => (u ? scrubUrl(u, c.privacy.scrubParams, win.location.href) : u);
  const kv = createKV();
  const consent = createConsent(kv, privacySignal(win.navigator, c.privacy.respectGPC, c.privacy.respectDNT), c.privacy.requireConsent);
  const on = () => consent.mode() === 'on';
  let stopped = false;
  const store = createRoutedStore(consent, x.store, (err) => {
    say('warn', 'no IndexedDB: events kept in memory', err);
    queue.rehome();
  });
  const tabs = createTabs(on, (m) => ('j' in m ? journey.adopt(m.j) : queue.receive(m)));
  const plugins = createPluginRunner([...(c.beforeSend ? [{ name: 'beforeSend', beforeSend: c.beforeSend }] : []), ...c.plugins], error);
  const queue = createQueue({
    store, kv, now, tab: uid(), headers: c.headers, batch: c.batch, retry: c.retry, maxEvents: c.queue.maxEvents,
    transport: x.transport ?? browserTransport(),
    random: x.random ?? Math.random,
    endpoint: scrubUrl(c.endpoint, [], win.location.href) || c.endpoint,
    encode: encoderFor(c.format, c.writeKey),
    debug: log,
    afterSend: (events) => plugins.afterSend(events),
    broadcast: (m) => tabs.post(m),
  });
  const identity = createIdentity(kv, now);
  const { journey, ...journeyStore } = createSharedJourney(c.stages.order, kv, store, tabs, on, now);
  const listeners = new Set<(change: StageChange) => void>();
  const report = createReporter(() => c.debug);
  let pluginDrops = 0;
  const intake = createIntake({
    pipeline: {
      identity, journey, scrub, newId: uid, debug: c.debug ? log : undefined,
      rules: compileRules([...c.stages.rules, ...(c.stages.defaults ? defaultRules(c.stages.order) : [])], c.stages.order, error),
      beforeSend: plugins.size ? (e) => plugins.beforeSend(e, report) : (e) => e,
    },
    rawPage: createPageReader(win, doc),
    describePage: createPageDescriber(scrub),
    beforeCapture: (type) => void (type !== 'page_view' && capture.beforeEvent()),
    now,
    queue: (events) => queue.add(events),
    onChanges: (changes) => changes.forEach((change) => callEach(listeners, change)),
    onPluginDrop: () => void pluginDrops++,
  });

  const capture = createCapture(
    {
      emit: (type, data, el) => void (consent.mode() !== 'off' && !stopped && intake.capture(type, data, el)),
      win, doc, privacy: c.privacy, friction: c.friction, scrub, now, pageViewId: intake.pageViewId, debug: log,
    },
    c.autocapture, x.vitals, intake.leavingRoute,
  );

  let mode: ConsentMode = consent.mode();
  consent.subscribe((next) => {
    const was = mode;
    mode = next;
    if (next === 'off') {
      ['id', 'sent', 'spill', 'journey'].forEach((k) => kv.remove(k));
      intake.discard();
      capture.stop();
      journey.reset();
      log('opted out: queue deleted, capture stopped');
    } else if (was === 'off') identity.reset();
    else identity.save();
    if (next === 'on') capture.start();
    void queue.setMode(next).then(journeyStore.save);
  });

  const undo = [
    // Each step on its own: whatever one of them meets while the page goes, the queue is still handed over.
    onPageLeave(win, () =>
      callEach([
        capture.leaving,
        () => intake.ready(), // leaving before the journey loaded: tag with what we know
        () => intake.process(true),
        queue.exit,
      ]),
    ),
    listen(win, 'online', () => void queue.flush(false), false),
    // Another tab opted out: so does this one.
    listen(win, 'storage', (e) => (e as StorageEvent).key === 'waymark:v1:consent' && (e as StorageEvent).newValue === '"out"' && consent.choose('out'), false),
    () => tabs.close(),
  ];
  const boot = () => {
    intake.ready();
    if (!on()) return;
    journeyStore.load(); // the localStorage mirror answered at once; IndexedDB may hold a newer journey
    void queue.start();
  };
  if (mode !== 'off') capture.start();
  void queue.setMode(mode).then(boot, boot);

  const tracker = createApi({
    intake, identity, journey, queue, consent, listeners, report,
    forgetJourney: journeyStore.forget,
    droppedBeforeQueue: () => pluginDrops,
    error,
    async shutdown() {
      if (stopped) return;
      capture.leaving();
      intake.process(true);
      stopped = true;
      capture.stop();
      undo.forEach((off) => off());
      plugins.teardown();
      await queue.flush(true).catch(() => {});
      queue.stop();
    },
  });
  plugins.setup(tracker);
  return tracker;
}
