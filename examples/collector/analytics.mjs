// Journey analytics: pure functions over a list of events (no I/O, no clock).
// Stored data is never trusted: a field of the wrong type counts as missing
// (numbers where strings are expected are read as their string), and values
// used as keys live in Maps or prototype-free objects.

/** Default funnel order (SPEC "Journey stages"); stages seen outside it are appended. */
export const DEFAULT_ORDER = ['awareness', 'consideration', 'decision', 'purchase', 'retention', 'advocacy'];

/** Most touchpoints kept per visitor in the output (the newest ones). */
export const MAX_TOUCHPOINTS = 150;

const RATINGS = ['good', 'needs-improvement', 'poor'];

/** A string field: strings as they are, finite numbers as their string, anything else null. */
export function str(value) {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** An object field: plain objects as they are, anything else an empty object. */
export function obj(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

const num = (value) => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** A prototype-free object: safe to use any string as a key. */
function dict(entries) {
  const out = Object.create(null);
  for (const [key, value] of entries) out[key] = value;
  return out;
}

function round(n) {
  return Math.abs(n) < 1 ? Math.round(n * 1000) / 1000 : Math.round(n);
}

/** The key a form is grouped by: its id, name or action. */
export function formKey(event) {
  const f = obj(event.form);
  return str(f.id) || str(f.name) || str(f.action) || 'form';
}

/** Channel of an event: the session's, else the last or first touch's. */
export function channelOf(event) {
  const c = obj(event.context);
  return str(c.channel) || str(obj(c.lastTouch).channel) || str(obj(c.firstTouch).channel) || null;
}

/** A short human description of what an event is about. */
export function subject(event) {
  const p = obj(event.properties);
  const path = str(obj(event.page).path) || '';
  const target = obj(event.target);
  const name = str(event.name);
  switch (str(event.type)) {
    case 'stage_change':
      return `${str(p.from) ?? '∅'} → ${str(p.to) ?? str(event.stage)}  (${str(p.rule) ?? str(event.stageRule) ?? 'rule'})`;
    case 'click':
    case 'rage_click':
    case 'dead_click':
      return `${name || str(target.text) || str(target.selector) || 'click'}  on ${path}`;
    case 'form_start':
    case 'form_step':
    case 'form_submit':
    case 'form_abandon': {
      const f = obj(event.form);
      const step = str(f.step) != null ? ` step ${str(f.step)}` : '';
      const field = str(obj(f.field).name) ? ` field ${str(obj(f.field).name)}` : '';
      return `#${formKey(event)}${step}${field}  on ${path}`;
    }
    case 'web_vital':
      return `${str(p.name) ?? '?'} ${num(p.value) != null ? round(p.value) : ''} (${str(p.rating) ?? '?'})  on ${path}`;
    case 'track':
      return `${name ?? ''}  on ${path}`;
    case 'identify':
      return `user ${str(event.userId) ?? ''}`;
    default:
      return name ? `${name}  ${path}` : path;
  }
}

const KINDS = new Map([
  ['page_view', 'page'],
  ['click', 'click'],
  ['rage_click', 'friction'],
  ['dead_click', 'friction'],
  ['form_start', 'form'],
  ['form_step', 'form'],
  ['form_submit', 'form'],
  ['form_abandon', 'form'],
  ['track', 'track'],
  ['identify', 'identify'],
  ['stage_change', 'stage'],
  ['web_vital', 'vital'],
]);

/** A touchpoint for a visitor's timeline, or null for events not worth a line. */
export function touchpoint(event) {
  const type = str(event.type);
  const kind = KINDS.get(type);
  if (!kind) return null;
  const p = obj(event.properties);
  const page = obj(event.page);
  const target = obj(event.target);
  const entry = { at: str(event.timestamp), type, kind, stage: str(event.stage), path: str(page.path) || '', label: subject(event) };
  if (kind === 'stage') Object.assign(entry, { from: str(p.from), to: str(p.to) ?? str(event.stage), rule: str(p.rule) ?? str(event.stageRule) });
  if (kind === 'page') entry.label = str(page.title) ? `${entry.path} — ${str(page.title)}` : entry.path;
  if (kind === 'click') entry.label = str(event.name) || str(target.text) || str(target.selector) || 'click';
  if (kind === 'form') {
    const f = obj(event.form);
    const step = str(f.step);
    const field = str(obj(f.field).name);
    entry.form = formKey(event);
    if (step != null) entry.step = step;
    if (field) entry.field = field;
    entry.label = `${type.replace('form_', '')} #${entry.form}${step != null ? ` · ${step}` : ''}${field ? ` · ${field}` : ''}`;
  }
  if (kind === 'track') entry.label = str(event.name) || 'track';
  if (kind === 'identify') entry.label = `identified as ${str(event.userId) ?? '?'}`;
  if (kind === 'vital') entry.label = `${str(p.name) ?? '?'} ${num(p.value) != null ? round(p.value) : ''} ${str(p.rating) ?? ''}`.trim();
  if (kind === 'friction') entry.label = `${type.replace('_', ' ')} ${str(target.text) || str(target.selector) || ''}`.trim();
  return entry;
}

/** Percentile of a list of numbers (nearest rank). */
export function percentile(values, p) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Oldest first; within a session, by the SDK's sequence number when timestamps tie. */
function byTime(a, b) {
  const ta = str(a.timestamp) ?? '';
  const tb = str(b.timestamp) ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (str(a.sessionId) === str(b.sessionId) && num(a.seq) != null && num(b.seq) != null) return a.seq - b.seq;
  return 0;
}

/** The funnel order: `baseOrder`, then stages seen in the events, in order of appearance. */
export function stageOrder(sorted, baseOrder = DEFAULT_ORDER) {
  const order = [...baseOrder];
  const known = new Set(order);
  for (const event of sorted) {
    for (const s of [str(event.stage), str(event.type) === 'stage_change' ? str(obj(event.properties).to) : null]) {
      if (s && !known.has(s)) {
        known.add(s);
        order.push(s);
      }
    }
  }
  return order;
}

/**
 * Everything the journey view shows, computed from the events: the stage
 * funnel, each visitor's timeline, channels, form drop-off, and vitals and
 * friction per stage. Pure: the same events give the same answer.
 */
export function aggregate(events, baseOrder = DEFAULT_ORDER) {
  const sorted = events.filter((event) => event !== null && typeof event === 'object').sort(byTime);
  const order = stageOrder(sorted, baseOrder);
  const ranks = new Map(order.map((stage, i) => [stage, i]));
  const rank = (stage) => (stage == null ? -1 : (ranks.get(stage) ?? -1));

  const visitors = new Map();
  const forms = new Map();
  const perStage = new Map(order.map((s) => [s, { stage: s, vitals: new Map(), rageClicks: 0, deadClicks: 0, events: 0 }]));
  const sessions = new Set();

  for (const event of sorted) {
    const type = str(event.type) || '';
    const at = str(event.timestamp);
    const stage = str(event.stage);
    const p = obj(event.properties);
    const userId = str(event.userId);
    const sessionId = str(event.sessionId);
    const key = str(event.anonymousId) || userId || 'unknown';
    let v = visitors.get(key);
    if (!v) {
      v = { id: key, userId: null, channel: null, campaign: null, firstSeen: at, lastSeen: at, stage: null, furthest: null, events: 0, pages: 0, sessions: new Set(), changes: [], touchpoints: [] };
      visitors.set(key, v);
    }
    v.events += 1;
    v.lastSeen = at;
    if (userId) v.userId = userId;
    if (sessionId) {
      v.sessions.add(sessionId);
      sessions.add(sessionId);
    }
    if (!v.channel) {
      const channel = channelOf(event);
      if (channel) {
        const c = obj(event.context);
        const campaign = obj(c.campaign ?? obj(c.firstTouch).campaign);
        v.channel = channel;
        v.campaign = Object.keys(campaign).length ? { campaign: str(campaign.campaign), source: str(campaign.source), medium: str(campaign.medium) } : null;
      }
    }
    if (type === 'page_view') v.pages += 1;
    const to = type === 'stage_change' ? (str(p.to) ?? stage) : null;
    if (type === 'stage_change') {
      v.changes.push({ at, from: str(p.from), to, rule: str(p.rule) ?? str(event.stageRule) });
      v.stage = to;
    } else if (stage) {
      v.stage = stage;
    }
    for (const s of [stage, to]) if (s && rank(s) > rank(v.furthest)) v.furthest = s;
    const tp = touchpoint(event);
    if (tp && tp.kind !== 'vital') v.touchpoints.push(tp);

    if (type.startsWith('form_')) {
      const id = formKey(event);
      let f = forms.get(id);
      if (!f) {
        f = { form: id, path: str(obj(event.page).path) || '', started: 0, steps: new Map(), submitted: 0, abandoned: 0, visitors: new Set() };
        forms.set(id, f);
      }
      f.visitors.add(key);
      if (type === 'form_start') f.started += 1;
      if (type === 'form_submit') f.submitted += 1;
      if (type === 'form_abandon') f.abandoned += 1;
      const step = str(obj(event.form).step);
      if (step != null) {
        // Visitors who reached each step, in the order steps were first seen.
        if (!f.steps.has(step)) f.steps.set(step, new Set());
        f.steps.get(step).add(key);
      }
    }

    const bucket = stage ? perStage.get(stage) : null;
    if (bucket) {
      bucket.events += 1;
      if (type === 'rage_click') bucket.rageClicks += 1;
      if (type === 'dead_click') bucket.deadClicks += 1;
      const name = str(p.name);
      if (type === 'web_vital' && name && num(p.value) != null) {
        let vital = bucket.vitals.get(name);
        if (!vital) bucket.vitals.set(name, (vital = { values: [], ratings: new Map(RATINGS.map((r) => [r, 0])) }));
        vital.values.push(p.value);
        const rating = str(p.rating);
        if (vital.ratings.has(rating)) vital.ratings.set(rating, vital.ratings.get(rating) + 1);
      }
    }
  }

  const list = [...visitors.values()];
  const funnel = order.map((stage, i) => ({
    stage,
    reached: list.filter((v) => rank(v.furthest) >= i).length,
    current: list.filter((v) => v.stage === stage).length,
  }));
  funnel.forEach((step, i) => {
    const prev = funnel[i - 1];
    step.conversion = i === 0 ? null : prev.reached ? step.reached / prev.reached : null;
  });

  const channels = new Map();
  for (const v of list) {
    const name = v.channel || 'unknown';
    let c = channels.get(name);
    if (!c) {
      c = { channel: name, visitors: 0, reached: order.map(() => 0), furthest: dict(order.map((s) => [s, 0])) };
      channels.set(name, c);
    }
    c.visitors += 1;
    if (v.furthest) c.furthest[v.furthest] += 1;
    for (let i = 0; i <= rank(v.furthest); i++) c.reached[i] += 1;
  }

  const stages = [...perStage.values()]
    .filter((s) => s.events > 0)
    .map((s) => ({
      stage: s.stage,
      events: s.events,
      rageClicks: s.rageClicks,
      deadClicks: s.deadClicks,
      vitals: dict(
        [...s.vitals].map(([name, v]) => [
          name,
          { p75: percentile(v.values, 75), count: v.values.length, good: v.ratings.get('good'), needsImprovement: v.ratings.get('needs-improvement'), poor: v.ratings.get('poor') },
        ]),
      ),
    }));

  return {
    order,
    totals: { events: sorted.length, visitors: list.length, sessions: sessions.size, lastEventAt: str(sorted.at(-1)?.timestamp) },
    funnel,
    channels: [...channels.values()].sort((a, b) => b.visitors - a.visitors),
    forms: [...forms.values()]
      .map(({ visitors: vs, steps, ...f }) => ({
        ...f,
        steps: dict([...steps].map(([step, who]) => [step, who.size])),
        visitors: vs.size,
        dropOff: f.started ? Math.max(0, f.started - f.submitted) / f.started : null,
      }))
      .sort((a, b) => b.started - a.started),
    stages,
    visitors: list
      .sort((a, b) => ((a.lastSeen ?? '') < (b.lastSeen ?? '') ? 1 : (a.lastSeen ?? '') > (b.lastSeen ?? '') ? -1 : 0))
      .map(({ sessions: ss, touchpoints, ...v }) => ({
        ...v,
        sessions: ss.size,
        touchpoints: touchpoints.slice(-MAX_TOUCHPOINTS),
        truncated: Math.max(0, touchpoints.length - MAX_TOUCHPOINTS),
      })),
  };
}
