import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_ORDER, defaultRules } from '../../src/journey/defaults';
import { compileRules, matchStage, type MatchInput } from '../../src/journey/rules';
import type { WaymarkEvent } from '../../src/types';

function compiled(order: readonly string[] = DEFAULT_ORDER) {
  const log = vi.fn();
  const rules = compileRules(defaultRules(order), order, log);
  expect(log).not.toHaveBeenCalled(); // every built-in rule is valid
  return rules;
}

function run(rules: ReturnType<typeof compiled>, o: { type?: string; url?: string; referrer?: string; name?: string; text?: string; href?: string; form?: WaymarkEvent['form']; element?: Element | null }) {
  const url = new URL(o.url ?? '/', 'https://shop.example');
  const event: WaymarkEvent = {
    id: '1', type: o.type ?? 'page_view', name: o.name, timestamp: '', seq: 1, anonymousId: 'a', sessionId: 's', stage: null,
    page: { url: url.href, path: url.pathname + (url.hash.startsWith('#/') ? url.hash : ''), title: '', referrer: o.referrer ?? '' },
    properties: {}, context: { library: { name: 'waymark', version: '0' } },
    target: o.text !== undefined || o.href !== undefined ? { tag: 'a', selector: 'a', text: o.text, href: o.href } : undefined,
    form: o.form,
  };
  const input: MatchInput = { event, url: url.href, referrer: o.referrer ?? '', element: o.element ?? null };
  return matchStage(rules, input);
}

const rules = compiled();
const stageOf = (o: Parameters<typeof run>[1]) => run(rules, o)?.stage ?? null;

describe('default page rules on real URL shapes', () => {
  it.each([
    // consideration
    ['/pricing', 'consideration'],
    ['/pricing/', 'consideration'],
    ['/en/pricing', 'consideration'],
    ['/en-gb/pricing/', 'consideration'],
    ['/Pricing.html', 'consideration'],
    ['/plans', 'consideration'],
    ['/compare/acme-vs-initech', 'consideration'],
    ['/products/blue-shoe', 'consideration'],
    ['/product/blue-shoe', 'consideration'],
    ['/collections/summer/products/blue-shoe', 'consideration'],
    ['/shop/', 'consideration'],
    ['/product-category/shoes/', 'consideration'],
    ['/features', 'consideration'],
    ['/features/sso', 'consideration'],
    ['/reviews', 'consideration'],
    ['/products/blue-shoe/reviews', 'consideration'],
    ['/docs/getting-started', 'consideration'],
    ['/#/pricing', 'consideration'],
    // decision
    ['/cart', 'decision'],
    ['/cart/', 'decision'],
    ['/cart.php', 'decision'],
    ['/checkout', 'decision'],
    ['/checkout/shipping', 'decision'],
    ['/checkouts/c/abc123/information', 'decision'],
    ['/signup', 'decision'],
    ['/sign-up/', 'decision'],
    ['/register', 'decision'],
    ['/trial', 'decision'],
    ['/free-trial', 'decision'],
    ['/demo', 'decision'],
    ['/request-a-demo', 'decision'],
    ['/contact', 'decision'],
    ['/fr/contact-us/', 'decision'],
    ['/contact-sales', 'decision'],
    // purchase (before decision: thank-you pages live under /checkout)
    ['/checkout/thank-you', 'purchase'],
    ['/checkout/thank-you/', 'purchase'],
    ['/checkouts/c/abc123/thank_you', 'purchase'],
    ['/checkout/order-received/1234/', 'purchase'],
    ['/thank-you', 'purchase'],
    ['/thankyou.html', 'purchase'],
    ['/order-confirmation/98765', 'purchase'],
    ['/checkout/success', 'purchase'],
    ['/signup/success', 'purchase'],
    ['/orders/123/confirmation', 'purchase'],
    ['/checkout/complete', 'purchase'],
    // retention
    ['/account', 'retention'],
    ['/account/orders', 'retention'],
    ['/my-account/', 'retention'],
    ['/dashboard', 'retention'],
    ['/dashboard/products', 'retention'],
    ['/login', 'retention'],
    ['/signin?next=/cart', 'retention'],
    ['/orders', 'retention'],
    ['/orders/123', 'retention'],
    // advocacy
    ['/refer', 'advocacy'],
    ['/account/referrals', 'advocacy'],
    ['/refer-a-friend', 'advocacy'],
    ['/invite', 'advocacy'],
    ['/settings/team/invite', 'advocacy'],
    ['/products/blue-shoe/write-a-review', 'advocacy'],
    ['/products/blue-shoe/reviews/new', 'advocacy'],
    // nothing: carry the current stage
    ['/', null],
    ['/about', null],
    ['/pricing-history-of-shoes', null],
    ['/productsale', null],
    ['/success-stories', null],
  ])('%s → %s', (url, stage) => {
    expect(stageOf({ url })).toBe(stage);
  });

  it('page rules only tag page views (a click on /pricing is not a pricing visit)', () => {
    expect(stageOf({ type: 'click', url: '/pricing', text: 'Read more' })).toBeNull();
  });
});

