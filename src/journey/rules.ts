/** Stage rules: validate and compile once, then match each event cheaply. */
import type { StageRule, WaymarkEvent } from '../types';
import { compileHostGlob, compilePathGlob, pathGlobKey, pathKeys } from './glob';

/** What a rule is matched against. */
export interface MatchInput {
  event: WaymarkEvent;
  /** The element behind a click or form event (for `selector`). */
  element?: Element | null;
  /** The page URL as the visitor sees it, unscrubbed (for `query`). */
  url: string;
  /** The raw referrer (for `referrer`). */
  referrer: string;
}

/** A validated rule, ready to match. Treat as opaque and immutable. */
export interface CompiledRule {
  readonly name: string;
  readonly stage: string;
  readonly types?: readonly string[];
  readonly events?: ReadonlySet<string>;
  readonly paths?: readonly RegExp[];
  /** Path segments one of which a matching path must have; absent when some glob has none. */
  readonly pathKeys?: readonly string[];
  readonly query?: ReadonlyArray<readonly [key: string, value: string]>;
  readonly referrers?: readonly RegExp[];
  readonly selector?: string;
  readonly match?: (event: WaymarkEvent) => boolean;
  /** Reports a throwing `match` once. */
  readonly warn: (error: unknown) => void;
}

/** The result of a match: the stage and the name of the rule that set it. */
export interface StageMatch {
  stage: string;
  rule: string;
}

const FIELDS = ['stage', 'name', 'type', 'path', 'selector', 'event', 'query', 'referrer', 'match'];

type Fail = (field: string, problem: string) => null;

function list(value: unknown, field: string, fail: Fail): string[] | null {
  const items = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(items) || !items.length) return fail(field, 'must be a string or a non-empty array of strings');
  for (const item of items) {
    if (typeof item !== 'string' || !item) return fail(field, 'must contain only non-empty strings');
  }
  return items as string[];
}

function validSelector(selector: string): boolean {
  if (typeof document === 'undefined') return true;
  try {
    document.createDocumentFragment().querySelector(selector);
    return true;
  } catch {
    return false;
  }
}

