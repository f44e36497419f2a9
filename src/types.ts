/**
 * Every public type of waymark. These TSDoc comments are the reference; the
 * README's tables mirror them.
 */

/** Event types waymark emits. More may be added; treat unknown types as custom. */
export type EventType =
  | 'page_view'
  | 'page_leave'
  | 'click'
  | 'rage_click'
  | 'dead_click'
  | 'form_start'
  | 'form_step'
  | 'form_submit'
  /** A submit the page's own validation rejected: the form's fields were left invalid and the page stayed. Never matches `form_submit` rules. */
  | 'form_reject'
  | 'form_abandon'
  | 'track'
  | 'identify'
  | 'stage_change'
  | 'web_vital';

/** Where an event happened. URLs have sensitive query parameters removed. */
export interface PageInfo {
  /** Full URL, scrubbed (see `privacy.scrubParams`). */
  url: string;
  /** `location.pathname` (plus the hash route for `#/…` routers). */
  path: string;
  /** `document.title`. */
  title: string;
  /** Previous page: `document.referrer` on load, the previous URL after an SPA navigation. Scrubbed. */
  referrer: string;
}

/** The clicked element, described without ever reading what a visitor typed. */
export interface TargetInfo {
  tag: string;
  id?: string;
  /** Visible text, trimmed to 100 characters; e-mail, phone and card-like runs are masked. */
  text?: string;
  /** Link target, scrubbed. */
  href?: string;
  /** A short, stable CSS path to the element. */
  selector: string;
  /** Set on links to another site. */
  outbound?: boolean;
  /** Set on links that download a file. */
  download?: boolean;
}

/** A form, described by identity and position only. Never a field value. */
export interface FormInfo {
  id?: string;
  name?: string;
  action?: string;
  /** The step of a multi-step form (its name or 1-based index). */
  step?: string | number;
  /** The field that was completed: name and type only. */
  field?: { name: string; type: string; position?: number };
  /** `true` on `form_reject`: the submit was rejected by the page's validation (fields left `:invalid` / `aria-invalid="true"`). */
  rejected?: true;
}

/** An acquisition touch: where a session came from. */
export interface Touch {
  /** direct, organic_search, paid_search, social, ai (an AI assistant such as ChatGPT or Perplexity), email, referral, display, affiliate or other. */
  channel: string;
  /** Referring host, when there is one. */
  referrer?: string;
  /** utm_* values without the prefix (`source`, `medium`, `campaign`, `term`, `content`) and click ids. */
  campaign?: Record<string, string>;
  /** ISO time of the touch. */
  at: string;
}

/** Extra facts attached to every event. */
export interface EventContext {
  /** This session's acquisition channel. */
  channel?: string;
  /** This session's campaign fields. */
  campaign?: Record<string, string>;
  /** The visitor's first known touch. */
  firstTouch?: Touch;
  /** The touch that started the current session. */
  lastTouch?: Touch;
  /** Id of the page view this event belongs to. */
  pageViewId?: string;
  library: { name: 'waymark'; version: string };
  [key: string]: unknown;
}

/** One event as it is stored and sent (the `waymark` wire format). */
export interface WaymarkEvent {
  /** Unique id, the same across every retry; collectors dedupe on it. */
  id: string;
  type: EventType | (string & {});
  /** For `track` the name given; for clicks on `data-waymark` elements, its value. */
  name?: string;
  /** ISO-8601 time the event happened (client clock). */
  timestamp: string;
  /** Order of the event within its session (collectors can sort by it despite clock skew). */
  seq: number;
  /** Stable per browser until `reset()`. */
  anonymousId: string;
  /** Changes after 30 minutes of inactivity. */
  sessionId: string;
  /** Set once `identify()` was called. */
  userId?: string;
  /** Journey stage of this event, or null while none is known. */
  stage: string | null;
  /** Name of the rule that set the stage; absent when the stage was carried over. */
  stageRule?: string;
  page: PageInfo;
  properties: Record<string, unknown>;
  target?: TargetInfo;
  form?: FormInfo;
  /** Traits given to `identify`. */
  traits?: Record<string, unknown>;
  context: EventContext;
  /** 1-based delivery attempt, set when the event is sent. */
  attempt?: number;
}