describe('default campaign landings', () => {
  it.each([
    ['/?utm_source=newsletter&utm_medium=email', '', 'awareness'],
    ['/landing?UTM_CAMPAIGN=spring', '', 'awareness'],
    ['/?gclid=abc', '', 'awareness'],
    ['/?fbclid=xyz', '', 'awareness'],
    ['/?msclkid=1', '', 'awareness'],
    ['/blog/post', 'https://www.google.com/', 'awareness'],
    ['/', 'https://www.google.co.uk/search?q=shoes', 'awareness'],
    ['/', 'https://duckduckgo.com/', 'awareness'],
    ['/', 'https://t.co/xyz', 'awareness'],
    ['/', 'https://l.facebook.com/', 'awareness'],
    ['/', 'https://www.linkedin.com/feed/', 'awareness'],
    ['/', 'https://accounts.google.com/o/oauth2', null], // sign-in return, not a search
    ['/', 'https://partner-blog.example/', null], // plain referral: no stage by itself
    ['/', 'https://shop.example/products/x', null],
    ['/pricing?utm_source=google&utm_medium=cpc', '', 'consideration'], // the page says more than the campaign
    ['/checkout/thank-you?utm_source=mail', '', 'purchase'],
  ])('%s from %j → %s', (url, referrer, stage) => {
    expect(stageOf({ url, referrer })).toBe(stage);
  });

  it('only the landing page view: clicks on a campaign page are not awareness', () => {
    expect(stageOf({ type: 'click', url: '/?utm_source=x', text: 'Learn more' })).toBeNull();
  });
});