function compileOne(raw: unknown, index: number, stages: ReadonlySet<string>, order: readonly string[], log: (msg: string) => void): CompiledRule | null {
  const rule = raw as Record<string, unknown>;
  const label = rule && typeof rule === 'object' && typeof rule.name === 'string' && rule.name ? `"${rule.name}" (#${index})` : `#${index}`;
  const fail: Fail = (field, problem) => {
    log(`stage rule ${label} skipped: ${field ? `\`${field}\` ` : ''}${problem}`);
    return null;
  };
  if (!rule || typeof rule !== 'object' || Array.isArray(rule)) return fail('', 'is not an object');
  for (const key of Object.keys(rule)) if (!FIELDS.includes(key)) return fail(key, 'is not a rule field (one of ' + FIELDS.join(', ') + ')');
  const { stage, name, type, path, selector, event, query, referrer, match } = rule;

  if (typeof stage !== 'string' || !stage) return fail('stage', 'is missing or not a string');
  if (!stages.has(stage)) return fail('stage', `"${stage}" is not in stages.order (${order.join(', ')})`);
  if (name !== undefined && (typeof name !== 'string' || !name)) return fail('name', 'must be a non-empty string');
  // Every field present, in one order: all compiled rules share one shape, so matching stays monomorphic and fast.
  const out: { -readonly [K in keyof CompiledRule]: CompiledRule[K] } = {
    name: (name as string | undefined) || `rule-${index}`,
    stage,
    types: undefined,
    events: undefined,
    paths: undefined,
    pathKeys: undefined,
    query: undefined,
    referrers: undefined,
    selector: undefined,
    match: undefined,
    warn: (error) => {
      out.warn = () => {};
      log(`stage rule ${label}: \`match\` threw, treated as no match: ${String(error)}`);
    },
  };
  let conditions = 0;

  if (type !== undefined) {
    const types = list(type, 'type', fail);
    if (!types) return null;
    out.types = types;
    conditions++;
  }
  if (event !== undefined) {
    const names = list(event, 'event', fail);
    if (!names) return null;
    out.events = new Set(names);
    conditions++;
  }
  if (path !== undefined) {
    const globs = list(path, 'path', fail);
    if (!globs) return null;
    const paths = [];
    const keys = [];
    for (const glob of globs) {
      const re = compilePathGlob(glob);
      if (!re) return fail('path', `"${glob}" is not a valid path glob (use /segments with * and **)`);
      paths.push(re);
      keys.push(pathGlobKey(glob));
    }
    out.paths = paths;
    if (!keys.includes('')) out.pathKeys = keys;
    conditions++;
  }
  if (referrer !== undefined) {
    const globs = list(referrer, 'referrer', fail);
    if (!globs) return null;
    const res = [];
    for (const glob of globs) {
      const re = compileHostGlob(glob);
      if (!re) return fail('referrer', `"${glob}" is not a valid host glob (e.g. *.google.*)`);
      res.push(re);
    }
    out.referrers = res;
    conditions++;
  }
  if (query !== undefined) {
    if (!query || typeof query !== 'object' || Array.isArray(query)) return fail('query', 'must be an object of parameter: value');
    const pairs: Array<readonly [string, string]> = [];
    for (const [key, value] of Object.entries(query)) {
      if (!key || key.indexOf('*') !== (key.endsWith('*') ? key.length - 1 : -1) || key === '*') {
        return fail('query', `parameter "${key}" must be a name, optionally ending in * (e.g. utm_*)`);
      }
      if (typeof value !== 'string' || !value) return fail('query', `value of "${key}" must be a non-empty string ('*' = present)`);
      pairs.push([key.toLowerCase(), value]);
    }
    if (!pairs.length) return fail('query', 'is empty');
    out.query = pairs;
    conditions++;
  }
  if (selector !== undefined) {
    if (typeof selector !== 'string' || !selector.trim()) return fail('selector', 'must be a non-empty string');
    if (!validSelector(selector)) return fail('selector', `"${selector}" is not a valid CSS selector`);
    out.selector = selector;
    conditions++;
  }
  if (match !== undefined) {
    if (typeof match !== 'function') return fail('match', 'must be a function (event) => boolean');
    out.match = match as CompiledRule['match'];
    conditions++;
  }
  if (!conditions) return fail('', "has no condition and would match every event (use path: '/**' if you mean that)");
  return out;
}

/**
 * Validate and compile stage rules once. A rule with any bad field (unknown
 * field, wrong type, stage not in `order`, bad glob or selector, no
 * condition) is skipped whole, never widened, with one `log` message naming
 * the rule (`"name" (#index)` or `#index`) and the field. Unnamed rules are
 * called `rule-<index>`.
 */
export function compileRules(rules: readonly StageRule[], order: readonly string[], log: (msg: string) => void): CompiledRule[] {
  if (!Array.isArray(rules)) {
    if (rules !== undefined) log('stage rules skipped: `stages.rules` must be an array');
    return [];
  }
  const stages = new Set(order);
  const out: CompiledRule[] = [];
  rules.forEach((rule, i) => {
    const compiled = compileOne(rule, i, stages, order, log);
    if (compiled) out.push(compiled);
  });
  return out;
}

/**
 * Rules of one event type (order kept), indexed per condition so an event only
 * tests the rules that can match it. Bit sets hold one bit per rule: `lacks*`
 * marks the rules without that condition (they pass it trivially).
 */
interface Group {
  rules: CompiledRule[];
  lacksPath: Uint32Array;
  /** Path segment → the rules whose globs need it; `anyPath`: rules some path glob of which has no literal segment. */
  byKey: Map<string, number[]>;
  anyPath: number[];
  /** path → bit set of the rules passing the path condition (most events share their page's path). */
  pathCache: Map<string, Uint32Array>;
  lacksQuery: Uint32Array;
  /** Parameter → the query rules whose first exact parameter it is; `anyQuery`: rules with only prefix keys. */
  byParam: Map<string, number[]>;
  anyQuery: number[];
  lacksReferrer: Uint32Array;
  referrerRules: number[];
  lacksEvent: Uint32Array;
  byEvent: Map<string, number[]>;
  lacksSelector: Uint32Array;
  /** Token (`#id`, `.class`, `[attr`, `[attr=value`) one of which an element or ancestor must carry → selector rules. */
  byToken: Map<string, number[]>;
  anySelector: number[];
  /** Attributes named in tokens (`id` and `class` for `#`/`.` tokens), and those whose values are. */
  attrs: Set<string>;
  valueAttrs: Set<string>;
}
interface Index {
  byType: Map<string, Group>;
  any: Group;
  /** The last URL's parsed parameters and the last referrer's host: every event of a page shares them. */
  url?: string;
  params?: Map<string, string[]>;
  referrer?: string;
  host?: string;
}
const indexes = new WeakMap<readonly CompiledRule[], Index>();
const PATH_CACHE = 64;
const MAX_PATH = 2048;

