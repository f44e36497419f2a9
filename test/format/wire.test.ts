// Bytes on the wire over a demo-like journey (campaign visit, landing → purchase): wire format v2
// with `shared` must stay under 300 B per event on average, and expand to exactly what was tracked.
import { describe, expect, it } from 'vitest';
import { createTracker } from '../../src/index';
import type { Transport } from '../../src/delivery/transport';
import type { Options, Tracker, WaymarkEvent } from '../../src/types';

type Body = { v?: number; sentAt: string; shared?: Record<string, unknown>; events: Array<Record<string, unknown>> };
const expand = (body: Body) => body.events.map((e) => ({ ...body.shared, ...e }) as unknown as WaymarkEvent);

function collector() {
  const bodies: string[] = [];
  const transport: Transport = {
    async send(_u, body) {
      bodies.push(body);
      return { status: 200 };
    },
    beacon(_u, body) {
      bodies.push(body);
      return true;
    },
  };
  return { bodies, transport, events: () => bodies.flatMap((b) => expand(JSON.parse(b) as Body)) };
}

const PAGES = [
  ['/?utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale&utm_content=hero', 'Acme Shop — Spring sale'],
  ['/products/trail-runner-2', 'Trail Runner 2 — Acme Shop'],
  ['/pricing', 'Pricing — Acme Shop'],
  ['/cart', 'Your cart — Acme Shop'],
  ['/checkout', 'Checkout — Acme Shop'],
  ['/checkout/thank-you', 'Thank you — Acme Shop'],
] as const;

async function journey(): Promise<ReturnType<typeof collector>> {
  const c = collector();
  let referrer = 'https://mail.example.net/';
  for (const [path, title] of PAGES) {
    history.replaceState(null, '', path);
    document.title = title;
    Object.defineProperty(document, 'referrer', { configurable: true, get: () => referrer });
    document.body.innerHTML = `<main><h1>${title}</h1><a id="next" href="/next">Continue</a><button class="add-to-cart">Add to cart</button>
      <form id="checkout"><input name="email" type="email"><input name="zip"><button type="submit">Pay</button></form></main>`;
    const t: Tracker = createTracker({ endpoint: 'https://collect.test/e', batch: { intervalMs: 100000 }, autocapture: { vitals: false } } as Options, {
      transport: c.transport,
    });
    (document.querySelector('button.add-to-cart') as HTMLElement).click();
    const email = document.querySelector('input[name=email]') as HTMLInputElement;
    email.focus();
    email.dispatchEvent(new Event('input', { bubbles: true }));
    email.blur();
    email.dispatchEvent(new Event('change', { bubbles: true }));
    t.track('step_viewed', { step: path });
    await new Promise((r) => setTimeout(r, 700));
    // The visitor follows a link: the page's events leave with it (pagehide → beacon).
    window.dispatchEvent(new Event('pagehide'));
    await t.shutdown();
    referrer = location.href;
  }
  return c;
}

describe('wire format v2', () => {
  it('averages ≤ 300 B per event over a campaign journey, and expands to self-contained events', async () => {
    const c = await journey();
    const events = c.events();
    const bytes = c.bodies.reduce((n, b) => n + new TextEncoder().encode(b).length, 0);
    const perEvent = bytes / events.length;
    if (process.env.WIRE_DEBUG) console.log(c.bodies.slice(2, 4).join('\n\n'));
    console.log(`wire: ${events.length} events in ${c.bodies.length} bodies, ${Math.round(perEvent)} B/event`);
    expect(events.length).toBeGreaterThan(20);
    for (const e of events) {
      expect(e.id).toBeTypeOf('string');
      expect(e.anonymousId).toBeTypeOf('string');
      expect(e.page.url).toMatch(/^https?:\/\//);
      expect(e.context.library.name).toBe('waymark');
    }
    expect(perEvent).toBeLessThanOrEqual(300);
  });
});
