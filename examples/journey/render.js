// The journey view's rendering: turns an /api/journeys answer into DOM nodes
// (inline SVG and HTML). Every value from the data becomes text (textContent
// or an attribute value), never markup, and a value of an unexpected type is
// shown as text or left out: crafted events cannot inject or break the view.
// view.js does the fetching and the live updates.

const STAGE_COLORS = {
  awareness: '#5b8def',
  consideration: '#8b6cf0',
  decision: '#f0a33c',
  purchase: '#36b37e',
  retention: '#16a2b8',
  advocacy: '#e5578f',
  'post-purchase': '#16a2b8',
};
const EXTRA_COLORS = ['#7f8c9b', '#b07a4f', '#5fa37a', '#9c6fb0'];

// Web-vitals thresholds (good / poor), from web.dev: https://web.dev/articles/vitals
const VITALS = {
  LCP: { good: 2500, poor: 4000, unit: 'ms' },
  INP: { good: 200, poor: 500, unit: 'ms' },
  CLS: { good: 0.1, poor: 0.25, unit: '' },
  FCP: { good: 1800, poor: 3000, unit: 'ms' },
  TTFB: { good: 800, poor: 1800, unit: 'ms' },
};

const SVG_NS = 'http://www.w3.org/2000/svg';
const open = new Map(); // visitor id → details open?
let order = [];

/** Own property of a lookup table only: a stage called `constructor` is not Object. */
const lookup = (table, key) => (typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : undefined);
/** Text of a value from the data: strings and numbers as they are, anything else empty. */
const str = (value) => (typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : '');
const num = (value) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const list = (value) => (Array.isArray(value) ? value : []);
const isRecord = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const record = (value) => (isRecord(value) ? value : {});
/** The objects of a list from the data; anything else in it is skipped. */
const records = (value) => list(value).filter(isRecord);

/** Create an HTML element: attributes (class, data-*, …) and children (strings become text). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  return fill(el, attrs, children);
}

/** Create an SVG element the same way. */
function s(tag, attrs, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** Attributes and children from the data are text only: an object there (not a node we built) shows as nothing. */
function fill(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false || typeof value === 'object') continue;
    if (key === 'text') el.textContent = String(value);
    else if (key === 'color') el.style.setProperty('--c', value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    if (child instanceof Node) el.append(child);
    else if (typeof child !== 'object') el.append(document.createTextNode(String(child)));
  }
  return el;
}

function colorOf(stage) {
  if (!stage) return '#b8bec7';
  if (lookup(STAGE_COLORS, stage)) return lookup(STAGE_COLORS, stage);
  const i = Math.max(0, order.indexOf(stage));
  return EXTRA_COLORS[i % EXTRA_COLORS.length];
}

const pct = (x) => (x == null ? '–' : `${Math.round(x * 100)}%`);
const clock = (iso) => (iso && !Number.isNaN(Date.parse(iso)) ? new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '');

