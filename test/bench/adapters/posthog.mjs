// posthog-js with autocapture, page views and page leave; everything else default
// (client-side rate limit 10 events/s with a burst of 100, batched request queue).
import posthog from 'posthog-js';

let loaded;
export function init(collector) {
  loaded = new Promise((resolve) => {
    posthog.init('phc_bench', {
      api_host: collector,
      autocapture: true,
      capture_pageview: true,
      capture_pageleave: true,
      loaded: () => resolve(),
    });
  });
}
export const track = (name, props) => posthog.capture(name, props);
export const ready = () => loaded;
