// @segment/analytics-next: settings given inline (cdnSettings) so nothing is fetched from
// Segment's CDN; the Segment.io destination points at the local collector. Segment has no
// click/form autocapture; page() is its page view.
import { AnalyticsBrowser } from '@segment/analytics-next';

let analytics;
export function init(collector) {
  const host = collector.replace(/^https?:\/\//, '');
  analytics = AnalyticsBrowser.load({
    writeKey: 'bench',
    cdnSettings: { integrations: { 'Segment.io': { apiKey: 'bench', apiHost: `${host}/v1`, protocol: 'http' } } },
  });
  analytics.page();
}
export const track = (name, props) => { analytics.track(name, props); };
export const ready = () => analytics.then(() => undefined);
