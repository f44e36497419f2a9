// The waymark snippet for this shop. It lives in its own file (not an inline
// <script>) so the pages work under a strict Content-Security-Policy; load it
// before <script async src="/waymark.min.js">. Calls made before the bundle
// arrives are queued by the stub and replayed in order.
window.waymark = window.waymark || function () { (waymark.q = waymark.q || []).push(arguments) };

waymark('init', {
  endpoint: '/collect',
  // Send every second so the journey view updates while you click.
  batch: { intervalMs: 1000 },
  stages: {
    // This shop's journey. Rules are tried in order, before the built-in
    // defaults; the first that matches sets the visitor's stage.
    rules: [
      { stage: 'awareness', name: 'campaign-landing', type: 'page_view', query: { utm_source: '*' } },
      { stage: 'awareness', name: 'home-page', type: 'page_view', path: ['/', '/index.html'] },
      { stage: 'consideration', name: 'pricing-page', type: 'page_view', path: ['/pricing.html', '/product.html'] },
      { stage: 'decision', name: 'add-to-cart', type: 'click', event: 'add_to_cart' },
      { stage: 'decision', name: 'checkout-started', type: 'form_start', selector: '#checkout' },
      { stage: 'purchase', name: 'checkout-done', type: 'form_submit', selector: '#checkout' },
      { stage: 'retention', name: 'returning-customer', type: 'page_view', path: '/account.html' },
      { stage: 'advocacy', name: 'referral', type: 'track', event: 'referral_sent' },
    ],
  },
});
