import type { WaymarkEvent } from '../types';

/** Readable Segment `event` names for auto-captured types (Segment's "Object Action" style). */
const NAMES: Record<string, string> = {
  click: 'Element Clicked',
  rage_click: 'Rage Click',
  dead_click: 'Dead Click',
  form_start: 'Form Started',
  form_step: 'Form Step Completed',
  form_submit: 'Form Submitted',
  form_abandon: 'Form Abandoned',
  form_reject: 'Form Rejected',
  stage_change: 'Journey Stage Changed',
  web_vital: 'Web Vital',
  page_leave: 'Page Left',
};

type Obj = Record<string, unknown>;

/** Copy `from`'s defined keys into `to`, each prefixed (`{ tag }` → `{ element_tag }`). */
const flatten = (to: Obj, prefix: string, from?: object): void => {
  for (const [k, v] of Object.entries(from || {})) {
    if (v !== undefined && (typeof v != 'object' || v === null)) to[prefix + k] = v;
  }
};

/** The query string of a URL, as Segment's `page.search` (`''` when none). */
const search = (url: string): string => (url || '').match(/\?[^#]*/)?.[0] ?? '';

/** One waymark event as a Segment spec call (`page`, `identify` or `track`). */
export const toSegmentCall = (e: WaymarkEvent, sentAt: string): Obj => {
  // Absent on a server (SSR, tests in Node): locale and userAgent are then left out.
  const nav = globalThis.navigator as Navigator | undefined;
  const p = e.page || ({} as WaymarkEvent['page']);
  const page = { path: p.path, referrer: p.referrer, search: search(p.url), title: p.title, url: p.url };
  const ctx = e.context || ({} as WaymarkEvent['context']);
  // Segment calls utm_campaign `name`; other UTM keys and click ids pass through.
  const { campaign: campaignName, ...utm } = ctx.campaign || {};
  const campaign = ctx.campaign ? { ...utm, name: campaignName } : undefined;
  const call: Obj = {
    type: 'track',
    messageId: e.id,
    anonymousId: e.anonymousId,
    userId: e.userId,
    timestamp: e.timestamp,
    // Rudder corrects clock skew from originalTimestamp + sentAt on each call; Segment from timestamp + sentAt.
    originalTimestamp: e.timestamp,
    sentAt,
    context: {
      page,
      library: ctx.library || { name: 'waymark', version: '' },
      campaign,
      locale: nav?.language,
      userAgent: nav?.userAgent,
      channel: ctx.channel,
      journey: { stage: e.stage, rule: e.stageRule },
      waymark: { sessionId: e.sessionId, seq: e.seq, pageViewId: ctx.pageViewId, attempt: e.attempt },
    },
  };
  if (e.type == 'identify') {
    call.type = 'identify';
    call.traits = { ...e.traits };
    return call;
  }
  const props: Obj = { ...e.properties };
  if (e.type == 'page_view') {
    call.type = 'page';
    call.name = e.name || p.title || undefined;
    call.properties = { ...page, ...props, journey_stage: e.stage };
    return call;
  }
  flatten(props, 'element_', e.target);
  flatten(props, 'form_', e.form);
  flatten(props, 'field_', e.form?.field);
  props.journey_stage = e.stage;
  call.event = ((e.type == 'track' || e.type == 'click') && e.name) || NAMES[e.type] || e.name || e.type;
  call.properties = props;
  return call;
};

/**
 * A Segment / RudderStack batch body: `{ batch, sentAt, writeKey? }`. The write
 * key travels in the body, never in an Authorization header, so the request
 * stays CORS-simple (no preflight) and works with `sendBeacon`.
 */
export const toSegmentBatch = (events: WaymarkEvent[], sentAt: string, writeKey?: string): Obj => ({
  batch: events.map((e) => toSegmentCall(e, sentAt)),
  sentAt,
  writeKey: writeKey || undefined,
});