describe('default click and form rules', () => {
  it.each([
    [{ text: 'Add to cart' }, 'decision'],
    [{ text: 'Add to Bag – $20.00' }, 'decision'],
    [{ text: 'Buy now' }, 'decision'],
    [{ text: 'Buy' }, 'decision'],
    [{ text: 'Sign up' }, 'decision'],
    [{ text: 'Signup free' }, 'decision'],
    [{ text: 'Start free trial' }, 'decision'],
    [{ text: 'Start your free trial' }, 'decision'],
    [{ text: 'Try it free' }, 'decision'],
    [{ text: 'Book a demo' }, 'decision'],
    [{ text: 'Proceed to checkout' }, 'decision'],
    [{ text: 'Place order' }, 'decision'],
    [{ name: 'add-to-cart' }, 'decision'],
    [{ name: 'start_trial' }, 'decision'],
    [{ name: 'sign-up' }, 'decision'],
    [{ text: 'Share' }, 'advocacy'],
    [{ text: 'Refer a friend' }, 'advocacy'],
    [{ text: 'Invite teammates' }, 'advocacy'],
    [{ text: 'Write a review' }, 'advocacy'],
    [{ name: 'share' }, 'advocacy'],
    [{ text: '', href: 'https://twitter.com/intent/tweet?text=hi' }, 'advocacy'],
    [{ text: '', href: 'https://www.facebook.com/sharer/sharer.php?u=x' }, 'advocacy'],
    [{ text: '', href: 'https://www.linkedin.com/sharing/share-offsite/?url=x' }, 'advocacy'],
    [{ text: '', href: 'https://wa.me/?text=hi' }, 'advocacy'],
    [{ text: '', href: 'mailto:?subject=Look&body=https://shop.example' }, 'advocacy'],
    [{ text: 'Buyer’s guide' }, null],
    [{ text: 'Check out our blog' }, null],
    [{ text: 'Shareholders' }, null],
    [{ text: 'Learn more' }, null],
    [{ text: 'Why you should buy now' }, null],
    [{ text: '', href: 'https://twitter.com/acme' }, null],
    [{ text: '', href: 'mailto:sales@shop.example' }, null],
  ])('click %j → %s', (o, stage) => {
    expect(stageOf({ type: 'click', url: '/products/x', ...o })).toBe(stage);
  });

  it.each([
    ['<button class="add-to-cart"><svg id="t"></svg></button>', 'decision'],
    ['<form action="/cart/add"><button type="submit" id="t"></button></form>', 'decision'],
    ['<button class="single_add_to_cart_button" id="t"></button>', 'decision'],
    ['<div class="social-share"><a id="t"><svg></svg></a></div>', 'advocacy'],
    ['<button data-share="x" id="t"></button>', 'advocacy'],
    ['<button class="menu" id="t"></button>', null],
  ])('icon-only click on %s → %s', (html, stage) => {
    document.body.innerHTML = html;
    expect(stageOf({ type: 'click', url: '/products/x', text: '', element: document.getElementById('t') })).toBe(stage);
  });

  it.each([
    [{ id: 'checkout' }, 'purchase'],
    [{ action: 'https://shop.example/checkout/payment' }, 'purchase'],
    [{ name: 'place_order' }, 'purchase'],
    [{ id: 'newsletter' }, null],
    [{ action: '/search' }, null],
  ])('form_submit %j → %s', (form, stage) => {
    expect(stageOf({ type: 'form_submit', url: '/checkout', form })).toBe(stage);
  });

  it('rule names are prefixed default:', () => {
    expect(run(rules, { url: '/pricing' })?.rule).toBe('default:pricing-page');
    for (const r of defaultRules(DEFAULT_ORDER)) expect(r.name).toMatch(/^default:/);
  });
});

