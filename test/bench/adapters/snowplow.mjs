// @snowplow/browser-tracker with its link-click and form-tracking plugins; custom events
// are self-describing events. Defaults otherwise (POST, bufferSize 1, localStorage queue).
import { newTracker, trackPageView, trackSelfDescribingEvent } from '@snowplow/browser-tracker';
import { LinkClickTrackingPlugin, enableLinkClickTracking } from '@snowplow/browser-plugin-link-click-tracking';
import { FormTrackingPlugin, enableFormTracking } from '@snowplow/browser-plugin-form-tracking';

export function init(collector) {
  newTracker('sp', collector, { appId: 'bench', plugins: [LinkClickTrackingPlugin(), FormTrackingPlugin()] });
  enableLinkClickTracking();
  enableFormTracking();
  trackPageView();
}
export const track = (name, props) =>
  trackSelfDescribingEvent({ event: { schema: 'iglu:com.example/bench/jsonschema/1-0-0', data: { name, ...props } } });
