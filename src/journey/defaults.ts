/** Built-in stage rules: sensible stages for shops and SaaS sites in seven languages, with zero configuration. */
import type { StageRule, WaymarkEvent } from '../types';
import { hasCampaign, hostChannel, hostOf } from './touchpoints';

/** The default funnel: the six-stage customer journey. */
export const DEFAULT_ORDER: readonly string[] = ['awareness', 'consideration', 'decision', 'purchase', 'retention', 'advocacy'];

/**
 * Where each default stage goes when `stages.order` is custom: the first name
 * in its list that the order contains (compared case-insensitively). A default
 * rule whose stage finds no home is dropped. E.g. with awareness,
 * consideration, decision, post-purchase, the purchase, retention and
 * advocacy rules all tag `post-purchase`.
 */
export const STAGE_ALIASES: Readonly<Record<string, readonly string[]>> = {
  awareness: ['awareness', 'attention', 'discovery'],
  consideration: ['consideration', 'interest', 'evaluation'],
  decision: ['decision', 'intent', 'desire'],
  purchase: ['purchase', 'conversion', 'action', 'post-purchase', 'customer'],
  retention: ['retention', 'post-purchase', 'loyalty', 'customer'],
  advocacy: ['advocacy', 'post-purchase', 'loyalty', 'referral'],
};

/**
 * The vocabulary of the default rules, one concept per line: English, German,
 * French, Spanish, Italian, Dutch and Portuguese words, and the route names of
 * the big shop platforms and web frameworks. A path segment, route value or
 * button text is compared lowercased, without accents (ä → ae) or page
 * extension: first whole (`sign_up`, `Sign-Up`, `signup.php` are all
 * `signup`; a trailing `s` is optional), then word by word (`mein-konto`,
 * `request-a-demo`, `thanks-for-your-order`): every word must be known, so a
 * product called `cart-organizer` or an article `checkout-tips` is not a cart
 * or a checkout. `a/b` is two segments in a row.
 *
 * Concepts: P purchase, R advocacy, S sign-up / trial / demo / quote /
 * contact, A account, C cart and checkout, L log-in, O order / buy,
 * K comparison, M pricing, V product, I search and listing, F other
 * consideration, W content, D done (a purchase as the last word of a path, or
 * next to an order word: `/checkout/success`, `order-received`), _ filler.
 * Lowercase v/i: the next segment is a name (`/products/cart`); lowercase w:
 * nothing after it counts (`/blog/checkout`). `?` lines are query parameter
 * names; `=` lists the parameters whose values are routes
 * (`?route=checkout/cart`, `?controller=order`).
 */
const WORDS = `P thankyou orderconfirm finishorder bestellbestaetigung bestellbestatigung orderbevestiging
D thank thanks dank danke* merci gracias grazie bedankt obrigad* confirm* conferm* bevestig* bestaetig* success* complet* finish* received erhalten recue recibid* ricevut* ontvangen recebid*
R refer referral* invit* indique share affiliat* write review/new reviews/new teilen partager compartir condividi delen partilhar compartilhar werben empfehl* weiterempfehl* einlad* parrain* ecrire escribir scrivi uitnodig* convid* indicacao escrever
S signup regist* join getstarted talktosales subscribe create try trial demo demonstracao demostracion quote contact* startregister users/new erstell* testen kontakt* inscri* creer essai* devis crear prueba presupuest* cadastr* crea prova preventivo contat* aanmak* aanmelden proberen offerteaanvragen criar teste experimente orcament*
A account myaccount konto compte cuenta conta dashboard orders orderhistory orderdetails order/view tracking address* adress* direccion* indirizz* endereco* profil* setting* einstellung* billing subscription* abonnement* logout* abmeld* deconnexion bestellungen bestellverlauf bestellungsverlauf commandes pedidos ordini bestellingen encomendas order/history controller/history
C cart basket bag shoppingcart checkout checkoutconfirmation confirm onepage payment cocustomer coshipping cobilling cosummary warenkorb kasse panier paiement carrit* cesta carro pago carrell* cassa pagament* winkelwag* winkelmand* afreken* kassa betal* carrinho*
L login signin logon authent* autenti* passw* passe kennwort contrasena senha wachtwoord sesion sessao anmeld* einlog* connexion connecter acceso accedi inlog* entrar session/new
O order buy purchase pay bestell* kaufen commande acheter pedido compra* pagar ordine acquist* bestelling kopen encomenda
K compar* vs versus alternativ* alternatie* vergleich* vergelijk* confront*
M pric* plan preis* tarif* prix precio* prezz* prijzen prijs preco* planes piani planos tarieven
v product p dp item productpage productdetails productinfo produkt produkte produit producto prodotto prodotti produto
i collection category categorie categoria kategorie brand marke marque marca merk productcategory
I shop store catalog* search* sale deals pricesdrop bestsales newarrivals such* angebote recherche boutique promotion* busca* tienda oferta* ricerca cerca negozio offerte zoek* winkel aanbieding* pesquisa loja
F feature* solution* integrat* doc review* testimon* casestudies customer* wishlist funktion* bewertung* kunden fonctionnalit* avis funcionalidad* opinion* funzionalit* recension* functie* beoordeling* avaliac*
w blog* news post article* articul* articol* artigo* magazin* insight* guide* guia* learn academy podcast* episode* tutorial* howto glossar* ebook* whitepaper* tips ratgeber aktuelles actualite* conseils noticia* notizie nieuws dicas
W resource* ressource* risorse recursos webinar* event*
_ the you your our for and with now get request book start free new view edit add place proceed all forgot lost reset sales talk page history show begin registry user paypal shipping delivery advanced result recover* friend* mein meine ihr sie uns zum zur fuer und mit jetzt kostenlos gratis hinzufuegen legen gehen vielen vergessen anfordern les une mon votre nous des pour mot ajouter passer gratu* demande demander oublie histor* del para nos ahora anadir finalizar realizar solicit* iniciar mio alla per ora aggiungi richiedi storico het een mijn ons van voor aan aanvragen meu minha pela com adicionar recuper* esqueci ganhe amigo* amic* vriend* freund*
I? s q query search searchquery keyword
C? addtocart
S? createaccount
v? product
Q= route controller ctrl action view task page mainpage step posttype`;

