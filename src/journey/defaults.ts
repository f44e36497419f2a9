/** Built-in stage rules: sensible stages for shops and SaaS sites in seven languages, with zero configuration. */
import type { StageRule, WaymarkEvent } from '../types';
import { hostOf } from '../lib/url';
import { hasCampaign, hostChannel, queryOf } from './touchpoints';

/** The default funnel: the six-stage customer journey. */
export const DEFAULT_ORDER: readonly string[] = ['awareness', 'consideration', 'decision', 'purchase', 'retention', 'advocacy'];

/**
 * Where each default stage goes when `stages.order` is custom: the first name
 * in its list that the order contains (compared case-insensitively). A default
 * rule whose stage finds no home is dropped. E.g. with awareness,
 * consideration, decision, post-purchase, the purchase, retention and
 * advocacy rules all tag `post-purchase`.
 */
const STAGE_ALIASES: Readonly<Record<string, readonly string[]>> = {
  awareness: ['awareness', 'attention', 'discovery'],
  consideration: ['consideration', 'interest', 'evaluation'],
  decision: ['decision', 'intent', 'desire'],
  purchase: ['purchase', 'conversion', 'action', 'post-purchase', 'customer'],
  retention: ['retention', 'post-purchase', 'loyalty', 'customer'],
  advocacy: ['advocacy', 'post-purchase', 'loyalty', 'referral'],
};

/**
 * The vocabulary of the default rules, one concept per line, alphabetical:
 * English, German, French, Spanish, Italian, Dutch and Portuguese words, and
 * the route names of the big shop platforms and web frameworks. A path
 * segment, route value or button text is compared lowercased, without accents
 * (ä → ae) or page extension: first whole (`sign_up`, `Sign-Up`, `signup.php`
 * are all `signup`; a trailing `s` is optional), then word by word
 * (`mein-konto`, `request-a-demo`, `thanks-for-your-order`): every word must
 * be known or have at most three letters, so a product called `cart-organizer`
 * or an article `checkout-tips` is not a cart or a checkout. `word*` is a stem
 * (`regist*`: register, registrieren, registro…); `a/b` is two segments in a
 * row.
 *
 * Concepts: P purchase, R advocacy, S sign-up / trial / demo / quote /
 * contact, A account, C cart and checkout, L log-in, O order / buy,
 * K comparison, M pricing, V product, I search and listing, F other
 * consideration, W content, D done (a purchase as the last word of a path, or
 * with another funnel word: `/checkout/success`, `order-received`), _ filler.
 * Lowercase v/i: the next segment is a name (`/products/cart`); lowercase w:
 * nothing after it counts (`/blog/checkout`). `?` lines are query parameter
 * names; `Q=` lists the parameters whose values are routes
 * (`?route=checkout/cart`, `?controller=order`).
 */
