// A tiny single-page app (plain ES modules, history routing) instrumented with
// waymark's ESM build. Page views for route changes are captured
// automatically; this file adds its own stage rules (one with `match()`),
// identifies the user on sign-up and shows the stage in a badge.
import { createTracker } from '/waymark.mjs';

const tracker = createTracker({
  endpoint: '/collect',
  batch: { intervalMs: 1000 },
  stages: {
    rules: [
      { stage: 'awareness', name: 'spa-home', type: 'page_view', path: '/spa' },
      { stage: 'consideration', name: 'spa-pricing', type: 'page_view', path: '/spa/pricing' },
      // In code a rule can also test the event itself: only paid plans are a decision.
      {
        stage: 'decision',
        name: 'paid-plan-chosen',
        type: 'track',
        event: 'plan_selected',
        match: (event) => event.properties.plan !== 'free',
      },
      { stage: 'purchase', name: 'signed-up', type: 'form_submit', selector: '#signup' },
      { stage: 'retention', name: 'welcome', type: 'page_view', path: '/spa/welcome', match: (event) => Boolean(event.userId) },
    ],
  },
});

const view = document.querySelector('[data-view]');
const badge = document.querySelector('[data-testid="stage-badge"]');

/** Show the visitor's current stage in the header badge. */
function showStage(stage) {
  badge.dataset.stage = stage || '';
  badge.querySelector('[data-stage-name]').textContent = stage || 'none yet';
}
showStage(tracker.journey().stage);
tracker.on('stage', (change) => showStage(change.to));

const PLANS = [
  { id: 'free', name: 'Free', price: '€0', perks: ['Log 10 brews a month', 'Basic charts'] },
  { id: 'pro', name: 'Pro', price: '€4', perks: ['Unlimited brews', 'Recipe sharing', 'Grind-size tips'] },
  { id: 'team', name: 'Café', price: '€19', perks: ['5 baristas', 'Shared recipes', 'Export'] },
];
let chosenPlan = 'pro';

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'on') for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn);
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

const routes = {
  '/spa/': () => [
    el('h1', {}, 'Every cup, logged.'),
    el('p', { class: 'lede' }, 'Brewlog remembers your beans, grind and ratio, so the good cup is never a fluke.'),
    el('p', {}, el('a', { class: 'button', href: '/spa/pricing', 'data-link': '' }, 'See plans')),
  ],
  '/spa/pricing': () => [
    el('h1', {}, 'Plans'),
    el(
      'div',
      { class: 'plans' },
      ...PLANS.map((plan) =>
        el(
          'article',
          { class: 'plan' },
          el('h3', {}, plan.name),
          el('p', { class: 'price' }, plan.price, el('span', {}, '/month')),
          el('ul', {}, ...plan.perks.map((perk) => el('li', {}, perk))),
          el(
            'button',
            {
              class: 'button',
              type: 'button',
              'data-plan': plan.id,
              on: {
                click: () => {
                  chosenPlan = plan.id;
                  tracker.track('plan_selected', { plan: plan.id });
                  navigate('/spa/signup');
                },
              },
            },
            `Choose ${plan.name}`,
          ),
        ),
      ),
    ),
  ],
  '/spa/signup': () => {
    const form = el(
      'form',
      { id: 'signup', class: 'card' },
      el('p', {}, 'Plan: ', el('b', {}, PLANS.find((p) => p.id === chosenPlan)?.name || 'Pro')),
      el('label', {}, 'Name', el('input', { name: 'name', autocomplete: 'name', required: '' })),
      el('label', {}, 'E-mail', el('input', { name: 'email', type: 'email', autocomplete: 'email', required: '' })),
      el('button', { class: 'button', type: 'submit' }, 'Create account'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      // The user id, never the e-mail: waymark never reads field values, and neither should you send them.
      const userId = `user_${Math.random().toString(36).slice(2, 8)}`;
      tracker.identify(userId, { plan: chosenPlan });
      navigate('/spa/welcome');
    });
    return [el('h1', {}, 'Create your account'), form];
  },
  '/spa/welcome': () => [
    el('h1', {}, 'Welcome aboard ☕'),
    el('p', { class: 'lede' }, 'Your account is ready. Log your first brew whenever you like.'),
    el('p', {}, el('a', { class: 'button ghost', href: '/spa/', 'data-link': '' }, 'Back to start')),
  ],
};

function render() {
  const path = location.pathname.replace(/\/$/, '') || '/spa';
  const route = routes[path === '/spa' ? '/spa/' : path] || (() => [el('h1', {}, 'Not found'), el('p', {}, el('a', { href: '/spa/', 'data-link': '' }, 'Home'))]);
  view.replaceChildren(...route());
  document.title = `${view.querySelector('h1')?.textContent || 'Brewlog'} · Brewlog`;
  for (const a of document.querySelectorAll('nav a')) a.toggleAttribute('aria-current', a.getAttribute('href') === location.pathname);
}

/** History routing: waymark sees the pushState and records one page_view per route. */
function navigate(path) {
  if (path === location.pathname) return;
  history.pushState(null, '', path);
  render();
}

document.addEventListener('click', (event) => {
  const link = event.target instanceof Element && event.target.closest('a[data-link]');
  if (!link || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(link.getAttribute('href'));
});
window.addEventListener('popstate', render);
render();

// For the curious: the tracker in the console.
window.brewlog = { tracker };
