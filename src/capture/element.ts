/** Describe an element safely: which element was acted on, never what a visitor typed. */
import type { TargetInfo } from '../types';
import { maskText } from '../privacy';
import type { CaptureContext } from './context';

/** Links a visitor can follow. */
export const LINK = 'a[href],area[href]';

/** What counts as something a visitor acts on (a click on plain content is not captured). */
const ACTIONABLE =
  LINK + ',button,input[type=submit],input[type=button],input[type=reset],input[type=image],' +
  '[role=button],[role=link],[data-waymark]';

/** The ignore selector used when the configured one is not a valid selector. */
const FALLBACK_IGNORE = '[data-waymark-ignore]';

const MAX_TEXT = 100;
// Text gathered before masking: enough to mask what ends up in the first 100 characters.
const MAX_RAW_TEXT = 1000;
// Marks element boundaries in gathered text: a space, unless it sits next to an `@` or `.`.
const SEP = '\u0001';

// File extensions that make a link a download (Plausible and Amplitude ship similar lists).
const DOWNLOAD_EXT =
  /\.(?:pdf|zip|rar|7z|t?gz|bz2|xz|tar|dmg|exe|msi|pkg|deb|rpm|apk|ipa|iso|csv|xlsx?|docx?|pptx?|od[tsp]|rtf|txt|epub|mobi|mp[34]|wav|flac|mov|avi|mkv|wmv|ics|vcf)$/i;

// Values (not labels) live in these, so their content is never read as text.
const NO_TEXT_TAGS = /^(?:input|textarea|select|option|script|style|noscript|template)$/;

// Classes that describe a state rather than an element: they come and go, so they make unstable selectors.
const STATE_CLASS =
  /^(?:is-|has-)|^(?:active|selected|open(?:ed)?|hover|focus(?:ed)?|disabled|visible|hidden|shown?|collapsed|expanded|current|checked|loading)$/i;
// CSS-in-JS and framework prefixes whose classes are generated per build.
const GENERATED_PREFIX = /^(?:css|sc|jsx|svelte|emotion|styled|tw|ng|astro|vue|ember)-/i;

/** Options for `describeElement`. */
export interface DescribeOptions {
  /** Scrub a URL the way every URL leaving the page is scrubbed. */
  scrub(url: string): string;
  /** Descendants matching this are left out of the element's text. */
  ignoreSelector?: string;
  /** Host of the page, to flag outbound links; defaults to the element's document location. */
  pageHost?: string;
}

/** Options every capture listener is added with: capture phase (before the page's handlers), passive. */
export const PASSIVE: AddEventListenerOptions = { capture: true, passive: true };

/** Wrap a listener so an error in it is swallowed silently: capture must never break the host page. */
export const quiet =
  <A extends unknown[]>(fn: (...args: A) => unknown) =>
  (...args: A): void => {
    try {
      fn(...args);
    } catch {
      /* never break the host page */
    }
  };

/** The lower-cased tag name, the same in HTML and XHTML documents. */
export const tagOf = (el: Element): string => el.tagName.toLowerCase();

/** An attribute, collapsed, masked and bounded like any text (undefined when absent or empty). */
export const attrText = (el: Element | null | undefined, name: string): string | undefined =>
  bound(el?.getAttribute(name));

/** The first of `names` whose attribute has text (see `attrText`). */
export const firstAttrText = (el: Element, names: string[]): string | undefined =>
  names.map((name) => attrText(el, name)).find(Boolean);

/** The element an event really belongs to: `composedPath()[0]` (inside open shadow roots) or the target. */
export function eventElement(event: Event): Element | null {
  const first = (event.composedPath?.()[0] ?? event.target) as Node | null;
  return isElement(first) ? first : null;
}

/** True for element nodes, across windows and realms. */
export function isElement(node: unknown): node is Element {
  return !!node && (node as Node).nodeType === 1;
}

/** The parent element, stepping out of shadow roots to their host. */
function parentOf(el: Element): Element | null {
  const root = el.parentNode as (Node & { host?: Element }) | null;
  return el.parentElement ?? (root?.nodeType === 11 && isElement(root.host) ? root.host : null);
}

/** `el.matches(selector)`, false for a bad selector. */
function matches(el: Element, selector: string): boolean {
  try {
    return el.matches(selector);
  } catch {
    return false;
  }
}

