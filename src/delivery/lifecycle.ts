/**
 * Call `onLeave` once when the page is being left: `pagehide`, or the tab
 * turning hidden (the last event mobile browsers reliably fire). Re-armed
 * when the page shows again. Never `unload`/`beforeunload`, which would make
 * the page ineligible for the back/forward cache.
 * https://developer.chrome.com/docs/web-platform/page-lifecycle-api
 */
export function onPageLeave(win: Window, onLeave: () => void, onReturn: (restored: boolean) => void): () => void {
  let left = false;
  const doc = win.document;
  const leave = () => {
    if (left) return;
    left = true;
    onLeave();
  };
  const back = (restored: boolean) => {
    if (!left && !restored) return;
    left = false;
    onReturn(restored);
  };
  const vis = () => (doc.visibilityState === 'hidden' ? leave() : back(false));
  const show = (e: Event) => back((e as PageTransitionEvent).persisted);
  win.addEventListener('pagehide', leave, { capture: true });
  win.addEventListener('pageshow', show, { capture: true });
  doc.addEventListener('visibilitychange', vis, { capture: true });
  return () => {
    win.removeEventListener('pagehide', leave, { capture: true });
    win.removeEventListener('pageshow', show, { capture: true });
    doc.removeEventListener('visibilitychange', vis, { capture: true });
  };
}
