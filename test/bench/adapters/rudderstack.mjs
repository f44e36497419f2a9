// @rudderstack/analytics-js, the `bundled` entry (all plugins inside; the default entry
// fetches its plugins from RudderStack's CDN). Source config given locally (no destinations),
// data plane = the local collector, page-lifecycle auto-tracking on.
import { RudderAnalytics } from '@rudderstack/analytics-js/bundled';

const rudder = new RudderAnalytics();
let loaded;
const sourceConfig = {
  source: { id: 'bench-source', name: 'bench', workspaceId: 'bench-ws', enabled: true, config: {}, destinations: [] },
};
export function init(collector) {
  loaded = new Promise((resolve) => {
    rudder.load('bench-write-key', collector, {
      getSourceConfig: () => sourceConfig,
      autoTrack: { enabled: true },
      onLoaded: () => resolve(),
    });
  });
  rudder.page();
}
export const track = (name, props) => rudder.track(name, props);
export const ready = () => loaded;
