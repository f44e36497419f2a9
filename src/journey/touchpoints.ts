/** Acquisition touchpoints: which channel and campaign brought the visitor to this page. */
import type { Touch } from '../types';
import { hostOf } from '../lib/url';

/** Channel implied by each ad, e-mail, affiliate and search click id (space-separated lists). */
const CLICK_IDS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    paid_search: 'gclid gclsrc gbraid wbraid gad_source msclkid yclid',
    display: 'dclid',
    social: 'fbclid ttclid twclid li_fat_id sccid epik igshid rdt_cid',
    email: 'mc_cid mc_eid _hsenc _hsmi _kx mkt_tok',
    affiliate: 'irclickid awc cjevent ranmid',
    organic_search: 'srsltid ysclid',
  }).flatMap(([channel, ids]) => ids.split(' ').map((id) => [id, channel] as const)),
);

const EMAIL = /^(?:(?:e[-_]?)?mail|newsletter)s?$/;
const AFFILIATE = /^(?:affiliate|partner)s?$/;
const DISPLAY = /^(?:display|banner|cpm|expandable|interstitial|programmatic|native)$/;
// GA4's paid-medium pattern: cpc, ppc, cpv, cpa, paid, paidsearch, paid_social, retargeting…
const PAID = /^(?:.*cp.*|ppc|retargeting|paid.*)$/;
const SOCIAL = /^(?:social(?:[-_ ]?(?:network|media))?|sm)$/;

// AI assistants before search engines: gemini.google.com is not a Google search.
const AI_HOST =
  /(?:^|\.)(?:(?:chatgpt|openai|perplexity|claude|mistral|deepseek|grok)\.[a-z]+|(?:gemini|bard)\.google\.com|copilot\.microsoft\.com|you\.com|meta\.ai)$/;
const SEARCH_HOST =
  /(?:^|\.)(?:google|bing|yahoo|duckduckgo|baidu|yandex|ecosia|startpage|qwant|naver|daum|seznam|aol|sogou|so)\.[a-z]{2,3}(?:\.[a-z]{2})?$|^(?:search\.brave\.com|ya\.ru|com\.google\.android\.googlequicksearchbox)$/;
const SOCIAL_HOST =
  /(?:^|\.)(?:facebook|fb|instagram|twitter|linkedin|lnkd|reddit|pinterest|pin|youtube|youtu|tiktok|snapchat|tumblr|quora|threads|bsky|vk|weibo|whatsapp|telegram|discord|messenger|t|x)\.[a-z]{2,3}(?:\.[a-z]{2})?$|^(?:news\.ycombinator\.com|ok\.ru|mastodon\.social|wa\.me|com\.(?:facebook|instagram|linkedin|twitter|reddit|pinterest|zhiliaoapp)\..+)$/;
const EMAIL_HOST = /^(?:web)?mail\.|^outlook\.(?:live|office|office365)\.com$|^com\.google\.android\.gm$/;
// Payment and sign-in providers send visitors back mid-visit: not a new touch.
const PASS_THROUGH_HOST =
  /(?:^|\.)(?:(?:paypal|stripe|klarna|adyen|mollie|auth0|okta)\.com|(?:pay|accounts)\.google\.com|login\.(?:microsoftonline|live)\.com|appleid\.apple\.com)$/;

const MAX_VALUE = 200;

let lastUrl: string | undefined;
let lastQuery = new Map<string, string>();

/** Lowercased query parameters of a URL, including a hash router's (`#/page?utm_source=x`), first non-empty value each. Shared: do not modify. */
export function queryOf(url: string): Map<string, string> {
  // Every rule and touch check of a page asks for the same URL: parse it once.
  if (url === lastUrl) return lastQuery;
  lastUrl = url;
  const out = (lastQuery = new Map<string, string>());
  let u: URL;
  try {
    u = new URL(url, 'http://x');
  } catch {
    return out;
  }
  const q = u.hash.indexOf('?');
  for (const search of [u.searchParams, new URLSearchParams(q < 0 ? '' : u.hash.slice(q + 1))]) {
    search.forEach((value, key) => {
      const k = key.toLowerCase();
      if (!out.has(k) && value) out.set(k, value.slice(0, MAX_VALUE));
    });
  }
  return out;
}