const WORDS = `P bestellbestaetigung bestellbestatigung orderconfirm thankyou
D bedankt bestaetig* bevestig* complet* conferm* confirm* dank* erhalten finish* gracias grazie merci obrigad* ontvangen recebid* received recibid* recue ricevut* success* thank thanks
R affiliat* compart* condividi convid* delen ecrire einlad* empfehl* escrever escribir indicacao indique invit* parrain* partager partilhar refer referi* referral* review/new reviews/new schreiben scrivi share teilen uitnodig* weiterempfehl* werben write
S aanmak* aanmelden cadastr* contact* contat* crea crear create creer criar demo* devis erstell* essai* experimente getstarted inscr* iscri* join kontakt* offerteaanvragen orcament* presupuest* preventivo proberen proefperiode prova prueba quote regist* signup subscribe talktosales teste testen trial try users/new
A abmeld* abonnement* account address* adress* bestellingen bestellungen bestellungsverlauf billing commandes compte conta controller/history cuenta dashboard deconnexion direccion* einstellung* encomendas endereco* indirizz* konto kundenkonto logout* myaccount order/history order/view orderhistory orders ordini pedidos profil* setting* subscription*
C afreken* bag basket betal* carrell* carrinho* carrit* carro cart cassa cesta checkout checkoutconfirmation checkouts confirm kassa kasse pagament* pago paiement panier payment shoppingcart warenkorb winkelmand* winkelwag*
L accedi acceso anmeld* autenti* authent* connecter connexion contrasena einlog* entrar inlog* kennwort login passe passw* senha sesion sessao session/new signin wachtwoord
O acheter acquist* bestell* bestelling buy commande* compra* encomenda kaufen kopen order ordine paga pagar pay paye* pedido purchase
K alternatie* alternativ* compar* confront* vergelijk* vergleich* versus vs
M piani plan planes planos precio* preco* preis* prezz* pric* prijs prijzen prix tarieven tarif*
v dp item p prodotti prodotto product productdetails producten productinfo producto productpage produit produkt produkte produto
i brand categoria categorie category collection kategorie marca marke marque merk productcategory
I angebote bestsales boutique busca* catalog* cerca deals loja negozio newarrivals pesquisa pricesdrop recherche ricerca sale search* shop store such* tienda winkel zoek*
F avaliac* avis beoordeling* bewertung* casestudies customer* docs feature* integrat* opinion* recension* review* solution* testimon*
w actualite* aktuelles artic* artigo* blog* conseils episode* guia* guide* learn magazin* news nieuws noticia* notizie podcast* post ratgeber tips tutorial*
W event* resource* ressource* webinar*
_ aanvragen adicionar aggiungi agora ahora ajouter alla amic* amigo* anadir anfordern begin* book comec* commenc* demande demander empez* empiez* finalizar forgot free freund* friend* fuer gehen gratis gratu* hinzufuegen histor* iniciar inizi* jetzt kostenlos legen lost maintenant mein meine mijn minha nous oublie page para passer pela place pour procedi proceed program* realizar recover* recuper* registry request reset richiedi sales show solicit* start starten storico toevoegen user vergessen vielen view voor votre vriend* with your
I? q s
C? addtocart
S? createaccount
Q= action controller mainpage page posttype route view`;

// Concept letters, most specific first: the earliest found on a page wins.
const RANK = 'PRSACLOKMVIFW';

/** Word → concept letter; filled by the first `defaultRules()` call. */
const dict = new Map<string, string>();

/** Lowercase without accents; German umlauts become ae/oe/ue as in URLs. */
const fold = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[äöü]/g, '$&e')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');

/** A word's concept ('' when unknown): the word, without a trailing `s`, or (`stems`) its longest known stem (`regist*`). */
function known(w: string, stems?: boolean): string {
  // A plural is its singular, but never a cart: `bags`, `baskets` are listings.
  let c = dict.get(w) || (w.endsWith('s') && dict.get(w.slice(0, -1))?.replace('C', '')) || '';
  for (let n = w.length; stems && !c && n > 3; n--) c = dict.get(w.slice(0, n) + '*') || '';
  return c;
}

/** The concept of a phrase (the words of one segment or button text), '' when it has none. */
function phrase(parts: string[]): string {
  // Stems only for single words: `cart-organizer` must not pass as `cart…`.
  const whole = known(parts.join(''), !parts[1]);
  if (whole || !parts[1]) return whole === '_' ? '' : whole;
  let best = '';
  let done = false;
  let unknown = false;
  for (const p of parts) {
    // Words of up to three letters (articles, prepositions, `de`, `the`, `20`) are fillers.
    const c = known(p, true).toUpperCase() || (p[3] ? '' : '_');
    if (!c) unknown = true;
    else if (c === 'D') done = true;
    else if (c !== '_' && (!best || RANK.indexOf(c) < RANK.indexOf(best))) best = c;
    // A content word makes the phrase an article title: `checkout-tips`, `pricing-guide`.
    if (c === 'W') return c;
  }
  // `acme-vs-initech`, `alternatives-to-acme`: names around a comparison word.
  if (unknown) return best === 'K' ? best : '';
  // `order-received`, `thanks-for-your-order`, `registration-complete`; a lone `thank-you-page` stays "done".
  return done ? (best ? 'P' : 'D') : best;
}

