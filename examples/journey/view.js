// The journey view: renders /api/journeys as inline SVG and HTML, and
// re-renders whenever the collector announces new events on /events/stream.
// No dependencies, no inline scripts or styles (works under a strict CSP).

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
const $ = (selector) => document.querySelector(selector);
const open = new Map(); // visitor id → details open?
let data = null;
let order = [];

/** Create an HTML element: attributes (class, data-*, …) and children (strings become text). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  return fill(el, attrs, children);
}

/** Create an SVG element the same way. */
function s(tag, attrs, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

function fill(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (key === 'text') el.textContent = String(value);
    else if (key === 'color') el.style.setProperty('--c', value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return el;
}

function colorOf(stage) {
  if (!stage) return '#b8bec7';
  if (STAGE_COLORS[stage]) return STAGE_COLORS[stage];
  const i = Math.max(0, order.indexOf(stage));
  return EXTRA_COLORS[i % EXTRA_COLORS.length];
}

const pct = (x) => (x == null ? '–' : `${Math.round(x * 100)}%`);
const clock = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '');

function ago(iso) {
  if (!iso) return '';
  const sec = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  if (sec < 5) return 'just now';
  if (sec < 60) return `${sec}s ago`;
  if (sec < 3600) return `${Math.round(sec / 60)} min ago`;
  if (sec < 86400) return `${Math.round(sec / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

function stageChip(stage, extra = {}) {
  return h('span', { class: 'chip', color: colorOf(stage), 'data-stage': stage || '', ...extra }, stage || 'no stage');
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
    'aria-label': funnel.map((f) => `${f.stage}: ${f.reached}`).join(', '),
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
      s('text', { x: labelW + w + 10, y: y + 26, class: 'count', text: `${f.reached}` }),
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
    g.append(s('text', { x: 0, y: y + 20, class: 'stage-label', text: c.channel.replace(/_/g, ' ') }));
    let x = labelW;
    const full = (c.visitors / top) * barW;
    const unstaged = c.visitors - Object.values(c.furthest).reduce((a, b) => a + b, 0);
    const parts = [...order.map((stage) => [stage, c.furthest[stage] || 0]), [null, unstaged]];
    for (const [stage, n] of parts) {
      if (!n) continue;
      const w = (n / c.visitors) * full;
      g.append(
        s('rect', { x, y: y + 4, width: Math.max(1, w - 1), height: 24, rx: 4, fill: colorOf(stage) }, s('title', { text: `${stage || 'no stage'}: ${n}` })),
      );
      x += w;
    }
    const purchaseIdx = order.indexOf('purchase');
    const conv = purchaseIdx >= 0 ? c.reached[purchaseIdx] / c.visitors : null;
    g.append(s('text', { x: labelW + full + 8, y: y + 21, class: 'count', text: String(c.visitors) }));
    if (conv != null) g.append(s('text', { x: 0, y: y + 38, class: 'sub', text: `${pct(conv)} reached purchase` }));
    svg.append(g);
  });
  const legend = h(
    'div',
    { class: 'legend' },
    order.filter((st) => channels.some((c) => c.furthest[st])).map((st) => h('span', { class: 'key', color: colorOf(st) }, st)),
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
    const steps = Object.entries(f.steps);
    return h(
      'div',
      { class: 'form', 'data-form': f.form },
      h('div', { class: 'form-head' }, h('b', { text: `#${f.form}` }), h('span', { class: 'muted', text: f.path })),
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
  const t = VITALS[name];
  if (!t || value == null) return '';
  return value <= t.good ? 'good' : value <= t.poor ? 'needs-improvement' : 'poor';
}

function formatVital(name, value) {
  if (value == null) return '–';
  if (name === 'CLS') return value.toFixed(2);
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

function renderVitals(stages) {
  const rows = stages.filter((st) => st.events > 0);
  if (!rows.length) return h('p', { class: 'muted', text: 'Nothing measured yet.' });
  const names = Object.keys(VITALS).filter((n) => rows.some((r) => r.vitals[n]));
  const extra = [...new Set(rows.flatMap((r) => Object.keys(r.vitals)))].filter((n) => !VITALS[n]);
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
            const v = r.vitals[n];
            return h('td', { class: `v ${ratingOf(n, v?.p75)}`, title: v ? `${v.count} measurements` : null, text: formatVital(n, v?.p75) });
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
    if (tp.type === 'form_step' && tp.field) {
      if (last && last.fields && last.form === tp.form && last.step === tp.step) {
        last.fields.push(tp.field);
        const names = [...new Set(last.fields)];
        last.label = `filled ${last.fields.length} fields${tp.step ? ` in ${tp.step}` : ''}: ${names.join(', ')}`;
        last.at = tp.at;
        continue;
      }
      out.push({ ...tp, fields: [tp.field], label: `filled ${tp.field}${tp.step ? ` in ${tp.step}` : ''} · #${tp.form}` });
      continue;
    }
    out.push(tp);
  }
  return out;
}

function renderPath(v) {
  // The stage changes as a row of dots joined by lines.
  const changes = v.changes;
  const step = 112;
  const width = Math.max(1, changes.length) * step;
  const svg = s('svg', { class: 'path', viewBox: `0 0 ${width} 52`, width, height: 52, role: 'img', 'aria-label': changes.map((c) => c.to).join(' → ') });
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
  const name = v.userId ? v.userId : `visitor ${v.id.slice(0, 8)}`;
  const isOpen = open.has(v.id) ? open.get(v.id) : index === 0;
  const details = h('details', { class: 'visitor', 'data-visitor': v.id, 'data-stage': v.stage || '', open: isOpen });
  details.addEventListener('toggle', () => open.set(v.id, details.open));
  const campaign = v.campaign && (v.campaign.campaign || v.campaign.source);
  details.append(
    h(
      'summary',
      null,
      h('span', { class: 'avatar', color: colorOf(v.stage), text: (v.userId || v.id).slice(0, 2).toUpperCase() }),
      h('span', { class: 'who' }, h('b', { text: name }), h('small', { class: 'muted', text: `${v.pages} pages · ${v.events} events · ${v.sessions} session${v.sessions === 1 ? '' : 's'} · ${ago(v.lastSeen)}` })),
      h('span', { class: 'channel', text: (v.channel || 'unknown').replace(/_/g, ' ') + (campaign ? ` · ${campaign}` : '') }),
      h('span', { class: 'now' }, 'now ', stageChip(v.stage, { 'data-testid': 'visitor-stage' })),
    ),
  );
  const body = h('div', { class: 'visitor-body' });
  if (v.changes.length) body.append(renderPath(v));
  const list = h('ol', { class: 'timeline', 'data-testid': 'timeline' });
  for (const seg of segmentsOf(v.touchpoints)) {
    const head = seg.change
      ? h(
          'li',
          { class: 'seg-head', 'data-testid': 'stage-change', 'data-to': seg.stage, color: colorOf(seg.stage) },
          h('span', { class: 'dot' }),
          h('span', null, seg.change.from ? [h('span', { class: 'from', text: seg.change.from }), ' → '] : 'entered ', h('b', { text: seg.stage })),
          seg.change.rule ? h('code', { text: seg.change.rule }) : null,
          h('time', { text: clock(seg.change.at) }),
        )
      : h('li', { class: 'seg-head quiet', color: colorOf(seg.stage) }, h('span', { class: 'dot' }), h('span', null, seg.stage ? `in ${seg.stage}` : 'before any stage'));
    list.append(head);
    const shown = compact(seg.items).slice(0, 16);
    for (const tp of shown) {
      list.append(
        h(
          'li',
          { class: `tp ${tp.kind}`, 'data-type': tp.type, color: colorOf(seg.stage) },
          h('span', { class: `kind ${tp.kind}`, text: KIND_LABEL[tp.kind] || tp.kind }),
          h('span', { class: 'label', text: tp.label }),
          tp.kind !== 'page' && tp.path ? h('span', { class: 'where', text: tp.path }) : null,
          h('time', { text: clock(tp.at) }),
        ),
      );
    }
    const hidden = compact(seg.items).length - shown.length;
    if (hidden > 0) list.append(h('li', { class: 'tp more', color: colorOf(seg.stage), text: `+ ${hidden} more` }));
  }
  body.append(list);
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

// ---------------------------------------------------------------- page

function swap(selector, content) {
  const el = $(selector);
  el.replaceChildren(...[content].flat(2).filter(Boolean));
}

function render() {
  if (!data) return;
  order = data.order;
  const t = data.totals;
  for (const key of ['visitors', 'sessions', 'events']) $(`[data-total="${key}"]`).textContent = String(t[key]);
  $('[data-empty]').hidden = t.events > 0;
  $('[data-content]').hidden = t.events === 0;
  swap('[data-funnel]', renderFunnel(data.funnel));
  swap('[data-channels]', renderChannels(data.channels));
  swap('[data-forms]', renderForms(data.forms));
  swap('[data-vitals]', renderVitals(data.stages));
  swap('[data-visitors]', renderVisitors(data.visitors));
  tick();
}

function tick() {
  $('[data-last-event]').textContent = data?.totals.lastEventAt ? `last event ${ago(data.totals.lastEventAt)}` : 'no events yet';
}

let loading = null;
let again = false;

async function refresh() {
  if (loading) {
    again = true;
    return loading;
  }
  loading = (async () => {
    try {
      const res = await fetch('/api/journeys', { cache: 'no-store' });
      if (res.ok) {
        data = await res.json();
        render();
        document.body.dataset.loaded = 'true';
      }
    } catch {
      setLive('offline');
    }
  })();
  await loading;
  loading = null;
  if (again) {
    again = false;
    refresh();
  }
}

function setLive(state) {
  const el = $('[data-live]');
  el.dataset.state = state;
  $('[data-live-text]').textContent = state;
}

let timer = null;
function scheduleRefresh() {
  clearTimeout(timer);
  timer = setTimeout(refresh, 250);
}

function connect() {
  if (!('EventSource' in window)) {
    setLive('polling');
    setInterval(refresh, 2000);
    return;
  }
  const source = new EventSource('/events/stream');
  source.addEventListener('open', () => {
    setLive('live');
    scheduleRefresh();
  });
  source.addEventListener('events', scheduleRefresh);
  source.addEventListener('error', () => setLive(source.readyState === EventSource.CLOSED ? 'offline' : 'reconnecting'));
}

refresh();
connect();
setInterval(tick, 1000);
// A slow safety net in case a stream message was missed.
setInterval(refresh, 15000);