const bitSet = (n: number): Uint32Array => new Uint32Array((n + 31) >>> 5);
const set = (bits: Uint32Array, i: number): void => {
  bits[i >>> 5]! |= 1 << (i & 31);
};
const and = (bits: Uint32Array, other: Uint32Array): void => {
  for (let w = 0; w < bits.length; w++) bits[w]! &= other[w]!;
};

function push<K>(map: Map<K, number[]>, key: K, i: number): void {
  const list = map.get(key);
  if (list) {
    if (list[list.length - 1] !== i) list.push(i);
  } else map.set(key, [i]);
}

function group(rules: CompiledRule[]): Group {
  const n = rules.length;
  const g: Group = {
    rules,
    lacksPath: bitSet(n),
    byKey: new Map(),
    anyPath: [],
    pathCache: new Map(),
    lacksQuery: bitSet(n),
    byParam: new Map(),
    anyQuery: [],
    lacksReferrer: bitSet(n),
    referrerRules: [],
    lacksEvent: bitSet(n),
    byEvent: new Map(),
    lacksSelector: bitSet(n),
    byToken: new Map(),
    anySelector: [],
    attrs: new Set(),
    valueAttrs: new Set(),
  };
  rules.forEach((r, i) => {
    const tokens = r.selector ? selectorTokens(r.selector) : null;
    if (!r.selector) set(g.lacksSelector, i);
    else if (!tokens) g.anySelector.push(i);
    else {
      for (const t of tokens) {
        push(g.byToken, t, i);
        const eq = t.indexOf('=');
        if (eq > 0) g.valueAttrs.add(t.slice(1, eq));
        g.attrs.add(t[0] === '#' ? 'id' : t[0] === '.' ? 'class' : t.slice(1, eq > 0 ? eq : undefined));
      }
    }
    if (!r.paths) set(g.lacksPath, i);
    else if (!r.pathKeys) g.anyPath.push(i);
    else for (const key of r.pathKeys) push(g.byKey, key, i);
    const exact = r.query?.find(([key]) => !key.endsWith('*'));
    if (!r.query) set(g.lacksQuery, i);
    else if (exact) push(g.byParam, exact[0], i);
    else g.anyQuery.push(i);
    if (!r.referrers) set(g.lacksReferrer, i);
    else g.referrerRules.push(i);
    if (!r.events) set(g.lacksEvent, i);
    else for (const name of r.events) push(g.byEvent, name, i);
  });
  return g;
}

function indexOf(rules: readonly CompiledRule[]): Index {
  let index = indexes.get(rules);
  if (!index) {
    const types = new Set<string>();
    for (const r of rules) if (r.types) for (const t of r.types) types.add(t);
    const byType = new Map<string, Group>();
    for (const t of types) byType.set(t, group(rules.filter((r) => !r.types || r.types.includes(t))));
    index = { byType, any: group(rules.filter((r) => !r.types)) };
    indexes.set(rules, index);
  }
  return index;
}

function parseParams(url: string): Map<string, string[]> {
  const params = new Map<string, string[]>();
  const hash = url.indexOf('#');
  const parts = [hash < 0 ? url : url.slice(0, hash)];
  // Hash routers keep their query after the hash: `/#/landing?utm_source=x`.
  if (hash >= 0) parts.push(url.slice(hash + 1));
  for (const part of parts) {
    const q = part.indexOf('?');
    if (q < 0) continue;
    for (const pair of part.slice(q + 1).split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      const key = decode(eq < 0 ? pair : pair.slice(0, eq)).toLowerCase();
      const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
      const values = params.get(key);
      if (values) values.push(value);
      else params.set(key, [value]);
    }
  }
  return params;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function hostOf(url: string): string {
  if (!url) return '';
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return '';
  }
}