/** How long ago `iso` was, in words. */
export function ago(iso) {
  if (!iso || Number.isNaN(Date.parse(iso))) return '';
  const sec = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  if (sec < 5) return 'just now';
  if (sec < 60) return `${sec}s ago`;
  if (sec < 3600) return `${Math.round(sec / 60)} min ago`;
  if (sec < 86400) return `${Math.round(sec / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

function stageChip(stage, extra = {}) {
  return h('span', { class: 'chip', color: colorOf(stage), 'data-stage': str(stage), ...extra }, str(stage) || 'no stage');
}

// ---------------------------------------------------------------- funnel

function renderFunnel(funnel) {
  const row = 58;
  const labelW = 150;
  const width = 640;
  const barMax = width - labelW - 120;
  const top = Math.max(1, ...funnel.map((f) => f.reached));
  const svg = s('svg', {
    class: 'funnel',
    viewBox: `0 0 ${width} ${funnel.length * row}`,
    role: 'img',
    'aria-label': funnel.map((f) => `${str(f.stage)}: ${num(f.reached)}`).join(', '),
  });
  funnel.forEach((f, i) => {
    const y = i * row;
    const w = Math.max(f.reached ? 6 : 2, (f.reached / top) * barMax);
    const g = s('g', { 'data-stage': f.stage, 'data-count': f.reached, class: 'funnel-row' });
    g.append(
      s('circle', { cx: 8, cy: y + 20, r: 6, fill: colorOf(f.stage) }),
      s('text', { x: 22, y: y + 25, class: 'stage-label', text: f.stage }),
      s('rect', { x: labelW, y: y + 6, width: barMax, height: 28, rx: 6, class: 'track' }),
      s('rect', { x: labelW, y: y + 6, width: w, height: 28, rx: 6, fill: colorOf(f.stage), class: 'bar' }),
      s('text', { x: labelW + w + 10, y: y + 26, class: 'count', text: `${num(f.reached)}` }),
    );
    if (f.current) {
      g.append(s('text', { x: width - 4, y: y + 25, class: 'now', 'text-anchor': 'end', text: `${f.current} here now` }));
    }
    if (i > 0) {
      g.append(s('text', { x: labelW - 8, y: y + 2, class: 'conv', 'text-anchor': 'end', text: `↓ ${pct(f.conversion)}` }));
    }
    svg.append(g);
  });
  const first = funnel[0]?.reached || 0;
  const lastReached = [...funnel].reverse().find((f) => f.reached > 0);
  const purchase = funnel.find((f) => f.stage === 'purchase');
  const summary = h(
    'p',
    { class: 'summary' },
    purchase && first
      ? [h('b', { text: pct(purchase.reached / Math.max(1, ...funnel.map((f) => f.reached))) }), ' of visitors reached purchase']
      : lastReached
        ? ['Furthest stage so far: ', stageChip(lastReached.stage)]
        : 'No stages yet.',
  );
  return [svg, summary];
}

// ---------------------------------------------------------------- channels

function renderChannels(channels) {
  if (!channels.length) return h('p', { class: 'muted', text: 'No channels yet.' });
  const row = 46;
  const labelW = 150;
  const width = 520;
  const barW = width - labelW - 70;
  const top = Math.max(...channels.map((c) => c.visitors));
  const svg = s('svg', { class: 'channels', viewBox: `0 0 ${width} ${channels.length * row + 6}`, role: 'img' });
  channels.forEach((c, i) => {
    const y = i * row + 4;
    const g = s('g', { 'data-channel': c.channel });
    g.append(s('text', { x: 0, y: y + 20, class: 'stage-label', text: str(c.channel).replace(/_/g, ' ') }));
    let x = labelW;
    const full = (c.visitors / top) * barW;
    const furthest = record(c.furthest);
    const unstaged = c.visitors - order.reduce((sum, stage) => sum + num(lookup(furthest, stage)), 0);
    const parts = [...order.map((stage) => [stage, num(lookup(furthest, stage))]), [null, unstaged]];
    for (const [stage, n] of parts) {
      if (!n) continue;
      const w = (n / c.visitors) * full;
      g.append(
        s('rect', { x, y: y + 4, width: Math.max(1, w - 1), height: 24, rx: 4, fill: colorOf(stage) }, s('title', { text: `${stage || 'no stage'}: ${n}` })),
      );
      x += w;
    }
    const purchaseIdx = order.indexOf('purchase');
    const conv = purchaseIdx >= 0 ? num(list(c.reached)[purchaseIdx]) / c.visitors : null;
    g.append(s('text', { x: labelW + full + 8, y: y + 21, class: 'count', text: String(c.visitors) }));
    if (conv != null) g.append(s('text', { x: 0, y: y + 38, class: 'sub', text: `${pct(conv)} reached purchase` }));
    svg.append(g);
  });
  const legend = h(
    'div',
    { class: 'legend' },
    order.filter((st) => channels.some((c) => lookup(record(c.furthest), st))).map((st) => h('span', { class: 'key', color: colorOf(st) }, st)),
  );
  return [svg, legend];
}

// ---------------------------------------------------------------- forms

function renderForms(forms) {
  if (!forms.length) return h('p', { class: 'muted', text: 'No form activity yet.' });
  return forms.map((f) => {
    const inProgress = Math.max(0, f.started - f.submitted - f.abandoned);
    const total = Math.max(1, f.submitted + f.abandoned + inProgress);
    const bar = s('svg', { class: 'formbar', viewBox: '0 0 300 14', preserveAspectRatio: 'none' });
    let x = 0;
    for (const [n, cls] of [[f.submitted, 'ok'], [f.abandoned, 'bad'], [inProgress, 'open']]) {
      if (!n) continue;
      const w = (n / total) * 300;
      bar.append(s('rect', { x, y: 0, width: w, height: 14, class: cls }));
      x += w;
    }
    const steps = Object.entries(record(f.steps));
    return h(
      'div',
      { class: 'form', 'data-form': f.form },
      h('div', { class: 'form-head' }, h('b', { text: `#${str(f.form)}` }), h('span', { class: 'muted', text: str(f.path) })),
      h(
        'div',
        { class: 'nums' },
        h('span', null, h('b', { text: f.started }), ' started'),
        h('span', { class: 'ok' }, h('b', { text: f.submitted }), ' submitted'),
        h('span', { class: 'bad' }, h('b', { text: f.abandoned }), ' abandoned'),
        h('span', { class: 'muted' }, `drop-off ${pct(f.dropOff)}`),
      ),
      bar,
      steps.length
        ? h(
            'div',
            { class: 'steps' },
            'visitors per step: ',
            steps.map(([name, n], i) => [i ? h('span', { class: 'arrow', text: '→' }) : null, h('span', { class: 'step' }, `${name} `, h('b', { text: n }))]),
          )
        : null,
    );
  });
}

