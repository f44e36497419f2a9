/** Auto-capture of clicks on links, buttons and `data-waymark` elements. */
import type { CaptureContext, CaptureModule } from './context';
import { actionableAncestor, describeElement, eventElement, isIgnored } from './element';

const PROP_PREFIX = 'data-waymark-prop-';

/** `data-waymark-prop-plan="pro"` → `{ plan: 'pro' }` (the attribute name after the prefix, as written). */
export function markedProperties(el: Element): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const attr of Array.from(el.attributes)) {
    if (attr.name.startsWith(PROP_PREFIX) && attr.name.length > PROP_PREFIX.length) {
      props[attr.name.slice(PROP_PREFIX.length)] = attr.value;
    }
  }
  return props;
}

/**
 * Capture clicks with one delegated, passive, capture-phase listener on the
 * document: it never calls preventDefault and never delays navigation. The
 * event is emitted synchronously, so the tracker can store it before a link
 * unloads the page. Middle clicks on links (open in a new tab) count too.
 */
export const captureClicks: CaptureModule = (ctx: CaptureContext) => {
  const handle = (event: Event): void => {
    try {
      if (event.type === 'auxclick' && (event as MouseEvent).button !== 1) return;
      const origin = eventElement(event);
      const el = actionableAncestor(origin);
      if (!el || !origin) return;
      if (event.type === 'auxclick' && !el.matches('a[href],area[href]')) return;
      // The clicked element and all its ancestors (which include the actionable one) must not be ignored.
      if (isIgnored(origin, ctx.privacy.ignoreSelector)) return;
      const mark = el.getAttribute('data-waymark')?.trim();
      const target = describeElement(el, {
        scrub: ctx.scrub,
        ignoreSelector: ctx.privacy.ignoreSelector,
        pageHost: ctx.win.location?.hostname,
      });
      const properties = markedProperties(el);
      if (event.type === 'auxclick') properties.button = 'middle';
      ctx.emit('click', mark ? { name: mark, properties, target } : { properties, target }, el);
    } catch {
      // Never break the host page.
    }
  };
  const opts: AddEventListenerOptions = { capture: true, passive: true };
  ctx.doc.addEventListener('click', handle, opts);
  ctx.doc.addEventListener('auxclick', handle, opts);
  return () => {
    ctx.doc.removeEventListener('click', handle, opts);
    ctx.doc.removeEventListener('auxclick', handle, opts);
  };
};