/** A path segment or route value split into folded words. */
function split(s: string): string[] {
  try {
    s = decodeURIComponent(s);
  } catch {
    // keep it raw
  }
  // `.php`, `.html`, `.aspx`: `cart.php` is `cart`.
  return fold(s).replace(/\.[a-z]{3,4}$/, '').split(/[^a-z0-9]+/).filter(Boolean);
}

/** The most specific concept rank in a run of segments (a path, or a route), at most `best`. */
function scan(segs: string[][], best: number): number {
  // Ids after the last word (`/orders/123/confirmation`, `/thank-you-page/4f2e1`) do not move "last".
  let end = segs.length - 1;
  while (end > 0 && /\d/.test(segs[end]!.join(''))) end--;
  for (let i = 0; i < segs.length; i++) {
    let c = (i && dict.get(segs[i - 1]!.join('') + '/' + segs[i]!.join(''))) || phrase(segs[i]!);
    if (c === 'D') c = i === end ? 'P' : '';
    const rank = RANK.indexOf(c.toUpperCase() || '-');
    if (rank >= 0 && rank < best) best = rank;
    if (c === 'w') break;
    if (c === 'v' || c === 'i') i++; // the next segment is a name
  }
  return best;
}

/** `f` with its last 100 answers remembered: the events of a visit share a few pages and referrers. */
function memo(f: (s: string) => string): (s: string) => string {
  const seen = new Map<string, string>();
  return (s) => {
    let v = seen.get(s);
    if (v === undefined) {
      if (seen.size > 99) seen.clear();
      seen.set(s, (v = f(s)));
    }
    return v;
  };
}

