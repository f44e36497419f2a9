// @amplitude/analytics-browser with every autocapture it has switched on, remote config off,
// events to the local collector. Defaults otherwise (fetch, flushQueueSize 30, 1 s interval).
import * as amplitude from '@amplitude/analytics-browser';

let loaded;
export function init(collector) {
  loaded = amplitude.init('bench-api-key', {
    serverUrl: `${collector}/2/httpapi`,
    fetchRemoteConfig: false,
    remoteConfig: { fetchRemoteConfig: false },
    autocapture: {
      attribution: true,
      pageViews: true,
      sessions: true,
      formInteractions: true,
      fileDownloads: true,
      elementInteractions: true,
    },
  }).promise;
}
export const track = (name, props) => { amplitude.track(name, props); };
export const ready = () => loaded;
