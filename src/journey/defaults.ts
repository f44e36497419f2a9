/** Built-in stage rules: sensible stages for common shops and SaaS sites with zero configuration. */
import type { StageRule, WaymarkEvent } from '../types';

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

/** `**\/word/**` for each word: the segment anywhere in the path (locale prefixes, ids and sub-pages included). */
const anywhere = (words: string): string[] => words.split(' ').map((w) => `**/${w}/**`);
/** `**\/word` for each word: the last segment only. */
const last = (words: string): string[] => words.split(' ').map((w) => `**/${w}`);

/** Click text or `data-waymark` name, lowercased, with `-` and `_` read as spaces. */
const label = (e: WaymarkEvent): string => `${e.name ?? ''}\n${e.target?.text ?? ''}`.toLowerCase().replace(/[-_]+/g, ' ');

// Anchored at the start of a line so "Add to cart – $20" counts, a paragraph mentioning "buy" does not.
const DECISION_CLICK =
  /(?:^|\n)\s*(?:add (?:it )?to (?:cart|bag|basket)|buy(?: it)?(?: now)?|order now|place (?:your )?order|pay now|complete (?:order|purchase)|(?:proceed to |go to )?checkout|sign ?up|register|create (?:an |your )?account|get started|start (?:a |your )?(?:free )?trial|(?:try|start) (?:it )?(?:for )?free|free trial|(?:book|request|schedule|get) (?:a )?demo|contact sales|talk to sales)\b/;
const SHARE_CLICK = /(?:^|\n)\s*(?:share|tweet|pin it|refer (?:a )?friends?|invite|copy (?:share |referral |invite )?link|write (?:a )?review)\b/;
// Share links of the big networks, and `mailto:` links with a prepared body.
const SHARE_HREF =
  /^(?:https?:\/\/)?(?:[\w-]+\.)*(?:(?:twitter|x)\.com\/(?:intent|share)|facebook\.com\/shar|linkedin\.com\/(?:sharing|shareArticle)|pinterest\.[a-z.]+\/pin\/create|reddit\.com\/submit|wa\.me\/|api\.whatsapp\.com\/send|t\.me\/share|bsky\.app\/intent)|^whatsapp:\/\/send|^mailto:[^?]*\?(?:.*&)?body=/i;
const CHECKOUT_FORM = /checkout|payment|place.?order|purchase/;

const DEFAULTS: ReadonlyArray<StageRule & { stage: keyof typeof STAGE_ALIASES }> = [
  // Purchase first: `/checkout/thank-you` is a purchase, not a checkout page.
  {
    stage: 'purchase',
    name: 'default:purchase-page',
    type: 'page_view',
    path: [
      ...anywhere('thank-you thank_you thankyou order-confirmation order-confirmed order-received order-complete order-completed purchase-complete'),
      ...last('thanks confirmation success checkout/complete checkout/completed order/complete'),
    ],
  },
  {
    stage: 'purchase',
    name: 'default:checkout-submit',
    type: 'form_submit',
    match: (e) => CHECKOUT_FORM.test(`${e.form?.id ?? ''} ${e.form?.name ?? ''} ${e.form?.action ?? ''}`.toLowerCase()),
  },
  // Advocacy before retention: `/account/referrals` is advocacy.
  {
    stage: 'advocacy',
    name: 'default:advocacy-page',
    type: 'page_view',
    path: anywhere('refer referral referrals refer-a-friend invite invites share write-a-review write-review').concat(last('reviews/new review/new')),
  },
  {
    stage: 'advocacy',
    name: 'default:share-click',
    type: 'click',
    match: (e) => SHARE_CLICK.test(label(e)) || SHARE_HREF.test(e.target?.href ?? ''),
  },
  {
    stage: 'advocacy',
    name: 'default:share-button',
    type: 'click',
    selector: '[data-share],.share-button,.share-btn,.social-share',
  },
  // Retention before consideration: `/dashboard/products` is a customer at work.
  {
    stage: 'retention',
    name: 'default:account-page',
    type: 'page_view',
    path: anywhere('account accounts my-account myaccount dashboard orders my-orders order-history login log-in signin sign-in billing subscription subscriptions'),
  },
  {
    stage: 'decision',
    name: 'default:decision-page',
    type: 'page_view',
    path: anywhere(
      'cart basket bag checkout checkouts signup sign-up register registration trial free-trial start-trial demo request-demo request-a-demo book-demo book-a-demo get-a-demo contact contact-us contact-sales get-a-quote quote',
    ),
  },
  {
    stage: 'decision',
    name: 'default:decision-click',
    type: 'click',
    match: (e) => DECISION_CLICK.test(label(e)),
  },
  {
    stage: 'decision',
    name: 'default:add-to-cart-button',
    type: ['click', 'form_submit'],
    selector:
      '.add-to-cart,.add_to_cart,.addtocart,.add_to_cart_button,.single_add_to_cart_button,[name="add-to-cart"],[data-action="add-to-cart"],[data-add-to-cart],form[action*="/cart/add"]',
  },
  {
    stage: 'consideration',
    name: 'default:consideration-page',
    type: 'page_view',
    path: anywhere(
      'pricing prices plans compare comparison vs alternatives product products collections collection shop catalog product-category features feature reviews testimonials case-studies customers docs documentation integrations',
    ),
  },
  // Campaign landings last: a campaign that lands on /pricing is a pricing visit; the channel is kept in `context`.
  { stage: 'awareness', name: 'default:campaign-landing', type: 'page_view', query: { 'utm_*': '*' } },
  { stage: 'awareness', name: 'default:ad-click-landing', type: 'page_view', query: { gclid: '*' } },
  { stage: 'awareness', name: 'default:ad-click-landing', type: 'page_view', query: { gbraid: '*' } },
  { stage: 'awareness', name: 'default:ad-click-landing', type: 'page_view', query: { wbraid: '*' } },
  { stage: 'awareness', name: 'default:ad-click-landing', type: 'page_view', query: { msclkid: '*' } },
  { stage: 'awareness', name: 'default:ad-click-landing', type: 'page_view', query: { fbclid: '*' } },
  { stage: 'awareness', name: 'default:ad-click-landing', type: 'page_view', query: { ttclid: '*' } },
  {
    stage: 'awareness',
    name: 'default:search-or-social-referrer',
    type: 'page_view',
    referrer: [
      'google.*', 'www.google.*', 'com.google.android.googlequicksearchbox', '*.bing.com', '*.duckduckgo.com', 'search.yahoo.com', '*.search.yahoo.com', '*.yandex.*', '*.baidu.com', '*.ecosia.org', 'search.brave.com',
      '*.facebook.com', '*.instagram.com', 't.co', '*.twitter.com', '*.x.com', '*.linkedin.com', 'lnkd.in', '*.reddit.com', '*.pinterest.*',
      '*.youtube.com', '*.tiktok.com', 'news.ycombinator.com', '*.threads.net', 'bsky.app',
    ],
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