// Concept letters, most specific first: the earliest found on a page wins.
const RANK = 'PRSACLOKMVIFW';

let dict: Map<string, string> | undefined;

function words(): Map<string, string> {
  if (!dict) {
    dict = new Map();
    for (const line of WORDS.split('\n')) {
      const [head, ...list] = line.split(' ');
      for (const w of list) dict.set(head!.slice(1) + w, head![0]!);
    }
  }
  return dict;
}

/** Lowercase without accents; German umlauts become ae/oe/ue as in URLs. */
const fold = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[äöü]/g, '$&e')
    .replace(/ß/g, 'ss')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');

/** A word's concept ('' when unknown): the word, without a trailing `s`, or (`stems`) its longest known stem (`registr*`). */
function known(w: string, stems?: boolean): string {
  const d = words();
  let c = d.get(w) || (w.endsWith('s') && d.get(w.slice(0, -1))) || '';
  for (let n = w.length; stems && !c && n > 3; n--) c = d.get(w.slice(0, n) + '*') || '';
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
    // Words of one or two letters (articles, prepositions, `de`, `my`, `20`) are fillers.
    const c = known(p, true).toUpperCase() || (p[2] ? '' : '_');
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
  return fold(s)
    .replace(/\.(?:html?|php|aspx?|jsp)$/, '')
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** The most specific concept rank in a run of segments (a path, or a route), at most `best`. */
function scan(segs: string[][], best: number): number {
  // Ids after the last word (`/orders/123/confirmation`, `/thank-you-page/4f2e1`) do not move "last".
  let end = segs.length - 1;
  while (end > 0 && /\d/.test(segs[end]!.join(''))) end--;
  for (let i = 0; i < segs.length; i++) {
    let c = (i && words().get(segs[i - 1]!.join('') + '/' + segs[i]!.join(''))) || phrase(segs[i]!);
    if (c === 'D') c = i === end ? 'P' : '';
    const rank = c ? RANK.indexOf(c.toUpperCase()) : -1;
    if (rank >= 0 && rank < best) best = rank;
    if (c === 'w') break;
    if (c === 'v' || c === 'i') i++; // the next segment is a name
  }
  return best;
}

let lastKey: string | undefined;
let lastConcept = '';

/** The page's concept letter ('' for none): from its path, its route-like query values and its query names. Memoised per page. */
function concept(e: WaymarkEvent): string {
  const url = String(e.page?.url ?? '');
  const path = String(e.page?.path ?? '');
  const key = path + ' ' + url;
  if (key === lastKey) return lastConcept;
  let best = scan(path.split(/[/#!]/).map(split).filter((s) => s.length), RANK.length);
  for (const part of url.split('#')) {
    const q = part.indexOf('?');
    if (q < 0) continue;
    for (const pair of part.slice(q + 1).split('&')) {
      const eq = pair.indexOf('=');
      const name = split(eq < 0 ? pair : pair.slice(0, eq)).join('');
      const c = words().get('?' + name);
      if (c) best = Math.min(best, RANK.indexOf(c.toUpperCase()));
      if (eq > 0 && words().get('=' + name)) best = scan([[name], ...pair.slice(eq + 1).split(/[/|.]|%2f/i).map(split)], best);
    }
  }
  lastKey = key;
  return (lastConcept = RANK[best] ?? '');
}

/** The concept of a click: the longest known phrase that starts its text or `data-waymark` name ("Add to cart – $20", "🛒 In den Warenkorb"). */
function clickConcept(e: WaymarkEvent): string {
  for (const line of `${e.name ?? ''}\n${e.target?.text ?? ''}`.split('\n')) {
    const parts = split(line).slice(0, 5);
    for (let n = parts.length; n; n--) {
      const c = phrase(parts.slice(0, n)).toUpperCase();
      if (c) return c;
    }
  }
  return '';
}

/** In the visitor's first session (or when the touches are unknown): content is where their journey starts. */
const firstVisit = (e: WaymarkEvent): boolean => {
  const c = e.context;
  return !c?.firstTouch || !c.lastTouch || c.firstTouch.at === c.lastTouch.at;
};

// Share links of the big networks, and `mailto:` links with a prepared body.
const SHARE_HREF =
  /^(?:https?:\/\/)?(?:[\w-]+\.)*(?:(?:twitter|x)\.com\/(?:intent|share)|facebook\.com\/shar|linkedin\.com\/(?:sharing|shareArticle)|pinterest\.[a-z.]+\/pin\/create|reddit\.com\/submit|wa\.me\/|api\.whatsapp\.com\/send|t\.me\/share|bsky\.app\/intent)|^whatsapp:\/\/send|^mailto:[^?]*\?(?:.*&)?body=/i;
const CHECKOUT_FORM = /checkout|payment|place.?order|purchase|kasse|bestell|commande|paiement|pago|pedido|ordine|afreken|betaal|encomenda|zahlung/;

type Default = StageRule & { stage: keyof typeof STAGE_ALIASES };

/** One page rule per concept group: stage, rule name, concept letters. */
const PAGES: ReadonlyArray<[Default['stage'], string, string]> = [
  ['purchase', 'purchase', 'P'],
  ['advocacy', 'advocacy', 'R'],
  ['decision', 'signup', 'S'],
  ['retention', 'account', 'A'],
  ['decision', 'cart', 'CO'],
  ['retention', 'login', 'L'],
  ['consideration', 'comparison', 'K'],
  ['consideration', 'pricing', 'M'],
  ['consideration', 'product', 'V'],
  ['consideration', 'listing', 'I'],
  ['consideration', 'consideration', 'F'],
];

const DEFAULTS: readonly Default[] = [
  { stage: 'purchase', name: 'default:checkout-submit', type: 'form_submit', match: (e) => CHECKOUT_FORM.test(fold(`${e.form?.id ?? ''} ${e.form?.name ?? ''} ${e.form?.action ?? ''}`)) },
  // Advocacy before decision: "Share" is never a purchase intent.
  { stage: 'advocacy', name: 'default:share-click', type: 'click', match: (e) => clickConcept(e) === 'R' || SHARE_HREF.test(e.target?.href ?? '') },
  { stage: 'advocacy', name: 'default:share-button', type: 'click', selector: '[data-share],.share-button,.share-btn,.social-share' },
  { stage: 'decision', name: 'default:decision-click', type: 'click', match: (e) => 'PSCO'.includes(clickConcept(e) || '-') },
  {
    stage: 'decision',
    name: 'default:add-to-cart-button',
    type: ['click', 'form_submit'],
    selector:
      '.add-to-cart,.add_to_cart,.addtocart,.add_to_cart_button,.single_add_to_cart_button,.tocart,.btn-buy,#button-cart,[name="add-to-cart"],[data-action="add-to-cart"],[data-button-action="add-to-cart"],[data-add-to-cart],form[action*="/cart/add"]',
  },
  ...PAGES.map(([stage, name, letters]): Default => ({ stage, name: `default:${name}-page`, type: 'page_view', match: (e) => letters.includes(concept(e) || '-') })),
  // Content (blog, guides, webinars, …) starts the journey of a first visit; later visits keep their stage.
  { stage: 'awareness', name: 'default:content-page', type: 'page_view', match: (e) => concept(e) === 'W' && firstVisit(e) },
  // Campaign landings last: a campaign that lands on /pricing is a pricing visit; the channel is kept in `context`.
  { stage: 'awareness', name: 'default:campaign-landing', type: 'page_view', match: (e) => hasCampaign(String(e.page?.url ?? '')) },
  {
    stage: 'awareness',
    name: 'default:search-social-ai-referrer',
    type: 'page_view',
    match: (e) => /^(?:ai|organic_search|social)$/.test(hostChannel(hostOf(String(e.page?.referrer ?? '')))),
  },
];

/**
 * The built-in rules for a stage order (tried after the site's rules). Each
 * default stage is mapped through `STAGE_ALIASES`; rules whose stage has no
 * home in `order` are left out.
 */
export function defaultRules(order: readonly string[]): StageRule[] {
  const byLower = new Map(order.map((s) => [String(s).toLowerCase(), s]));
  const out: StageRule[] = [];
  for (const rule of DEFAULTS) {
    const alias = STAGE_ALIASES[rule.stage]!.find((a) => byLower.has(a));
    if (alias) out.push({ ...rule, stage: byLower.get(alias)! });
  }
  return out;
}