function queryHolds(query: CompiledRule['query'] & object, params: Map<string, string[]>): boolean {
  for (const [key, want] of query) {
    let found = false;
    if (key.endsWith('*')) {
      const prefix = key.slice(0, -1);
      for (const [k, values] of params) {
        if (k.startsWith(prefix) && (want === '*' || values.includes(want))) {
          found = true;
          break;
        }
      }
    } else {
      const values = params.get(key);
      found = !!values && (want === '*' || values.includes(want));
    }
    if (!found) return false;
  }
  return true;
}

/** Whether `element` or an ancestor matches the selector. */
function closest(element: Element | null | undefined, selector: string): boolean {
  if (!element || typeof element.closest !== 'function') return false;
  try {
    return element.closest(selector) !== null;
  } catch {
    return false;
  }
}

/** Split at top-level `sep` characters (outside brackets, parentheses and quotes). */
function splitTop(s: string, seps: string): Array<[part: string, end: number]> {
  const parts: Array<[string, number]> = [];
  let depth = 0;
  let quote = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (!depth && seps.includes(c)) {
      parts.push([s.slice(from, i), i]);
      from = i + 1;
    }
  }
  parts.push([s.slice(from), s.length]);
  return parts;
}

const ATTR = /^\s*([-\w]+)\s*(?:([~|^$*]?=)\s*(?:"([^"]*)"|'([^']*)'|([-\w]+))\s*([is])?\s*)?$/i;

/**
 * Tokens one of which the element matched by `selector` must carry, or null
 * when that cannot be told cheaply. Each complex selector of the list gives
 * one token from its subject (last) compound, outside any `:not(…)`-like
 * parentheses: `#id`, then `[attr=value`, `.class`, `[attr` (all lowercased).
 * A superset test: it may keep a rule that cannot match, never drop one that can.
 */
