import { listen } from '../lib/guard';

/**
 * Call `onLeave` once when the page is being left: `pagehide`, or the tab
 * turning hidden (the last event mobile browsers reliably fire). Re-armed
 * when the page shows again. Never `unload`/`beforeunload`, which would make
 * the page ineligible for the back/forward cache.
 * https://developer.chrome.com/docs/web-platform/page-lifecycle-api
 */
export function onPageLeave(win: Window, onLeave: () => void): () => void {
  let left = false;
  const doc = win.document;
  const leave = () => {
    if (left) return;
    left = true;
    onLeave();
  };
  const offHide = listen(win, 'pagehide', leave);
  const offShow = listen(win, 'pageshow', () => (left = false));
  const offVisibility = listen(doc, 'visibilitychange', () => (doc.visibilityState === 'hidden' ? leave() : (left = false)));
  return () => {
    offHide();
    offShow();
    offVisibility();
  };
}