/**
 * A journey-stage rule: plain data, so it can be written in a script tag.
 * Every condition given must hold; rules are tried in order and the first
 * match sets the stage.
 */
export interface StageRule {
  /** The stage this rule sets; must be one of `stages.order`. */
  stage: string;
  /** A name for the rule, reported as `stageRule` (defaults to `rule-<index>`). */
  name?: string;
  /** Event type(s) the rule applies to. */
  type?: string | string[];
  /** Path glob(s): `*` is one path segment, `**` any number. Trailing slashes are ignored. */
  path?: string | string[];
  /** CSS selector the event's element (or an ancestor) must match. */
  selector?: string;
  /** Event name(s): a `track` name or a `data-waymark` click name. */
  event?: string | string[];
  /** Query parameters of the page URL as the visitor sees it; `'*'` means present. */
  query?: Record<string, string>;
  /** Referrer host glob(s), e.g. `*.google.*`. `*` matches any characters. */
  referrer?: string | string[];
  /** In code only: a predicate on the event (after all other conditions). */
  match?: (event: WaymarkEvent) => boolean;
}

/** The visitor's journey. */
export interface Journey {
  /** Current stage (may move back), or null. */
  stage: string | null;
  /** Furthest stage reached in `order` (never moves back), or null. */
  furthest: string | null;
  /** Every change of the current stage, oldest first. */
  history: Array<{ stage: string; at: string; rule?: string }>;
}

/** Passed to `on('stage', …)` listeners. */
export interface StageChange {
  from: string | null;
  to: string;
  rule: string;
  event: WaymarkEvent;
}

/** Delivery counters, for dashboards and debugging. */
export interface Stats {
  /** Events the collector acknowledged (or handed to the browser at page exit). */
  delivered: number;
  /** Failed send attempts that will be retried. */
  retried: number;
  /**
   * Events dropped on purpose, by reason: `queue_full` (over `queue.maxEvents`), `too_old` (over
   * `retry.maxAgeMs`), `rejected` (a 4xx answer), `too_large` (over 32 KB on the wire, or refused by
   * the collector as too large when sent alone), `unencodable` (could not be turned into JSON, e.g.
   * after a plugin), `before_send` (a `beforeSend` hook returned null), `opted_out`.
   */
  dropped: Record<string, number>;
  /** Events waiting to be sent. */
  queued: number;
  /** Where events are kept: `indexeddb`, `memory` (fallback) or `none` (waiting for consent / opted out). */
  storage: 'indexeddb' | 'memory' | 'none';
}

/** Extend waymark without forking it. Every hook is isolated: a throw is logged and ignored. */
export interface Plugin {
  name: string;
  /** Called once when the tracker starts. */
  setup?: (tracker: Tracker) => void;
  /** Change an event or return null to drop it (runs after the `beforeSend` option). */
  beforeSend?: (event: WaymarkEvent) => WaymarkEvent | null;
  /** Called after a batch was accepted by the collector (or handed to the browser at exit). */
  afterSend?: (events: WaymarkEvent[]) => void;
  /** Called by `shutdown()`. */
  teardown?: () => void;
}

/** Options for `createTracker` / `waymark('init', …)`. Everything but `endpoint` is optional. */
export interface Options {
  /** The collector URL. Events are POSTed there in batches. */
  endpoint: string;
  /** What is captured automatically. All on by default. */
  autocapture?: Partial<AutocaptureOptions> | boolean;
  /** Wire format. @default 'waymark' */
  format?: 'waymark' | 'segment';
  /** Segment / RudderStack write key, sent in the body (format `segment`). */
  writeKey?: string;
  /** Journey stages. */
  stages?: StagesOptions;
  /** When batches are sent. */
  batch?: Partial<BatchOptions>;
  /** How failed sends are retried. */
  retry?: Partial<RetryOptions>;
  /** Bounds of the stored queue. */
  queue?: Partial<QueueOptions>;
  /** Privacy controls. */
  privacy?: Partial<PrivacyOptions>;
  /** Extra request headers. Any header makes every request a CORS-preflighted `fetch` (no `sendBeacon`). */
  headers?: Record<string, string>;
  /** Change or drop (return null) each event before it is queued. */
  beforeSend?: (event: WaymarkEvent) => WaymarkEvent | null;
  /** Plugins, run in order. */
  plugins?: Plugin[];
  /** Friction thresholds. */
  friction?: Partial<FrictionOptions>;
  /** Log every event, rule match and drop to the console. @default false */
  debug?: boolean;
}