const bare = (host: string): string => host.replace(/^www\./, '');

/**
 * What kind of site a referring host is: 'email' (webmail), 'ai' (an AI
 * assistant), 'organic_search', 'social', or '' for any other site (payment
 * and sign-in providers included).
 */
export function hostChannel(host: string): string {
  return PASS_THROUGH_HOST.test(host) ? '' : EMAIL_HOST.test(host) ? 'email' : AI_HOST.test(host) ? 'ai' : SEARCH_HOST.test(host) ? 'organic_search' : SOCIAL_HOST.test(host) ? 'social' : '';
}

const isCampaignKey = (key: string): boolean => (key.startsWith('utm_') && key.length > 4) || CLICK_IDS.has(key);

/** Whether the URL carries campaign parameters: any `utm_*` or a known click id (gclid, fbclid, msclkid, …). */
export function hasCampaign(url: string): boolean {
  return [...queryOf(url).keys()].some(isCampaignKey);
}

/** Channel from utm_medium / utm_source (lowercase), or '' when they say nothing. */
function fromUtm(medium: string, source: string, clickChannel: string): string {
  // A bare name (`facebook`, `chatgpt`) is read as its .com host.
  const kind = hostChannel(source.includes('.') ? source : source + '.com');
  const social = kind === 'social' || SOCIAL.test(source);
  if (EMAIL.test(medium) || EMAIL.test(source)) return 'email';
  if (AFFILIATE.test(medium)) return 'affiliate';
  if (DISPLAY.test(medium)) return 'display';
  // Paid social is social: `campaign.medium` still tells paid from organic.
  if (PAID.test(medium)) return social || clickChannel === 'social' ? 'social' : 'paid_search';
  // ChatGPT and others tag their links `utm_source=chatgpt.com`.
  if (kind === 'ai') return 'ai';
  if (SOCIAL.test(medium) || social) return 'social';
  if (medium === 'organic' || kind === 'organic_search') return 'organic_search';
  if (medium === 'referral') return 'referral';
  return medium || source ? 'other' : '';
}

/**
 * Classify a page's acquisition touch: UTM parameters first, then click ids
 * (gclid/msclkid → paid_search, fbclid → social, mc_cid → email, …), then the
 * referrer's host (webmail, AI assistant, search engine, social network,
 * other site). No referrer, the site's own host, or a payment / sign-in
 * provider → direct.
 */
export function classifyTouch(url: string, referrer: string, at: string): Touch {
  const p = queryOf(url);
  const campaign: Record<string, string> = {}; // utm_* (without the prefix) and click ids
  let clickChannel = ''; // the channel of the first click id
  p.forEach((value, key) => {
    if (isCampaignKey(key)) campaign[key.startsWith('utm_') ? key.slice(4) : key] = value;
    clickChannel ||= CLICK_IDS.get(key) ?? '';
  });
  const tagged = Object.keys(campaign).length > 0;
  const ref = hostOf(referrer);
  const external = fromElsewhere(ref, hostOf(url));
  const utm = (name: string): string => (p.get(name) ?? '').toLowerCase();
  let channel = fromUtm(utm('utm_medium'), utm('utm_source'), clickChannel);
  if (!channel || (channel === 'other' && clickChannel)) channel = clickChannel;
  if (!channel) {
    channel = !external
      ? tagged
        ? 'other' // campaign fields that name no source or medium
        : 'direct'
      : hostChannel(ref) || 'referral';
  }
  const touch: Touch = { channel, at };
  if (external) touch.referrer = ref;
  if (tagged) touch.campaign = campaign;
  return touch;
}

/** Whether a referring host is another site: not the site's own host (`www.` ignored), nor a payment or sign-in provider returning the visitor. */
const fromElsewhere = (ref: string, host: string): boolean =>
  !!ref && bare(ref) !== bare(host) && !PASS_THROUGH_HOST.test(ref);

/**
 * Whether this page starts a new touch: it carries campaign parameters
 * (utm_*, click ids) or was reached from another site (not the site's own
 * host, `www.` ignored, and not a payment or sign-in provider returning the
 * visitor).
 */
export function isNewTouch(url: string, referrer: string, currentHost: string): boolean {
  return hasCampaign(url) || fromElsewhere(hostOf(referrer), String(currentHost || '').toLowerCase());
}