// ---------------------------------------------------------------- vitals and friction

function ratingOf(name, value) {
  const t = lookup(VITALS, name);
  if (!t || value == null) return '';
  return value <= t.good ? 'good' : value <= t.poor ? 'needs-improvement' : 'poor';
}

function formatVital(name, value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
  if (name === 'CLS') return value.toFixed(2);
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

function renderVitals(stages) {
  const rows = stages.filter((st) => st.events > 0);
  if (!rows.length) return h('p', { class: 'muted', text: 'Nothing measured yet.' });
  const names = Object.keys(VITALS).filter((n) => rows.some((r) => lookup(record(r.vitals), n)));
  const extra = [...new Set(rows.flatMap((r) => Object.keys(record(r.vitals))))].filter((n) => !lookup(VITALS, n));
  const cols = [...names, ...extra];
  return h(
    'table',
    { class: 'vitals' },
    h('thead', null, h('tr', null, h('th', { text: 'stage' }), cols.map((n) => h('th', { text: n })), h('th', { text: 'rage' }), h('th', { text: 'dead' }))),
    h(
      'tbody',
      null,
      rows.map((r) =>
        h(
          'tr',
          { 'data-stage': r.stage },
          h('td', null, stageChip(r.stage)),
          cols.map((n) => {
            const v = record(lookup(record(r.vitals), n));
            return h('td', { class: `v ${ratingOf(n, v?.p75)}`, title: v.count ? `${num(v.count)} measurements` : null, text: formatVital(n, v.p75) });
          }),
          h('td', { class: r.rageClicks ? 'v poor' : 'v', text: r.rageClicks }),
          h('td', { class: r.deadClicks ? 'v needs-improvement' : 'v', text: r.deadClicks }),
        ),
      ),
    ),
    cols.length ? null : h('caption', { text: 'No web vitals yet: they arrive when a page is left.' }),
  );
}

// ---------------------------------------------------------------- visitors

const KIND_LABEL = { page: 'page', click: 'click', form: 'form', track: 'event', identify: 'user', friction: 'friction' };

/** Group a visitor's touchpoints into segments, one per stage run, each headed by its stage change. */
function segmentsOf(touchpoints) {
  const segments = [];
  let current = null;
  for (const tp of touchpoints) {
    if (tp.kind === 'stage') {
      if (current && current.stage === tp.to && !current.change) current.change = tp;
      else segments.push((current = { stage: tp.to, change: tp, items: [] }));
    } else if (current && current.stage === tp.stage) {
      current.items.push(tp);
    } else {
      segments.push((current = { stage: tp.stage, change: null, items: [tp] }));
    }
  }
  return segments;
}

/** Fold runs of completed fields of one form step into a single line. */
function compact(items) {
  const out = [];
  for (const tp of items) {
    const last = out[out.length - 1];
    if (tp.type === 'form_step' && str(tp.field)) {
      if (last && last.fields && last.form === tp.form && last.step === tp.step && typeof tp.field === 'string') {
        last.fields.push(tp.field);
        const names = [...new Set(last.fields)];
        last.label = `filled ${last.fields.length} fields${str(tp.step) ? ` in ${str(tp.step)}` : ''}: ${names.join(', ')}`;
        last.at = tp.at;
        continue;
      }
      out.push({ ...tp, fields: [tp.field], label: `filled ${str(tp.field)}${str(tp.step) ? ` in ${str(tp.step)}` : ''} · #${str(tp.form)}` });
      continue;
    }
    out.push(tp);
  }
  return out;
}

function renderPath(v) {
  // The stage changes as a row of dots joined by lines.
  const changes = records(v.changes);
  const step = 112;
  const width = Math.max(1, changes.length) * step;
  const svg = s('svg', { class: 'path', viewBox: `0 0 ${width} 52`, width, height: 52, role: 'img', 'aria-label': changes.map((c) => str(c.to)).join(' → ') });
  changes.forEach((c, i) => {
    const x = i * step + 14;
    if (i > 0) svg.append(s('line', { x1: x - step + 8, y1: 14, x2: x - 8, y2: 14, class: 'link' }));
    svg.append(
      s('circle', { cx: x, cy: 14, r: 7, fill: colorOf(c.to) }),
      s('text', { x: x - 7, y: 38, class: 'path-label', text: c.to }),
      s('text', { x: x - 7, y: 50, class: 'path-time', text: clock(c.at) }),
    );
  });
  return h('div', { class: 'path-scroll' }, svg);
}

function renderVisitor(v, index) {
  const id = str(v.id);
  const name = str(v.userId) || `visitor ${id.slice(0, 8)}`;
  const isOpen = open.has(id) ? open.get(id) : index === 0;
  const details = h('details', { class: 'visitor', 'data-visitor': id, 'data-stage': str(v.stage), open: isOpen });
  details.addEventListener('toggle', () => open.set(id, details.open));
  const campaign = str(record(v.campaign).campaign) || str(record(v.campaign).source);
  details.append(
    h(
      'summary',
      null,
      h('span', { class: 'avatar', color: colorOf(v.stage), text: (str(v.userId) || id).slice(0, 2).toUpperCase() }),
      h('span', { class: 'who' }, h('b', { text: name }), h('small', { class: 'muted', text: `${num(v.pages)} pages · ${num(v.events)} events · ${num(v.sessions)} session${v.sessions === 1 ? '' : 's'} · ${ago(v.lastSeen)}` })),
      h('span', { class: 'channel', text: (str(v.channel) || 'unknown').replace(/_/g, ' ') + (campaign ? ` · ${campaign}` : '') }),
      h('span', { class: 'now' }, 'now ', stageChip(v.stage, { 'data-testid': 'visitor-stage' })),
    ),
  );
  const body = h('div', { class: 'visitor-body' });
  if (records(v.changes).length) body.append(renderPath(v));
  const timeline = h('ol', { class: 'timeline', 'data-testid': 'timeline' });
  for (const seg of segmentsOf(records(v.touchpoints))) {
    const head = seg.change
      ? h(
          'li',
          { class: 'seg-head', 'data-testid': 'stage-change', 'data-to': seg.stage, color: colorOf(seg.stage) },
          h('span', { class: 'dot' }),
          h('span', null, seg.change.from ? [h('span', { class: 'from', text: seg.change.from }), ' → '] : 'entered ', h('b', { text: seg.stage })),
          seg.change.rule ? h('code', { text: seg.change.rule }) : null,
          h('time', { text: clock(seg.change.at) }),
        )
      : h('li', { class: 'seg-head quiet', color: colorOf(seg.stage) }, h('span', { class: 'dot' }), h('span', null, str(seg.stage) ? `in ${str(seg.stage)}` : 'before any stage'));
    timeline.append(head);
    const shown = compact(seg.items).slice(0, 16);
    for (const tp of shown) {
      timeline.append(
        h(
          'li',
          { class: `tp ${str(tp.kind)}`, 'data-type': tp.type, color: colorOf(seg.stage) },
          h('span', { class: `kind ${str(tp.kind)}`, text: lookup(KIND_LABEL, tp.kind) || str(tp.kind) }),
          h('span', { class: 'label', text: tp.label }),
          tp.kind !== 'page' && tp.path ? h('span', { class: 'where', text: tp.path }) : null,
          h('time', { text: clock(tp.at) }),
        ),
      );
    }
    const hidden = compact(seg.items).length - shown.length;
    if (hidden > 0) timeline.append(h('li', { class: 'tp more', color: colorOf(seg.stage), text: `+ ${hidden} more` }));
  }
  body.append(timeline);
  details.append(body);
  return details;
}

function renderVisitors(visitors) {
  if (!visitors.length) return h('p', { class: 'muted', text: 'No visitors yet.' });
  const shown = visitors.slice(0, 30);
  return [
    shown.map(renderVisitor),
    visitors.length > shown.length ? h('p', { class: 'muted', text: `and ${visitors.length - shown.length} earlier visitors` }) : null,
  ];
}

// ---------------------------------------------------------------- the whole view

/**
 * Render an /api/journeys answer into `root` (the document, or any element
 * holding the view's `data-*` slots). Returns false when `data` is not a
 * journeys answer.
 */
export function render(data, root = document) {
  if (!data || typeof data !== 'object' || !data.totals) return false;
  const $ = (selector) => root.querySelector(selector);
  const swap = (selector, content) => $(selector)?.replaceChildren(...[content].flat(2).filter(Boolean));
  order = list(data.order).map(str);
  const t = record(data.totals);
  for (const key of ['visitors', 'sessions', 'events']) {
    const el = $(`[data-total="${key}"]`);
    if (el) el.textContent = String(num(t[key]));
  }
  const empty = $('[data-empty]');
  const content = $('[data-content]');
  if (empty) empty.hidden = num(t.events) > 0;
  if (content) content.hidden = num(t.events) === 0;
  swap('[data-funnel]', renderFunnel(records(data.funnel)));
  swap('[data-channels]', renderChannels(records(data.channels)));
  swap('[data-forms]', renderForms(records(data.forms)));
  swap('[data-vitals]', renderVitals(records(data.stages)));
  swap('[data-visitors]', renderVisitors(records(data.visitors)));
  return true;
}