/**
 * The nearest actionable element at or above `el` (a link, a button, a marked
 * element), so a click on an inner icon or span counts for its button; `null`
 * for plain content.
 */
export const actionableAncestor = (el: Element | null): Element | null => closestAcross(el, ACTIONABLE);

/** Like `closest`, but stepping out of shadow roots to their host; never throws on a bad selector. */
function closestAcross(el: Element | null, selector: string): Element | null {
  for (let node = el; node; node = parentOf(node)) if (matches(node, selector)) return node;
  return null;
}

/** True when `el` or any ancestor (across shadow roots) matches `ignoreSelector`. */
export function isIgnored(el: Element, ignoreSelector: string): boolean {
  let selector = ignoreSelector || FALLBACK_IGNORE;
  try {
    el.matches(selector);
  } catch {
    selector = FALLBACK_IGNORE; // a bad selector must not switch ignoring off
  }
  return !!closestAcross(el, selector);
}

/** True for an element that switches editing on itself (`contenteditable` other than "false"). */
const editsItself = (el: Element | null): boolean => {
  const ce = el?.getAttribute('contenteditable');
  return ce != null && ce !== 'false';
};

/** The `contenteditable` host a visitor types into at or above `el`, or null. */
export function editableHost(el: Element): Element | null {
  const host = el.closest('[contenteditable]');
  return editsItself(host) ? host : null;
}

/**
 * Visible text of an element, whitespace collapsed, masked and bounded. Skips
 * form fields, editable content and ignored descendants: labels, never typed data.
 */
export function safeText(el: Element, ignoreSelector?: string): string | undefined {
  if (editableHost(el)) return undefined;
  let raw = '';
  const walk = (node: Node): void => {
    for (let child = node.firstChild; child && raw.length < MAX_RAW_TEXT; child = child.nextSibling) {
      if (child.nodeType === 3) raw += child.nodeValue ?? '';
      else if (isElement(child) && !NO_TEXT_TAGS.test(tagOf(child)) && !editsItself(child) && !isIgnoredSelf(child, ignoreSelector)) {
        raw += SEP;
        walk(child);
        raw += SEP;
      }
    }
  };
  walk(el);
  // An address split over elements (`<b>alice</b>@example.com`) is one address:
  // join the pieces around `@` and `.` before masking, so no part of it survives.
  if (raw.includes('@')) raw = raw.replace(/\u0001*([@.])\u0001*/g, '$1');
  return bound(raw.replace(/\u0001/g, ' '));
}

/** True when `el` itself matches the ignore selector or the built-in ignore attribute (no selector: not ignored). */
function isIgnoredSelf(el: Element, selector?: string): boolean {
  return !!selector && (matches(el, selector) || (selector !== FALLBACK_IGNORE && matches(el, FALLBACK_IGNORE)));
}

/** Collapse whitespace, mask e-mail/phone/card runs, then cut to 100 characters. */
export function bound(text: string | null | undefined): string | undefined {
  const clean = text && maskText(text.slice(0, MAX_RAW_TEXT).replace(/\s+/g, ' ').trim());
  if (!clean) return undefined;
  return clean.length > MAX_TEXT ? clean.slice(0, MAX_TEXT - 1).trimEnd() + '…' : clean;
}

/** The label of an element: its text, or for icon-only controls `aria-label`, `title` or an image's `alt`. */
function labelOf(el: Element, ignoreSelector?: string): string | undefined {
  if (tagOf(el) === 'input') {
    // The type as the browser reads it: lower-cased, 'text' when unknown.
    const type = (el as HTMLInputElement).type;
    // Only button-like inputs: their value is the label on the button, not typed data.
    const label = /^(?:submit|button|reset)$/.test(type) ? bound((el as HTMLInputElement).value) : type === 'image' ? attrText(el, 'alt') : undefined;
    return label ?? attrText(el, 'aria-label');
  }
  const text = safeText(el, ignoreSelector);
  if (text || editableHost(el)) return text;
  return firstAttrText(el, ['aria-label', 'title']) ?? attrText(el.querySelector('img[alt]'), 'alt');
}