describe('multilingual calls to action', () => {
  it.each([
    // add to cart / buy, in seven languages, with icons, prices, odd case and spacing
    ['Add to cart', 'decision'],
    ['🛒  ADD TO BASKET', 'decision'],
    ['+ Add to Bag – $20.00', 'decision'],
    ['In den Warenkorb', 'decision'],
    ['In den Warenkorb legen', 'decision'],
    ['Jetzt kaufen', 'decision'],
    ['Zur Kasse gehen', 'decision'],
    ['Ajouter au panier', 'decision'],
    ['Acheter maintenant', 'decision'],
    ['Passer la commande', 'decision'],
    ['Commander', 'decision'],
    ['Payer maintenant', 'decision'],
    ['Paga ora', 'decision'],
    ['Añadir al carrito', 'decision'],
    ['Comprar ahora', 'decision'],
    ['Finalizar compra', 'decision'],
    ['Aggiungi al carrello', 'decision'],
    ['Acquista ora', 'decision'],
    ['Procedi al checkout', 'decision'],
    ['In winkelwagen', 'decision'],
    ['Toevoegen aan winkelwagen', 'decision'],
    ['Nu kopen', 'decision'],
    ['Afrekenen', 'decision'],
    ['Adicionar ao carrinho', 'decision'],
    ['Comprar agora', 'decision'],
    // sign up, trial, demo, quote
    ['Sign up free', 'decision'],
    ['Get started', 'decision'],
    ['Create an account', 'decision'],
    ['Start your free trial', 'decision'],
    ['Book a demo', 'decision'],
    ['Get a quote', 'decision'],
    ['Kostenlos testen', 'decision'],
    ['Jetzt registrieren', 'decision'],
    ['Demo anfordern', 'decision'],
    ["S'inscrire", 'decision'],
    ['Créer un compte', 'decision'],
    ['Essai gratuit', 'decision'],
    ["Commencer l'essai gratuit", 'decision'],
    ['Empieza tu prueba gratis', 'decision'],
    ['Inizia la prova gratuita', 'decision'],
    ['Iscriviti', 'decision'],
    ['Start proefperiode', 'decision'],
    ['Inscreva-se', 'decision'],
    ['Comece o teste grátis', 'decision'],
    ['Demander un devis', 'decision'],
    ['Regístrate', 'decision'],
    ['Prueba gratis', 'decision'],
    ['Solicitar una demo', 'decision'],
    ['Registrati', 'decision'],
    ['Prova gratuita', 'decision'],
    ['Richiedi un preventivo', 'decision'],
    ['Registreren', 'decision'],
    ['Gratis proberen', 'decision'],
    ['Offerte aanvragen', 'decision'],
    ['Cadastre-se', 'decision'],
    ['Criar conta', 'decision'],
    ['Teste grátis', 'decision'],
    ['Solicitar orçamento', 'decision'],
    // share, refer, invite, review
    ['Teilen', 'advocacy'],
    ['Partager', 'advocacy'],
    ['Compartir', 'advocacy'],
    ['Condividi', 'advocacy'],
    ['Delen', 'advocacy'],
    ['Compartilhar', 'advocacy'],
    ['Freunde einladen', 'advocacy'],
    ['Parrainer un ami', 'advocacy'],
    ['Invitar amigos', 'advocacy'],
    ['Invita un amico', 'advocacy'],
    ['Vrienden uitnodigen', 'advocacy'],
    ['Convidar amigos', 'advocacy'],
    ['Bewertung schreiben', 'advocacy'],
    ['Écrire un avis', 'advocacy'],
    // not calls to action
    ['Anmelden', null],
    ['Se connecter', null],
    ['Iniciar sesión', null],
    ['Mein Konto', null],
    ['Weiterlesen', null],
    ['En savoir plus', null],
    ['Learn more', null],
    ['Add to wishlist', null],
    ['Cart organizer, 3 pack', null],
    ['Thank you cards (set of 12)', null],
    ['Check out our blog', null],
    ['Checkout tips for small shops', null],
    ['Cartridges', null],
  ])('click %j → %s', (text, stage) => {
    expect(stageOf({ type: 'click', url: '/products/x', text })).toBe(stage);
  });
});

