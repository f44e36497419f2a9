/** Acquisition touchpoints: which channel and campaign brought the visitor to this page. */
import type { Touch } from '../types';

/** Ad click ids, the channel each implies, and tracking ids of e-mail and affiliate tools. */
const CLICK_IDS: ReadonlyMap<string, string> = new Map(Object.entries({
  gclid: 'paid_search', gbraid: 'paid_search', wbraid: 'paid_search', msclkid: 'paid_search', yclid: 'paid_search',
  dclid: 'display',
  fbclid: 'social', ttclid: 'social', twclid: 'social', li_fat_id: 'social', sccid: 'social', epik: 'social',
  mc_cid: 'email', _kx: 'email', mkt_tok: 'email',
  irclickid: 'affiliate', awc: 'affiliate', cjevent: 'affiliate', ranmid: 'affiliate',
}));

const EMAIL = /^(?:e[-_]?mail|mail|newsletter)s?$/;
const AFFILIATE = /^(?:affiliates?|partners?)$/;
const DISPLAY = /^(?:display|banner|cpm|expandable|interstitial|programmatic|native)$/;
// GA4's paid-medium pattern: cpc, ppc, cpv, cpa, paid, paidsearch, paid_social, retargeting…
const PAID = /^(?:.*cp.*|ppc|retargeting|paid.*)$/;
const SOCIAL = /^(?:social|social[-_ ]?(?:network|media)|sm)$/;

const SEARCH_HOST =
  /(?:^|\.)(?:google|bing|yahoo|duckduckgo|baidu|yandex|ecosia|startpage|qwant|naver|seznam|ask|sogou|kagi|daum|so)\.[a-z]{2,3}(?:\.[a-z]{2})?$|^(?:search\.brave\.com|ya\.ru|com\.google\.android\.googlequicksearchbox)$/;
const SOCIAL_HOST =
  /(?:^|\.)(?:facebook|fb|instagram|twitter|linkedin|lnkd|reddit|pinterest|youtube|youtu|tiktok|snapchat|tumblr|quora|threads|bsky|vk|weibo|whatsapp|telegram|discord|messenger|t|x)\.[a-z]{2,3}(?:\.[a-z]{2})?$|^(?:news\.ycombinator\.com|mastodon\.social|wa\.me|com\.(?:facebook|instagram|linkedin|twitter|reddit|pinterest|zhiliaoapp)\..+)$/;
const EMAIL_HOST = /^(?:web)?mail\.|^outlook\.(?:live|office|office365)\.com$|^com\.google\.android\.gm$/;
// Payment and sign-in providers send visitors back mid-visit: not a new touch.
const PASS_THROUGH_HOST =
  /(?:^|\.)(?:paypal\.com|stripe\.com|klarna\.com|adyen\.com|mollie\.com|pay\.google\.com|accounts\.google\.com|login\.microsoftonline\.com|login\.live\.com|appleid\.apple\.com|auth0\.com|okta\.com)$/;

const MAX_VALUE = 200;

/** Lowercased query parameters of a URL, including a hash router's (`#/page?utm_source=x`). First value wins. */
function params(url: string): Map<string, string> {
  const out = new Map<string, string>();
  let u: URL;
  try {
    u = new URL(url, 'http://localhost');
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

function hostOf(url: string): string {
  if (!url) return '';
  try {
    return new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return '';
  }
}

const bare = (host: string): string => host.replace(/^www\./, '');

/** utm_* (without the prefix) and click ids found in the URL. */
function campaignOf(p: Map<string, string>): Record<string, string> {
  const campaign: Record<string, string> = {};
  p.forEach((value, key) => {
    if (key.startsWith('utm_') && key.length > 4) campaign[key.slice(4)] = value;
    else if (CLICK_IDS.has(key)) campaign[key] = value;
  });
  return campaign;
}

/** Channel from utm_medium / utm_source (lowercase), or '' when they say nothing. */
function fromUtm(medium: string, source: string, clickChannel: string): string {
  const socialSource = SOCIAL_HOST.test(source) || SOCIAL.test(source) || /^(?:facebook|fb|instagram|ig|twitter|tw|linkedin|li|reddit|pinterest|tiktok|youtube|snapchat|x)$/.test(source);
  const searchSource = SEARCH_HOST.test(source) || /^(?:google|bing|yahoo|duckduckgo|baidu|yandex|ecosia)$/.test(source);
  if (EMAIL.test(medium) || EMAIL.test(source)) return 'email';
  if (AFFILIATE.test(medium)) return 'affiliate';
  if (DISPLAY.test(medium)) return 'display';
  // Paid social is social: `campaign.medium` still tells paid from organic.
  if (PAID.test(medium)) return socialSource || clickChannel === 'social' ? 'social' : 'paid_search';
  if (SOCIAL.test(medium) || socialSource) return 'social';
  if (medium === 'organic' || searchSource) return 'organic_search';
  if (medium === 'referral') return 'referral';
  return medium || source ? 'other' : '';
}

/**
 * Classify a page's acquisition touch: UTM parameters first, then ad click
 * ids (gclid/msclkid → paid_search, fbclid → social, …), then the referrer's
 * host (search engine, social network, webmail, other site). No referrer, the
 * site's own host, or a payment / sign-in provider → direct.
 */
export function classifyTouch(url: string, referrer: string, at: string): Touch {
  const p = params(url);
  const campaign = campaignOf(p);
  let clickChannel = '';
  for (const [key, channel] of CLICK_IDS) {
    if (p.has(key)) {
      clickChannel = channel;
      break;
    }
  }
  const ref = hostOf(referrer);
  const external = !!ref && bare(ref) !== bare(hostOf(url)) && !PASS_THROUGH_HOST.test(ref);
  let channel = fromUtm((p.get('utm_medium') ?? '').toLowerCase(), (p.get('utm_source') ?? '').toLowerCase(), clickChannel);
  if (!channel || (channel === 'other' && clickChannel)) channel = clickChannel;
  if (!channel) {
    channel = !external
      ? Object.keys(campaign).length
        ? 'other' // campaign fields that name no source or medium
        : 'direct'
      : EMAIL_HOST.test(ref)
        ? 'email'
        : SEARCH_HOST.test(ref)
          ? 'organic_search'
          : SOCIAL_HOST.test(ref)
            ? 'social'
            : 'referral';
  }
  const touch: Touch = { channel, at };
  if (external) touch.referrer = ref;
  if (Object.keys(campaign).length) touch.campaign = campaign;
  return touch;
}

/**
 * Whether this page starts a new touch: it carries campaign parameters
 * (utm_*, ad click ids) or was reached from another site (not the site's own
 * host, `www.` ignored, and not a payment or sign-in provider returning the
 * visitor).
 */
export function isNewTouch(url: string, referrer: string, currentHost: string): boolean {
  for (const key of params(url).keys()) if ((key.startsWith('utm_') && key.length > 4) || CLICK_IDS.has(key)) return true;
  const ref = hostOf(referrer);
  return !!ref && bare(ref) !== bare(String(currentHost || '').toLowerCase()) && !PASS_THROUGH_HOST.test(ref);
}
