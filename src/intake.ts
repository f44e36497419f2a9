/**
 * The intake: builds each captured event's envelope synchronously (cheap, at
 * the call), then runs the pipeline in small slices off the caller's task and
 * hands finished events to the queue.
 */
import type { Captured } from './capture/context';
import type { RawPage } from './page';
import { finishEvent, type CapturedEvent, type PipelineDeps } from './pipeline';
import type { EventType, PageInfo, StageChange, WaymarkEvent } from './types';

/** Library version, stamped on every event. */
export const VERSION = '0.1.0';
/** Events processed per task: a burst is spread over several tasks instead of one long one. */
const SLICE = 250;

/** A captured event as held until its slice is processed. */
interface Held {
  type: string;
  data: Captured & { traits?: Record<string, unknown> };
  element?: Element | null;
  at: number;
  raw: RawPage;
  /** The page it belongs to when already described (page views; events of a page being left). */
  page?: PageInfo;
  userId?: string;
  pageViewId?: string;
  id?: string;
}

export interface IntakeDeps {
  /** Also the intake's source of ids, the user id, the identity to sync per slice, and the debug log. */
  pipeline: PipelineDeps;
  /** The page as it is now (unscrubbed). */
  rawPage(): RawPage;
  describePage(raw: RawPage): PageInfo;
  now(): number;
  queue(events: WaymarkEvent[]): void;
  onChanges(changes: StageChange[]): void;
  onPluginDrop(): void;
  /** Called first for every captured event (sends a settling page view before the events of its page). */
  beforeCapture?(type: string): void;
}

export interface Intake {
  capture(type: EventType | string, data: Captured & { traits?: Record<string, unknown> }, element?: Element | null): void;
  /** Process what was captured: one slice, or everything (`all`, when the page is being left). */
  process(all?: boolean): void;
  /** The journey has loaded: processing may begin. */
  ready(): void;
  /** Forget what was captured and not yet processed (opt-out). */
  discard(): void;
  pageViewId(): string | undefined;
  /** Route listeners run while the page is left: their events belong to the previous page. */
  leavingRoute(from: string, run: () => void): void;
}

/** Create the intake. */
export function createIntake(d: IntakeDeps): Intake {
  const { identity, newId, debug } = d.pipeline;
  let pending: Held[] = [];
  let isReady = false;
  let scheduled = false;
  let pageViewId: string | undefined;
  let lastPage: PageInfo | undefined;
  let leaving: PageInfo | undefined;
  let referrer: string | undefined; // the previous URL after an SPA navigation

  /**
   * At the call, only what cannot wait: the time, the page as it is now and a copy of the data.
   * Ids, timestamps and page descriptions are made when the slice is processed (off the caller's time).
   */
  function capture(type: string, data: Captured & { traits?: Record<string, unknown> }, element?: Element | null) {
    d.beforeCapture?.(type);
    // The reader's object is shared by the events of a page: never changed in place.
    let raw = d.rawPage();
    if (referrer !== undefined) raw = { ...raw, referrer };
    const held: Held = { type, data, element, at: d.now(), raw, page: leaving, userId: identity.current().userId, pageViewId };
    if (type === 'page_view') {
      // Later events of this page carry its id: known now.
      held.id = pageViewId = held.pageViewId = newId();
      held.page = lastPage = d.describePage(raw);
    }
    pending.push(held);
    if (isReady) schedule();
  }

  /** Process later in a task of its own, not a microtask: a burst of calls stays the page's task, the work ours. */
  function schedule() {
    if (!scheduled) {
      scheduled = true;
      setTimeout(process, 0);
    }
  }

  /** The event's envelope, from what was held at the call. */
  function envelope(h: Held): CapturedEvent {
    const { data } = h;
    const event: WaymarkEvent = {
      id: h.id ?? newId(),
      type: h.type,
      timestamp: new Date(h.at).toISOString(),
      seq: 0,
      anonymousId: '',
      sessionId: '',
      stage: null,
      page: h.page ?? d.describePage(h.raw),
      properties: data.properties ?? {},
      context: { library: { name: 'waymark', version: VERSION } },
    };
    if (data.name !== undefined) event.name = data.name;
    if (data.target) event.target = data.target;
    if (data.form) event.form = data.form;
    if (data.traits) event.traits = data.traits;
    if (h.pageViewId) event.context.pageViewId = h.pageViewId;
    return { event, element: h.element, url: h.raw.url, referrer: h.raw.referrer, userId: h.userId };
  }

  function process(all = false) {
    scheduled = false;
    if (!pending.length) return;
    const slice = pending.splice(0, all ? pending.length : SLICE);
    if (pending.length) schedule();
    identity.sync(); // another tab may have moved the session on
    const out: WaymarkEvent[] = [];
    const changes: StageChange[] = [];
    for (const input of slice) {
      try {
        const finished = finishEvent(envelope(input), d.pipeline);
        out.push(...finished.events);
        if (finished.change) changes.push(finished.change);
        if (finished.droppedByPlugin) d.onPluginDrop();
      } catch (err) {
        console.error('[waymark] event skipped', err);
      }
    }
    identity.save();
    if (out.length) {
      if (debug) for (const e of out) debug(`${e.type} queued`, e);
      d.queue(out);
    }
    if (changes.length) d.onChanges(changes);
  }

  return {
    capture,
    process,
    ready() {
      isReady = true;
      process();
    },
    discard: () => void (pending = []),
    pageViewId: () => pageViewId,
    leavingRoute(from, run) {
      leaving = lastPage;
      try {
        run();
      } finally {
        leaving = undefined;
        referrer = from;
      }
    },
  };
}