/** Add link facts to `out`: scrubbed href, outbound and download flags. */
function addLink(el: Element, opts: DescribeOptions, out: TargetInfo): void {
  const attr = el.getAttribute('href') ?? el.getAttribute('xlink:href');
  if (attr === null || !matches(el, 'a,area')) return;
  let url: URL;
  try {
    url = new URL(attr, el.ownerDocument?.baseURI);
  } catch {
    return;
  }
  const protocol = url.protocol;
  const download = el.hasAttribute('download');
  if (/^https?:$/.test(protocol)) {
    out.href = opts.scrub(url.href);
    const host = opts.pageHost ?? el.ownerDocument?.location?.hostname ?? '';
    if (host && bareHost(url.hostname) !== bareHost(host)) out.outbound = true;
    if (download || DOWNLOAD_EXT.test(url.pathname)) out.download = true;
  } else if (/^(?:mailto|tel|sms):$/.test(protocol)) {
    // The address is personal data; keep only what kind of link it was.
    out.href = protocol + (protocol === 'mailto:' ? '[email]' : '[phone]');
  } else if (download && /^(?:blob|data):$/.test(protocol)) out.download = true;
  // javascript: and other schemes: no href.
}

const bareHost = (host: string): string => host.toLowerCase().replace(/^www\./, '');

/** Describe an element the way every capture module does, with the context's scrubbing and ignore selector. */
export const describeIn = (ctx: CaptureContext, el: Element): TargetInfo =>
  describeElement(el, { scrub: ctx.scrub, ignoreSelector: ctx.privacy.ignoreSelector, pageHost: ctx.win.location?.hostname });

/** Describe an element for a `click` event: tag, id, masked text, scrubbed href, selector and link flags. */
export function describeElement(el: Element, opts: DescribeOptions): TargetInfo {
  const info: TargetInfo = { tag: tagOf(el), selector: cssPath(el) };
  const id = attrText(el, 'id');
  const text = labelOf(el, opts.ignoreSelector);
  if (id) info.id = id;
  if (text) info.text = text;
  addLink(el, opts, info);
  return info;
}

/** True for ids and classes that look hand-written (not generated per build or per render). */
export function isStableToken(token: string): boolean {
  // Hash-like tail, e.g. `Button_primary__3xYz1`: letters and 2+ digits mixed in a 5+ character chunk.
  const tail = token.split(/[-_]+/).pop()!;
  return (
    /^[A-Za-z][\w-]*$/.test(token) && // also rules out React's `:r1:` ids and Tailwind's `md:flex`
    !/\d{3}/.test(token) &&
    !GENERATED_PREFIX.test(token) &&
    !(tail.length >= 5 && /[A-Za-z]/.test(tail) && /\d.*\d/.test(tail))
  );
}

/** Up to two classes that are hand-written and not a state. */
const stableClasses = (el: Element): string[] =>
  (el.getAttribute('class') ?? '')
    .split(/\s+/)
    .filter((c) => c && isStableToken(c) && !STATE_CLASS.test(c))
    .slice(0, 2);

/** An anchor that makes a selector unique and stable on its own: `#id` or `tag[data-waymark="…"]`. */
function anchorOf(el: Element): string | undefined {
  const id = el.getAttribute('id');
  if (id && isStableToken(id)) return '#' + id;
  const mark = el.getAttribute('data-waymark');
  if (mark && /^[\w .:/-]{1,80}$/.test(mark)) return `${tagOf(el)}[data-waymark="${mark}"]`;
  return undefined;
}

/**
 * A short, stable CSS path: `#id`, `tag[data-waymark="…"]`, or up to four
 * `tag.class` steps with `:nth-of-type` where siblings would be ambiguous.
 * Generated-looking ids and classes are left out.
 */
export function cssPath(el: Element): string {
  const parts: string[] = [];
  for (let node: Element | null = el; node && parts.length < 4; node = node.parentElement) {
    const anchor = anchorOf(node);
    if (anchor) {
      parts.unshift(anchor);
      break;
    }
    const tag = tagOf(node);
    if (tag === 'html' || (tag === 'body' && parts.length)) break;
    const classes = stableClasses(node);
    const same = Array.from(node.parentElement?.children ?? []).filter((c) => c.tagName === node!.tagName);
    // Position only where a sibling of the same tag also has all these classes.
    const twins = same.filter((c) => classes.every((k) => c.classList.contains(k)));
    parts.unshift(tag + classes.map((c) => '.' + c).join('') + (twins.length > 1 ? `:nth-of-type(${same.indexOf(node) + 1})` : ''));
  }
  return parts.join(' > ');
}
