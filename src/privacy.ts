/** URL scrubbing, text masking and browser privacy signals. */

/** Query parameters always removed from URLs that leave the page. */
export const DEFAULT_SCRUB_PARAMS = [
  'token', 'access_token', 'id_token', 'refresh_token', 'auth', 'code', 'key', 'api_key', 'apikey',
  'password', 'pass', 'pwd', 'secret', 'session', 'sessionid', 'sid', 'email', 'e-mail', 'mail', 'phone', 'ssn',
  'signature', 'sig',
];

const EMAIL = /[\w.+-]+@[\w-]+\.[\w.-]+/g;
// Card-like: 13–19 digits, optionally split by spaces or dashes.
const CARD = /\b(?:\d[ -]?){12,18}\d\b/g;
// Phone-like: optional +, then 7+ digits with common separators.
const PHONE = /\+?\(?\d[\d ().-]{6,}\d/g;

/** Mask e-mail addresses, card-like digit runs and phone numbers in free text. */
export function maskText(text: string): string {
  return text.replace(EMAIL, '[email]').replace(CARD, '[card]').replace(PHONE, (m) =>
    m.replace(/\D/g, '').length >= 7 ? '[phone]' : m,
  );
}

/**
 * Remove sensitive query parameters (case-insensitive), mask e-mail-like path
 * segments and drop fragments that carry parameters (`#access_token=…`).
 * Returns the input unchanged when it is not a URL.
 */
export function scrubUrl(url: string, params: readonly string[], base?: string): string {
  if (!url) return url;
  let u: URL;
  try {
    u = new URL(url, base);
  } catch {
    return maskText(url);
  }
  const drop = new Set(params.map((p) => p.toLowerCase()));
  for (const k of [...u.searchParams.keys()]) {
    if (drop.has(k.toLowerCase())) u.searchParams.delete(k);
  }
  u.username = '';
  u.password = '';
  if (/@|%40/i.test(u.pathname)) {
    u.pathname = u.pathname.split('/').map((s) => (decodeURIComponentSafe(s).match(EMAIL) ? '[email]' : s)).join('/');
  }
  if (u.hash.includes('=')) {
    // `#/route?token=x` or `#access_token=x`: keep a hash route's path, drop its parameters.
    const h = u.hash;
    const route = h.startsWith('#/') || h.startsWith('#!/') ? h.split('?')[0]! : '';
    u.hash = route;
  }
  return u.href.replace(/%5Bemail%5D/g, '[email]');
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** True when the visitor sends Global Privacy Control (and/or DNT when asked to respect it). */
export function privacySignal(nav: Navigator | undefined, respectGPC: boolean, respectDNT: boolean): boolean {
  if (!nav) return false;
  const n = nav as Navigator & { globalPrivacyControl?: boolean; doNotTrack?: string | null; msDoNotTrack?: string };
  if (respectGPC && n.globalPrivacyControl === true) return true;
  if (respectDNT) {
    const dnt = n.doNotTrack ?? (globalThis as { doNotTrack?: string }).doNotTrack ?? n.msDoNotTrack;
    if (dnt === '1' || dnt === 'yes') return true;
  }
  return false;
}
