/**
 * Value-based privacy: e-mail addresses and secret-looking values are masked
 * wherever they appear (URLs, titles, referrers, campaign values, text), and
 * sensitive query parameters are removed by name. Plus browser privacy signals.
 */
import { isHashRoute } from './lib/url';

/** Query parameters always removed from URLs that leave the page (names containing a sensitive word go too). */
// One string split once: shorter in the bundle than an array literal.
export const DEFAULT_SCRUB_PARAMS = (
  'token access_token id_token refresh_token auth code key api_key apikey ' +
  'password pass pwd secret session sessionid sid email e-mail mail phone ssn signature sig'
).split(' ');

// Any script (`jürgen@müller.de`): local part, @, dotted domain ending in a 2+ letter label.
const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu;
// A JSON Web Token: base64url JSON header `eyJ…`, payload, optional signature.
const JWT = /\beyJ[\w-]{4,}\.[\w-]{4,}(?:\.[\w-]*)?/g;
// Runs of token characters long enough to be a random secret (checked by looksRandom).
const RUN = /[\w+/=~-]{20,}/g;
// Card-like: 13–19 digits, optionally split by spaces or dashes.
const CARD = /\b(?:\d[ -]?){12,18}\d\b/g;
// Phone-like: optional +, then 7+ digits with common separators.
const PHONE = /\+?\(?\d[\d ().-]{6,}\d/g;
// Parameter names that are sensitive wherever they appear in a name (`reset_token`, `x-session-id`)…
const SENSITIVE_IN_NAME = /token|secret|passw|session|credential|signature|apikey|jwt/;
// …and words that are sensitive only as a whole part of one (`api_key`, `apiKey`, `otp`; not `keyword`, `author`),
// parts being split by anything but a letter or digit.
const SENSITIVE_PART = /(?:^|[^a-z\d])(?:auth|otp|key|sig|pwd|pass|sid|ssn|pin|nonce|hash)(?![a-z\d])/;
// Campaign and ad-click parameters keep long random values: they are ids of a click, not secrets.
const CAMPAIGN_PARAM = /^utm_|cl(?:ic)?k?id$|braid$/i;

/**
 * True for a value that looks like a random secret: 20+ token characters
 * with letters and digits, switching between lower case, upper case and digits
 * at least 4 times (and once per 6 characters) inside `-_./+=~`-separated
 * pieces. Hex ids, UUIDs, base64 keys are secrets; slugs
 * (`summer-sale-2024`) and camelCase words are not.
 */
export function looksRandom(run: string): boolean {
  if (run.length < 20 || !/\d/.test(run) || !/[a-z]/i.test(run)) return false;
  const count = (re: RegExp) => run.match(re)!.length;
  // Inside each letters-and-digits piece, every switch of kind starts one more run of a kind.
  const flips = count(/[a-z]+|[A-Z]+|\d+/g) - count(/[a-z\d]+/gi);
  return flips >= 4 && flips >= run.length / 6;
}

/** Mask e-mail addresses (`[email]`) and secret-looking values (`[secret]`: JWTs, long random tokens). */
export function maskSecrets(text: string): string {
  return text
    .replace(EMAIL, '[email]')
    .replace(JWT, '[secret]')
    .replace(RUN, (m) => (looksRandom(m) ? '[secret]' : m));
}

/** Mask e-mail addresses, secret-looking tokens, card-like digit runs and phone numbers in free text. */
export function maskText(text: string): string {
  return maskSecrets(text).replace(CARD, '[card]').replace(PHONE, (m) =>
    m.replace(/\D/g, '').length >= 7 ? '[phone]' : m,
  );
}

/** True when a query parameter's name marks it as sensitive: on the list, or containing a sensitive word. */
export function isSensitiveName(name: string, params: readonly string[]): boolean {
  const lower = name.toLowerCase();
  if (SENSITIVE_IN_NAME.test(lower) || params.some((p) => p.toLowerCase() === lower)) return true;
  // `apiKey` → api_key; `x-otp` stays x-otp.
  return SENSITIVE_PART.test(name.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase());
}

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** A path (`/users/a@b.com/x`) with e-mail and secret-looking segments masked. */
const maskPath = (path: string): string =>
  path
    .split('/')
    .map((segment) => {
      const plain = decode(segment);
      const masked = maskSecrets(plain);
      return masked === plain ? segment : masked;
    })
    .join('/');

/**
 * Scrub a URL that leaves the page or is stored:
 * - query parameters named on `params` or containing a sensitive word
 *   (token, secret, password, session, otp, auth, key, sig…) are removed,
 *   and so are parameters whose value looks like a secret (except `utm_*` and ad click ids);
 * - e-mail addresses in parameter values, path segments and hash-route paths are masked `[email]`,
 *   secret-looking path segments `[secret]`;
 * - user name and password are removed;
 * - a fragment that carries parameters (`#access_token=…`, `#code=…`) or a secret is dropped,
 *   and a hash route keeps only its (masked) path.
 * Text that is not a URL is masked like free text.
 */
export function scrubUrl(url: string, params: readonly string[], base?: string): string {
  if (!url) return url;
  let u: URL;
  try {
    u = new URL(url, base);
  } catch {
    return maskText(url);
  }
  if (!/^https?:$/.test(u.protocol)) return maskText(u.href);
  const kept = new URLSearchParams();
  let changed = false;
  u.searchParams.forEach((value, name) => {
    const masked = CAMPAIGN_PARAM.test(name) ? value.replace(EMAIL, '[email]') : maskSecrets(value);
    if (isSensitiveName(name, params) || masked.includes('[secret]')) changed = true;
    else {
      changed ||= masked !== value;
      kept.append(name, masked);
    }
  });
  if (changed) u.search = kept.toString();
  u.username = '';
  u.password = '';
  u.pathname = maskPath(u.pathname);
  const hash = u.hash;
  if (isHashRoute(hash)) {
    // `#/route?token=x`: keep a hash route's path, masked; drop its parameters.
    u.hash = maskPath(hash.split(/[?&=]/)[0]!);
  } else if (hash.includes('=') || maskSecrets(decode(hash)) !== decode(hash)) {
    // `#access_token=…`, `#code=…&state=…`, `#jane@x.com`: not an anchor.
    u.hash = '';
  }
  return showMasks(u.href);
}

/** Masks are percent-encoded inside a URL (`%5Bemail%5D`): show them as written. */
export const showMasks = (text: string): string => text.replace(/%5B(email|secret)%5D/gi, '[$1]');

/** True when the visitor sends Global Privacy Control (and/or DNT when asked to respect it). */
export function privacySignal(nav: Navigator | undefined, respectGPC: boolean, respectDNT: boolean): boolean {
  const n = nav as (Navigator & { globalPrivacyControl?: boolean; doNotTrack?: string | null; msDoNotTrack?: string }) | undefined;
  return (
    !!n &&
    ((respectGPC && n.globalPrivacyControl === true) ||
      (respectDNT && ['1', 'yes'].includes(n.doNotTrack ?? (globalThis as { doNotTrack?: string }).doNotTrack ?? n.msDoNotTrack!)))
  );
}
