// Ingest: turns a POSTed body into validated, self-contained events. Pure:
// no I/O, no clock (the caller passes `receivedAt`).
//
// Accepted bodies (SPEC "Wire format"):
//   { sentAt, events: [...] }                       waymark, version 1
//   { v: 2, sentAt, shared: {...}, events: [...] }   waymark, version 2: each event is { ...shared, ...event }
//   { batch: [...] }                                 Segment / RudderStack batch format
//   [ ... ]                                          a bare array of waymark events
//
// Every field is checked for type and size. An event that fails is rejected
// on its own (with its index and a reason) and the rest of the batch goes on.
// Keys that could reach an object's prototype are dropped wherever they occur.

/** Keys that are never kept, at any depth: they could reach an object's prototype. */
export const DANGEROUS_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Size limits per field (characters), per event and per expanded batch (bytes of JSON). */
export const LIMITS = Object.freeze({
  eventBytes: 64 * 1024,
  // A version-2 `shared` is repeated into every event: bound what one body may expand to.
  batchBytes: 8 * 1024 * 1024,
  // Each at least what the SDK can send (its events are at most 32 KB, nested at most 10 levels below properties).
  id: 128,
  type: 64,
  name: 1024,
  identity: 256,
  stage: 128,
  url: 8192,
  path: 4096,
  title: 2048,
  text: 2048,
  key: 1024,
  depth: 12,
  items: 10_000,
});

/** What went wrong with one event; `validateEvent` turns it into `{ reason }`. */
class Rejection extends Error {}

const fail = (reason) => {
  throw new Rejection(reason);
};

/** A plain JSON object (not null, not an array). */
export const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

/** `JSON.parse` that drops prototype-reaching keys at every depth (a reviver returning undefined deletes the key). */
export function parseJSON(text) {
  return JSON.parse(text, (key, value) => (DANGEROUS_KEYS.has(key) ? undefined : value));
}

/** A string of at most `max` characters, or fail. `numeric` also takes a finite number (stored as its string). */
function text(value, field, max, numeric = false) {
  if (numeric && typeof value === 'number' && Number.isFinite(value)) value = String(value);
  if (typeof value !== 'string') fail(`${field}: expected a string`);
  if (value.length > max) fail(`${field}: longer than ${max} characters`);
  return value;
}

/** Like `text`, but absent and null are allowed (and kept as they are). */
function optionalText(value, field, max, numeric = false) {
  return value == null ? value : text(value, field, max, numeric);
}