function selectorTokens(selector: string): string[] | null {
  if (selector.includes('\\')) return null;
  const tokens: string[] = [];
  for (const [complex] of splitTop(selector, ',')) {
    const compounds = splitTop(complex.trim(), ' >+~\n\t');
    const subject = compounds[compounds.length - 1]![0];
    const found: string[] = ['', '', '', ''];
    let depth = 0;
    for (let i = 0; i < subject.length; i++) {
      const c = subject[i]!;
      if (c === '(') depth++;
      else if (c === ')') depth--;
      else if (depth) continue;
      else if (c === '#' || c === '.') {
        const name = /^[^\s.#[\]:()>+~,*|]+/.exec(subject.slice(i + 1))?.[0];
        if (name) found[c === '#' ? 0 : 2] = c + name.toLowerCase();
      } else if (c === '[') {
        const close = splitTop(subject.slice(i), ']')[0]![1] + i;
        const m = ATTR.exec(subject.slice(i + 1, close));
        if (!m) return null;
        const value = m[3] ?? m[4] ?? m[5];
        if (m[2] === '=' && value !== undefined && !found[1]) found[1] = `[${m[1]!.toLowerCase()}=${value.toLowerCase()}`;
        else found[3] = '[' + m[1]!.toLowerCase();
        i = close;
      }
    }
    const token = found.find(Boolean);
    if (!token) return null;
    tokens.push(token);
  }
  return tokens;
}

/** The tokens of an element and its ancestors (see `selectorTokens`), or null when they cannot be read. */
function elementTokens(element: Element, g: Group): Set<string> | null {
  const out = new Set<string>();
  try {
    for (let e: Element | null = element; e; e = e.parentElement) {
      for (const raw of e.getAttributeNames()) {
        const name = raw.toLowerCase();
        if (!g.attrs.has(name)) continue;
        out.add('[' + name);
        const value = (e.getAttribute(raw) ?? '').toLowerCase();
        if (name === 'id') out.add('#' + value);
        else if (name === 'class') for (const c of value.split(/\s+/)) c && out.add('.' + c);
        if (g.valueAttrs.has(name)) out.add(`[${name}=${value}`);
      }
    }
    return out;
  } catch {
    return null;
  }
}

/** The rules of `g` passing the path condition for `raw` (cached per path); globs run only for rules indexed under one of its segments. */
function pathBits(g: Group, raw: string): Uint32Array {
  let bits = g.pathCache.get(raw);
  if (!bits) {
    bits = g.lacksPath.slice();
    // Globs are tested on paths of sane length only: bounds the regex work on hostile URLs.
    if (raw.length > MAX_PATH) return bits;
    const path = raw.toLowerCase().replace(/\/+$/, '');
    const test = (i: number): void => {
      if (g.rules[i]!.paths!.some((re) => re.test(path))) set(bits!, i);
    };
    g.anyPath.forEach(test);
    const tested = new Set<number>();
    for (const key of pathKeys(raw)) {
      for (const i of g.byKey.get(key) ?? []) {
        if (!tested.has(i)) tested.add(i), test(i);
      }
    }
    if (g.pathCache.size >= PATH_CACHE) g.pathCache.clear();
    g.pathCache.set(raw, bits);
  }
  return bits;
}

/** Selector, then `match`: the conditions that need the element or user code, tried in rule order. */
function finalHolds(r: CompiledRule, input: MatchInput): boolean {
  if (r.selector && !closest(input.element, r.selector)) return false;
  if (r.match) {
    try {
      return !!r.match(input.event);
    } catch (error) {
      r.warn(error);
      return false;
    }
  }
  return true;
}

/**
 * The stage for one event: the first compiled rule whose conditions all hold,
 * or null. Never throws; a throwing `match` counts as no match (reported once
 * per rule). Site rules and defaults can be concatenated into one array.
 */
export function matchStage(rules: readonly CompiledRule[], input: MatchInput): StageMatch | null {
  if (!rules.length || !input || !input.event) return null;
  const index = indexOf(rules);
  const { event } = input;
  const g = index.byType.get(event.type) ?? index.any;
  if (!g.rules.length) return null;
  // Candidates: the rules passing path, query, referrer and event name, found through the indexes.
  const bits = pathBits(g, typeof event.page?.path === 'string' ? event.page.path : '').slice();
  if (g.byParam.size || g.anyQuery.length) {
    const url = String(input.url || '');
    if (index.url !== url) (index.url = url), (index.params = parseParams(url));
    const params = index.params!;
    const pass = g.lacksQuery.slice();
    const test = (i: number): void => {
      if (queryHolds(g.rules[i]!.query!, params)) set(pass, i);
    };
    g.anyQuery.forEach(test);
    for (const key of params.keys()) g.byParam.get(key)?.forEach(test);
    and(bits, pass);
  }
  if (g.referrerRules.length) {
    const referrer = String(input.referrer || '');
    if (index.referrer !== referrer) (index.referrer = referrer), (index.host = hostOf(referrer));
    const host = index.host!;
    const pass = g.lacksReferrer.slice();
    if (host) for (const i of g.referrerRules) if (g.rules[i]!.referrers!.some((re) => re.test(host))) set(pass, i);
    and(bits, pass);
  }
  if (g.byEvent.size) {
    const pass = g.lacksEvent.slice();
    const named = typeof event.name === 'string' ? g.byEvent.get(event.name) : undefined;
    if (named) for (const i of named) set(pass, i);
    and(bits, pass);
  }
  if (g.byToken.size || g.anySelector.length) {
    const pass = g.lacksSelector.slice();
    const el = input.element;
    if (el) {
      g.anySelector.forEach((i) => set(pass, i));
      const tokens = elementTokens(el, g);
      if (tokens) {
        for (const t of tokens) g.byToken.get(t)?.forEach((i) => set(pass, i));
      } else g.byToken.forEach((list) => list.forEach((i) => set(pass, i)));
    }
    and(bits, pass);
  }
  for (let w = 0; w < bits.length; w++) {
    let word = bits[w]!;
    while (word) {
      const low = word & -word;
      const i = (w << 5) + 31 - Math.clz32(low);
      word ^= low;
      const r = g.rules[i]!;
      if (finalHolds(r, input)) return { stage: r.stage, rule: r.name };
    }
  }
  return null;
}