/** The concept letter ('' for none) of a page, given as `path\nurl`: from its path, route-like query values and query names. */
const pageConcept = memo((page) => {
  const [path, url] = page.split('\n');
  let best = scan(path!.split(/[/#!]/).map(split).filter((s) => s.length), RANK.length);
  queryOf(url!).forEach((value, name) => {
    name = split(name).join('');
    const q = dict.get('?' + name);
    if (q) best = Math.min(best, RANK.indexOf(q.toUpperCase()));
    if (dict.get('=' + name)) best = scan([[name], ...value.split(/[/|.]/).map(split)], best);
  });
  return RANK[best] ?? '';
});
const concept = (e: WaymarkEvent): string => pageConcept(`${e.page?.path}\n${e.page?.url}`);
const referrerChannel = memo((referrer) => hostChannel(hostOf(referrer)));

/**
 * The concept of a click: the longest known phrase that starts its text or
 * `data-waymark` name ("Add to cart – $20", "🛒 In den Warenkorb legen").
 * A lone first word counts only as a verb ("Invite teammates"), and a purchase
 * word only as the whole text: "Cart organizer, 3 pack" and "Thank you cards"
 * are product cards.
 */
const clickConcept = (e: WaymarkEvent): string => textConcept(`${e.name ?? ''}\n${e.target?.text ?? ''}`);
const textConcept = memo((text) => {
  for (const line of text.split('\n')) {
    const parts = split(line).slice(0, 5);
    for (let n = parts.length; n; n--) {
      const c = phrase(parts.slice(0, n)).toUpperCase();
      if (c && (n === parts.length || (n > 1 ? c !== 'P' : 'RSO'.includes(c)))) return c;
    }
  }
  return '';
});

/** In the visitor's first session (or when the touches are unknown): content is where their journey starts. */
const firstVisit = (e: WaymarkEvent): boolean => e.context?.firstTouch?.at === e.context?.lastTouch?.at;

// Share links of the big networks, and `mailto:` links with a prepared body.
const SHARE_HREF =
  /^(?:https?:\/\/)?(?:[\w-]+\.)*(?:(?:twitter|x)\.com\/(?:intent|share)|facebook\.com\/shar|linkedin\.com\/(?:sharing|shareArticle)|pinterest\.[a-z.]+\/pin\/create|reddit\.com\/submit|wa\.me\/|api\.whatsapp\.com\/send|t\.me\/share)|^mailto:[^?]*\?(?:.*&)?body=/i;
const CHECKOUT_FORM = /checkout|payment|place.?order|purchase|kasse|bestell|commande|pago|pedido|ordine/;

type Default = StageRule & { stage: keyof typeof STAGE_ALIASES };

/** A default rule named `default:<name>`, matched by a test of the event or by a CSS selector. */
function rule(stage: Default['stage'], name: string, type: Default['type'], test: string | ((e: WaymarkEvent) => boolean)): Default {
  return { stage, name: `default:${name}`, type, [typeof test === 'string' ? 'selector' : 'match']: test };
}

/** One page rule per concept group: stage, rule name, concept letters. */
const PAGES: ReadonlyArray<[Default['stage'], string, string]> = [
  ['purchase', 'purchase', 'P'],
  ['advocacy', 'advocacy', 'R'],
  ['decision', 'signup', 'S'],
  ['retention', 'account', 'AL'],
  ['decision', 'cart', 'CO'],
  ['consideration', 'comparison', 'K'],
  ['consideration', 'pricing', 'M'],
  ['consideration', 'product', 'V'],
  ['consideration', 'listing', 'I'],
  ['consideration', 'consideration', 'F'],
];

const DEFAULTS: readonly Default[] = [
  rule('purchase', 'checkout-submit', 'form_submit', (e) => CHECKOUT_FORM.test([e.form?.id, e.form?.name, e.form?.action].join(' ').toLowerCase())),
  // Advocacy before decision: "Share" is never a purchase intent.
  rule('advocacy', 'share-click', 'click', (e) => clickConcept(e) === 'R' || SHARE_HREF.test(e.target?.href ?? '')),
  rule('advocacy', 'share-button', 'click', '[data-share],.share-button,.share-btn,.social-share'),
  rule('decision', 'decision-click', 'click', (e) => 'PSCO'.includes(clickConcept(e) || '-')),
  rule(
    'decision',
    'add-to-cart-button',
    ['click', 'form_submit'],
    '.add-to-cart,.add_to_cart,.addtocart,.add_to_cart_button,.single_add_to_cart_button,[name="add-to-cart"],[data-action="add-to-cart"],[data-add-to-cart],form[action*="/cart/add"]',
  ),
  ...PAGES.map(([stage, name, letters]) => rule(stage, `${name}-page`, 'page_view', (e) => letters.includes(concept(e) || '-'))),
  // Content (blog, guides, webinars, …) starts the journey of a first visit; later visits keep their stage.
  rule('awareness', 'content-page', 'page_view', (e) => concept(e) === 'W' && firstVisit(e)),
  // Campaign landings last: a campaign that lands on /pricing is a pricing visit; the channel is kept in `context`.
  rule('awareness', 'campaign-landing', 'page_view', (e) => hasCampaign(e.page?.url ?? '')),
  rule('awareness', 'referrer-landing', 'page_view', (e) => /^(ai|organic_search|social)$/.test(referrerChannel(e.page?.referrer ?? ''))),
];

/**
 * The built-in rules for a stage order (tried after the site's rules). Each
 * default stage is mapped through `STAGE_ALIASES`; rules whose stage has no
 * home in `order` are left out.
 */
export function defaultRules(order: readonly string[]): StageRule[] {
  if (!dict.size) {
    for (const line of WORDS.split('\n')) {
      const [head, ...list] = line.split(' ');
      for (const w of list) dict.set(head!.slice(1) + w, head![0]!);
    }
  }
  const byLower = new Map(order.map((s) => [String(s).toLowerCase(), s]));
  const out: StageRule[] = [];
  for (const def of DEFAULTS) {
    const alias = STAGE_ALIASES[def.stage]!.find((a) => byLower.has(a));
    if (alias) out.push({ ...def, stage: byLower.get(alias)! });
  }
  return out;
}
