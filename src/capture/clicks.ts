/** Auto-capture of clicks on links, buttons and `data-waymark` elements. */
import { listen } from '../lib/guard';
import type { CaptureContext, CaptureModule } from './context';
import { actionableAncestor, describeIn, eventElement, isIgnored, LINK, PASSIVE, quiet } from './element';

/** `data-waymark-prop-plan="pro"` → `{ plan: 'pro' }` (the attribute name after the prefix, as written). */
function markedProperties(el: Element): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const { name, value } of Array.from(el.attributes)) {
    const key = /^data-waymark-prop-(.+)/.exec(name)?.[1];
    if (key) props[key] = value;
  }
  return props;
}

/**
 * Capture clicks with one delegated, passive, capture-phase listener on the
 * document: it never calls preventDefault and never delays navigation. The
 * event is emitted synchronously, so the tracker can store it before a link
 * unloads the page. Middle clicks on links (open in a new tab) count too.
 */
export const captureClicks: CaptureModule = (ctx: CaptureContext) =>
  listen(
    ctx.doc,
    ['click', 'auxclick'],
    quiet((event: Event) => {
      const middle = event.type === 'auxclick';
      if (middle && (event as MouseEvent).button !== 1) return;
      const origin = eventElement(event);
      const el = actionableAncestor(origin);
      // The clicked element and all its ancestors (which include the actionable one) must not be ignored.
      if (!el || (middle && !el.matches(LINK)) || isIgnored(origin!, ctx.privacy.ignoreSelector)) return;
      const mark = el.getAttribute('data-waymark')?.trim();
      const target = describeIn(ctx, el);
      const properties = markedProperties(el);
      if (middle) properties.button = 'middle';
      ctx.emit('click', mark ? { name: mark, properties, target } : { properties, target }, el);
    }),
    PASSIVE,
  );