function optionalNumber(value, field) {
  if (value == null) return value;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${field}: expected a number`);
  return value;
}

/** Free-form JSON (properties, context, traits): bounded depth, keys and items; returns a clean copy. */
function freeJSON(value, field, depth = 0) {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'object') fail(`${field}: not JSON`);
  if (depth >= LIMITS.depth) fail(`${field}: nested deeper than ${LIMITS.depth} levels`);
  if (Array.isArray(value)) {
    if (value.length > LIMITS.items) fail(`${field}: more than ${LIMITS.items} items`);
    return value.map((item, i) => freeJSON(item, `${field}[${i}]`, depth + 1));
  }
  const keys = Object.keys(value);
  if (keys.length > LIMITS.items) fail(`${field}: more than ${LIMITS.items} keys`);
  const out = {};
  for (const key of keys) {
    if (DANGEROUS_KEYS.has(key)) continue;
    if (key.length > LIMITS.key) fail(`${field}: a key longer than ${LIMITS.key} characters`);
    const item = freeJSON(value[key], `${field}.${key}`, depth + 1);
    // defineProperty, not assignment: no key can ever reach a setter.
    if (item !== undefined) Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * An optional object whose known fields are strings of the given sizes (a
 * form step may be a number; fields named in `numeric` may be numbers, stored
 * as strings); other keys are free JSON.
 */
function shaped(value, field, sizes, numeric = []) {
  if (value == null) return value;
  if (!isObject(value)) fail(`${field}: expected an object`);
  const out = freeJSON(value, field, 1);
  for (const [key, max] of Object.entries(sizes)) {
    const checked = optionalText(out[key], `${field}.${key}`, max, key === 'step' || numeric.includes(key));
    if (checked != null && numeric.includes(key)) out[key] = checked;
  }
  return out;
}

/** ISO-8601 date and time with a zone, as `toISOString()` writes it (SPEC "Events"). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

const PAGE = { url: LIMITS.url, path: LIMITS.path, title: LIMITS.title, referrer: LIMITS.url };
const TARGET = { tag: LIMITS.type, id: LIMITS.name, text: LIMITS.text, href: LIMITS.url, selector: LIMITS.text };
const FORM = { id: LIMITS.name, name: LIMITS.name, action: LIMITS.url, step: LIMITS.name };
const FIELD = { name: LIMITS.name, type: LIMITS.type };
const TOUCH = { channel: LIMITS.stage };

/** Fields every event may carry and how each is checked; anything else is free JSON. */
const CHECKS = {
  id: (v) => {
    if (v === '' || v == null) fail('id: missing');
    return text(v, 'id', LIMITS.id);
  },
  type: (v) => {
    if (v === '' || v == null) fail('type: missing');
    return text(v, 'type', LIMITS.type);
  },
  name: (v) => optionalText(v, 'name', LIMITS.name),
  timestamp: (v) => {
    if (v == null) return v;
    text(v, 'timestamp', 64);
    if (!ISO_TIME.test(v) || Number.isNaN(Date.parse(v))) fail('timestamp: not an ISO-8601 date and time');
    return v;
  },
  // Identities may arrive as numbers (Segment senders do that); they are stored as strings.
  anonymousId: (v) => optionalText(v, 'anonymousId', LIMITS.identity, true),
  userId: (v) => optionalText(v, 'userId', LIMITS.identity, true),
  sessionId: (v) => optionalText(v, 'sessionId', LIMITS.identity, true),
  stage: (v) => optionalText(v, 'stage', LIMITS.stage),
  stageRule: (v) => optionalText(v, 'stageRule', LIMITS.name),
  seq: (v) => optionalNumber(v, 'seq'),
  attempt: (v) => optionalNumber(v, 'attempt'),
  page: (v) => shaped(v, 'page', PAGE),
  target: (v) => shaped(v, 'target', TARGET),
  form: (v) => {
    const form = shaped(v, 'form', FORM);
    if (form) form.field = shaped(form.field, 'form.field', FIELD);
    if (form && form.field === undefined) delete form.field;
    return form;
  },
  properties: (v) => {
    if (v == null) return {};
    if (!isObject(v)) fail('properties: expected an object');
    return freeJSON(v, 'properties', 1);
  },
  context: (v) => {
    // A channel sent as a number is kept as its string, like the identities.
    const context = shaped(v, 'context', TOUCH, ['channel']);
    if (context) {
      for (const touch of ['firstTouch', 'lastTouch']) {
        const checked = shaped(context[touch], `context.${touch}`, TOUCH, ['channel']);
        if (checked != null) context[touch] = checked;
      }
      if (context.campaign != null && !isObject(context.campaign)) fail('context.campaign: expected an object');
    }
    return context;
  },
  traits: (v) => {
    if (v == null) return v;
    if (!isObject(v)) fail('traits: expected an object');
    return freeJSON(v, 'traits', 1);
  },
};

/** Checks that depend on the event type. */
function checkByType(event) {
  const p = event.properties;
  if (event.type === 'web_vital') {
    text(p.name, 'properties.name', LIMITS.stage);
    if (typeof p.value !== 'number') fail('properties.value: expected a number');
    optionalText(p.rating, 'properties.rating', LIMITS.stage);
  }
  if (event.type === 'stage_change') {
    optionalText(p.from, 'properties.from', LIMITS.stage);
    optionalText(p.to, 'properties.to', LIMITS.stage);
    optionalText(p.rule, 'properties.rule', LIMITS.name);
  }
}

/**
 * Check one event. Returns `{ event }` (a clean, self-contained copy with
 * `receivedAt`, and `timestamp` defaulting to it) or `{ reason }`.
 */
export function validateEvent(raw, receivedAt) {
  try {
    if (!isObject(raw)) fail('not an object');
    const event = {};
    for (const [key, check] of Object.entries(CHECKS)) {
      const value = check(raw[key]);
      if (value !== undefined) event[key] = value;
    }
    for (const key of Object.keys(raw)) {
      if (Object.hasOwn(CHECKS, key) || DANGEROUS_KEYS.has(key) || key === 'receivedAt') continue;
      if (key.length > LIMITS.key) fail(`a field name longer than ${LIMITS.key} characters`);
      const value = freeJSON(raw[key], key, 1);
      if (value !== undefined) Object.defineProperty(event, key, { value, enumerable: true, writable: true, configurable: true });
    }
    checkByType(event);
    event.timestamp ??= receivedAt;
    event.receivedAt = receivedAt;
    const bytes = Buffer.byteLength(JSON.stringify(event));
    if (bytes > LIMITS.eventBytes) fail(`event larger than ${LIMITS.eventBytes} bytes`);
    return { event, bytes };
  } catch (error) {
    if (error instanceof Rejection) return { reason: error.message };
    throw error;
  }
}

/**
 * Read a parsed body. Returns `{ error, status }` when the body as a whole is
 * not a batch (400) or expands past `LIMITS.batchBytes` (413: a sender splits
 * the batch), else `{ received, events: [{ index, event }], rejected: [{ index, id?, reason }] }`.
 */
export function readBatch(payload, receivedAt) {
  let items;
  let shared = null;
  let segment = false;
  if (Array.isArray(payload)) items = payload;
  else if (isObject(payload) && Array.isArray(payload.events)) {
    if (payload.v != null && payload.v !== 1 && payload.v !== 2) return { error: `unsupported wire format version ${JSON.stringify(payload.v)}`, status: 400 };
    if (payload.shared != null) {
      if (!isObject(payload.shared)) return { error: 'shared: expected an object', status: 400 };
      shared = payload.shared;
    }
    items = payload.events;
  } else if (isObject(payload) && Array.isArray(payload.batch)) {
    items = payload.batch;
    segment = true;
  } else {
    return { error: 'expected { events: [...] } (waymark) or { batch: [...] } (Segment)', status: 400 };
  }
  const events = [];
  const rejected = [];
  let total = 0;
  for (const [index, item] of items.entries()) {
    let raw = item;
    // Version 2: a shallow merge, the event's own fields winning (SPEC "Wire format").
    if (shared && isObject(item)) raw = { ...shared, ...item };
    if (segment) raw = fromSegment(item);
    const result = validateEvent(raw, receivedAt);
    if (result.event) {
      total += result.bytes;
      if (total > LIMITS.batchBytes) return { error: `batch expands to more than ${LIMITS.batchBytes} bytes of events`, status: 413 };
      events.push({ index, event: result.event });
    } else {
      const id = isObject(raw) && typeof raw.id === 'string' && raw.id.length <= LIMITS.id ? raw.id : undefined;
      rejected.push(id === undefined ? { index, reason: result.reason } : { index, id, reason: result.reason });
    }
  }
  return { received: items.length, events, rejected };
}

const SEGMENT_TYPES = { page: 'page_view', screen: 'page_view', identify: 'identify' };

/** Segment `event` names waymark's `segment` format gives auto-captured types, back to the type. */
const SEGMENT_NAMES = new Map([
  ['Element Clicked', 'click'],
  ['Rage Click', 'rage_click'],
  ['Dead Click', 'dead_click'],
  ['Form Started', 'form_start'],
  ['Form Step Completed', 'form_step'],
  ['Form Submitted', 'form_submit'],
  ['Form Abandoned', 'form_abandon'],
  ['Journey Stage Changed', 'stage_change'],
  ['Web Vital', 'web_vital'],
  ['Page Left', 'page_leave'],
]);

/** Take `prefix`ed keys out of `props` into a new object (`element_tag` → `{ tag }`), or undefined. */
function unflatten(props, prefix) {
  const entries = Object.entries(props).filter(([key]) => key.startsWith(prefix) && !DANGEROUS_KEYS.has(key.slice(prefix.length)));
  return entries.length ? Object.fromEntries(entries.map(([key, value]) => [key.slice(prefix.length), value])) : undefined;
}

const own = (object, key) => (isObject(object) && Object.hasOwn(object, key) ? object[key] : undefined);

/**
 * Map one Segment / RudderStack batch item to waymark's shape (messageId → id).
 * Anything that is not an object is passed on for `validateEvent` to reject.
 */
export function fromSegment(item) {
  if (!isObject(item)) return item;
  const props = isObject(item.properties) ? { ...item.properties } : {};
  const context = isObject(item.context) ? item.context : {};
  const extra = isObject(context.waymark) ? context.waymark : {};
  const journey = isObject(context.journey) ? context.journey : {};
  const named = typeof item.event === 'string' ? item.event : undefined;
  let type = own(SEGMENT_TYPES, item.type) || SEGMENT_NAMES.get(named) || 'track';
  const target = unflatten(props, 'element_');
  // A click on a data-waymark element keeps its name as the Segment event name.
  if (type === 'track' && target) type = 'click';
  const field = unflatten(props, 'field_');
  const form = unflatten(props, 'form_');
  if (form && field) form.field = field;
  for (const key of Object.keys(props)) {
    if (/^(element_|form_|field_)/.test(key)) delete props[key];
  }
  const stage = journey.stage ?? props.journey_stage ?? null;
  delete props.journey_stage;
  const page = isObject(context.page) ? context.page : {};
  return {
    id: item.messageId ?? item.id,
    type,
    name: type === 'track' || type === 'click' ? named : undefined,
    timestamp: item.timestamp ?? item.originalTimestamp,
    seq: extra.seq,
    anonymousId: item.anonymousId,
    sessionId: extra.sessionId,
    userId: item.userId,
    stage,
    stageRule: journey.rule,
    page: { url: page.url, path: page.path, title: page.title, referrer: page.referrer },
    properties: type === 'page_view' ? {} : props,
    target,
    form,
    traits: item.traits,
    context: { ...context, pageViewId: extra.pageViewId },
    format: 'segment',
  };
}