describe('content pages and precedence', () => {
  const touch = (at: string) => ({ channel: 'direct', at });
  const withTouches = (url: string, first: string, last: string) => {
    const u = new URL(url, 'https://shop.example');
    const event: WaymarkEvent = {
      id: '1', type: 'page_view', timestamp: '', seq: 1, anonymousId: 'a', sessionId: 's', stage: null,
      page: { url: u.href, path: u.pathname, title: '', referrer: '' },
      properties: {}, context: { library: { name: 'waymark', version: '0' }, firstTouch: touch(first), lastTouch: touch(last) },
    };
    return matchStage(rules, { event, url: u.href, referrer: '', element: null })?.stage ?? null;
  };

  it('content is awareness in the first session, and carries the stage in later ones', () => {
    expect(withTouches('/blog/how-to-choose-shoes', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')).toBe('awareness');
    expect(withTouches('/de/ratgeber/laufschuhe', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')).toBe('awareness');
    expect(withTouches('/blog/how-to-choose-shoes', '2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z')).toBeNull();
    // Funnel pages do not depend on the visit.
    expect(withTouches('/pricing', '2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z')).toBe('consideration');
  });

  it('site rules come first: a site can claim a page the defaults would tag', () => {
    const site = compileRules(
      [{ stage: 'awareness', name: 'site:cart-guide', type: 'page_view', path: '/cart' }, ...defaultRules(DEFAULT_ORDER)],
      DEFAULT_ORDER,
      () => {},
    );
    expect(run(site, { url: '/cart' })).toEqual({ stage: 'awareness', rule: 'site:cart-guide' });
    expect(run(site, { url: '/checkout' })?.rule).toBe('default:cart-page');
  });

  it('the more specific word wins within a path', () => {
    expect(run(rules, { url: '/accounts/signup/' })?.rule).toBe('default:signup-page');
    expect(run(rules, { url: '/customer/account/create/' })?.rule).toBe('default:signup-page');
    expect(run(rules, { url: '/checkout/thank-you' })?.rule).toBe('default:purchase-page');
    expect(run(rules, { url: '/account/referrals' })?.rule).toBe('default:advocacy-page');
    expect(run(rules, { url: '/account/login' })?.rule).toBe('default:account-page');
    expect(run(rules, { url: '/products/cart-organizer' })?.rule).toBe('default:product-page');
  });

  it('never throws on odd input', () => {
    for (const url of ['/%E0%A4%A', '/a//b///c', '/?=&&=x', '/#!/?route=', `/${'x-'.repeat(3000)}`]) {
      expect(() => stageOf({ url })).not.toThrow();
    }
    const bare = { id: '1', type: 'page_view', timestamp: '', seq: 1, anonymousId: 'a', sessionId: 's', stage: null, properties: {}, context: {} } as unknown as WaymarkEvent;
    expect(() => matchStage(rules, { event: bare, url: '', referrer: '' })).not.toThrow();
  });
});

describe('defaults with a custom order', () => {
  it('four-stage model: purchase, retention and advocacy all become post-purchase', () => {
    const four = compiled(['awareness', 'consideration', 'decision', 'post-purchase']);
    const at = (o: Parameters<typeof run>[1]) => run(four, o)?.stage ?? null;
    expect(at({ url: '/?utm_source=x' })).toBe('awareness');
    expect(at({ url: '/pricing' })).toBe('consideration');
    expect(at({ url: '/cart' })).toBe('decision');
    expect(at({ url: '/checkout/thank-you' })).toBe('post-purchase');
    expect(at({ url: '/account' })).toBe('post-purchase');
    expect(at({ url: '/refer' })).toBe('post-purchase');
  });

  it('stages with no home are dropped, not guessed', () => {
    const two = compiled(['consideration', 'purchase']);
    const at = (o: Parameters<typeof run>[1]) => run(two, o)?.stage ?? null;
    expect(at({ url: '/?utm_source=x' })).toBeNull();
    expect(at({ url: '/cart' })).toBeNull();
    expect(at({ url: '/pricing' })).toBe('consideration');
    expect(at({ url: '/thank-you' })).toBe('purchase');
    expect(at({ url: '/account' })).toBeNull();
  });

  it('names are matched case-insensitively and keep the site’s spelling', () => {
    const aida = compiled(['Attention', 'Interest', 'Desire', 'Action']);
    const at = (o: Parameters<typeof run>[1]) => run(aida, o)?.stage ?? null;
    expect([at({ url: '/?gclid=1' }), at({ url: '/features' }), at({ url: '/signup' }), at({ url: '/thanks' })]).toEqual([
      'Attention', 'Interest', 'Desire', 'Action',
    ]);
  });

  it('an empty order yields no defaults', () => {
    expect(defaultRules([])).toEqual([]);
  });
});
