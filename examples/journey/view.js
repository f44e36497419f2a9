// The journey view: fetches /api/journeys, renders it (render.js), and
// re-renders whenever the collector announces new events on /events/stream.
// No dependencies, no inline scripts or styles (works under a strict CSP).

import { ago, render } from './render.js';

const $ = (selector) => document.querySelector(selector);
let data = null;

function tick() {
  const last = data?.totals?.lastEventAt;
  $('[data-last-event]').textContent = last ? `last event ${ago(last)}` : 'no events yet';
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
        const next = await res.json();
        if (render(next, document)) {
          data = next;
          tick();
          document.body.dataset.loaded = 'true';
        }
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