export interface AutocaptureOptions {
  /** @default true */ pageViews: boolean;
  /** @default true */ clicks: boolean;
  /** @default true */ forms: boolean;
  /** Web vitals, loaded lazily. @default true */ vitals: boolean;
  /** `page_leave` with engaged time and scroll depth. @default true */ engagement: boolean;
  /** `rage_click` and `dead_click`. @default true */ friction: boolean;
}

export interface StagesOptions {
  /** Stage names in funnel order. @default ['awareness','consideration','decision','purchase','retention','advocacy'] */
  order?: string[];
  /** The site's rules, tried before the built-in defaults. */
  rules?: StageRule[];
  /** Use the built-in default rules. @default true */
  defaults?: boolean;
}

export interface BatchOptions {
  /** Send when this many events are queued (a batch also stops at `maxBytes`). @default 100 (1–500) */ size: number;
  /** Send at least this often while events wait. @default 5000 (100–600000) */ intervalMs: number;
  /** Largest request body in bytes; never more than the keepalive budget (63000), so a request in flight at exit still arrives. @default 60000 (1000–1000000) */ maxBytes: number;
}

export interface RetryOptions {
  /** First retry delay. @default 1000 (100–600000) */ baseDelayMs: number;
  /** Longest retry delay. @default 60000 (1000–3600000) */ maxDelayMs: number;
  /** Drop (and count) an event undelivered after this long. @default 604800000 (7 days) */ maxAgeMs: number;
  /**
   * Abort a request the collector has not answered after this long; it counts as a network
   * failure (retried) and frees the send lock for other tabs. `flush()` settles within twice this.
   * @default 10000 (1000–120000)
   */
  timeoutMs: number;
}

export interface QueueOptions {
  /** Most events kept; past it the oldest are dropped and counted (`queue_full`). @default 1000 (10–100000) */ maxEvents: number;
}

export interface PrivacyOptions {
  /** Elements matching this (or inside one) are never captured. @default '[data-waymark-ignore]' */
  ignoreSelector: string;
  /** Query parameters removed from every URL that leaves the page (added to the defaults). */
  scrubParams: string[];
  /** Treat visitors sending Do-Not-Track as opted out. @default false */
  respectDNT: boolean;
  /** Treat visitors sending Global Privacy Control as opted out. @default true */
  respectGPC: boolean;
  /** Hold events in memory only until `optIn()`. @default false */
  requireConsent: boolean;
}

export interface FrictionOptions {
  /** Clicks that make a rage click. @default 3 */ rageClicks: number;
  /** Window for those clicks. @default 1000 */ rageWindowMs: number;
  /** Radius in CSS pixels. @default 30 */ rageRadiusPx: number;
  /** Wait after a click before calling it dead. @default 1000 */ deadClickMs: number;
}

/** The tracker. After `createTracker`, no method throws. */
export interface Tracker {
  /** Record a custom event (`type: 'track'`). */
  track(name: string, properties?: Record<string, unknown>): void;
  /** Record a page view by hand (auto-capture does it by default). */
  page(properties?: Record<string, unknown>): void;
  /** Attach a known user id to this and all later events. */
  identify(userId: string, traits?: Record<string, unknown>): void;
  /** Forget user id, anonymous id, session and journey (call on logout). */
  reset(): void;
  /** This visitor's journey, answered synchronously. */
  journey(): Journey;
  /** Listen for stage changes; returns an unsubscribe function. */
  on(type: 'stage', listener: (change: StageChange) => void): () => void;
  /** Send everything queued now; resolves when the queue is empty or a send failed. */
  flush(): Promise<void>;
  /** Stop capture, storage and sending, delete what is queued; remembered across page loads. */
  optOut(): void;
  /** Resume (or start, with `requireConsent`) capture, storage and sending; remembered. */
  optIn(): void;
  /** Delivery counters. */
  stats(): Stats;
  /** Remove every listener, timer and patch; flush what can be flushed. */
  shutdown(): Promise<void>;
}
