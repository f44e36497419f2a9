/** Stage rules: validate and compile once, then match each event cheaply. */
import { hostOf } from '../lib/url';
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
  readonly referrers?: readonly RegExp[];
  readonly query?: ReadonlyArray<readonly [key: string, value: string]>;
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
const NON_EMPTY = 'must be a non-empty string';

/** Rejects the rule being compiled: `compileOne` logs "stage rule <label> skipped: `<field>` <problem>". */
function bad(problem: string, field?: string): never {
  throw Error(field ? `\`${field}\` ${problem}` : problem);
}

/** A string or a non-empty list of non-empty strings, as a list. */
function list(value: unknown, field: string): string[] {
  const items = typeof value === 'string' ? [value] : value;
  // Spread: a hole in a sparse array counts as a bad item.
  if (!Array.isArray(items) || !items.length || [...items].some((item) => typeof item !== 'string' || !item)) {
    bad(NON_EMPTY + ' or array of them', field);
  }
  return items;
}

function globs(value: unknown, field: string, compile: (glob: string) => RegExp | null, what: string): RegExp[] {
  return list(value, field).map((glob) => compile(glob) ?? bad(`"${glob}" is not a valid ${what}`, field));
}

function queryPairs(query: unknown): Array<readonly [string, string]> {
  const entries = query && typeof query === 'object' && !Array.isArray(query) ? Object.entries(query) : [];
  if (!entries.length) bad('must be { parameter: value }', 'query');
  return entries.map(([key, value]) => {
    // A name, or a prefix ending in one `*` (`utm_*`); a lone `*` would be any parameter.
    if (!/^[^*]+\*?$/.test(key)) bad(`parameter "${key}" is not a name or prefix* (utm_*)`, 'query');
    if (typeof value !== 'string' || !value) bad(`value of "${key}" ${NON_EMPTY}`, 'query');
    return [key.toLowerCase(), value];
  });
}

function checkSelector(selector: unknown): string {
  if (typeof selector !== 'string' || !selector.trim()) bad(NON_EMPTY, 'selector');
  try {
    if (typeof document !== 'undefined') document.createDocumentFragment().querySelector(selector);
  } catch {
    bad(`"${selector}" is not a valid CSS selector`, 'selector');
  }
  return selector;
}

/** `check(value)` for a field that is present, undefined for one that is absent. */
const opt = <T>(value: unknown, check: (value: unknown) => T): T | undefined => (value === undefined ? undefined : check(value));

function compileOne(raw: unknown, index: number, order: readonly string[], log: (msg: string) => void): CompiledRule | null {
  const rule = raw as Record<string, unknown>;
  const label = rule && typeof rule === 'object' && typeof rule.name === 'string' && rule.name ? `"${rule.name}" (#${index})` : `#${index}`;
  try {
    if (!rule || typeof rule !== 'object' || Array.isArray(rule)) bad('is not an object');
    for (const key of Object.keys(rule)) if (!FIELDS.includes(key)) bad(`is not a rule field (one of ${FIELDS.join(', ')})`, key);
    const { stage, name, type, path, selector, event, query, referrer, match } = rule;
    if (typeof stage !== 'string' || !order.includes(stage)) {
      bad(`${typeof stage === 'string' ? `"${stage}" ` : ''}is not in stages.order (${order.join(', ')})`, 'stage');
    }
    if (name !== undefined && (typeof name !== 'string' || !name)) bad(NON_EMPTY, 'name');
    if ([type, path, selector, event, query, referrer, match].every((v) => v === undefined)) {
      bad("has no condition (path: '/**' matches every page)");
    }
    // Every field present, in one order: all compiled rules share one shape, so matching stays monomorphic and fast.
    const out: { -readonly [K in keyof CompiledRule]: CompiledRule[K] } = {
      name: (name as string | undefined) || `rule-${index}`,
      stage,
      types: opt(type, (v) => list(v, 'type')),
      events: opt(event, (v) => new Set(list(v, 'event'))),
      paths: opt(path, (v) => globs(v, 'path', compilePathGlob, 'path glob (use /segments with * and **)')),
      pathKeys: undefined,
      referrers: opt(referrer, (v) => globs(v, 'referrer', compileHostGlob, 'host glob')),
      query: opt(query, queryPairs),
      selector: opt(selector, checkSelector),
      match: opt(match, (v) => (typeof v === 'function' ? (v as CompiledRule['match']) : bad('must be a function', 'match'))),
      warn: (error) => {
        out.warn = () => {};
        log(`stage rule ${label}: \`match\` threw (no match): ${String(error)}`);
      },
    };
    const keys = out.paths && list(path, 'path').map(pathGlobKey);
    if (!keys?.includes('')) out.pathKeys = keys;
    return out;
  } catch (error) {
    log(`stage rule ${label} skipped: ${(error as Error)?.message}`);
    return null;
  }
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
  return rules.flatMap((rule, i) => compileOne(rule, i, order, log) ?? []);
}

/** One condition's index over the rules of a group (bit sets hold one bit per rule). */
interface Cond {
  /** The rules without the condition: they pass it trivially. */
  lacks: Uint32Array;
  /** Key → the rules that can hold only for an event with that key. */
  by: Map<string, number[]>;
  /** The rules with the condition but no key: tested for every event. */
  any: number[];
}

/**
 * Per condition (path, query, referrer, event name, selector), the keys a rule
 * is indexed under: undefined when the rule lacks the condition, null when it
 * has no key. Path: a literal segment per glob; query: its first exact
 * parameter; event: its names; selector: one token per selector of its list.
 */
const KEYS: ReadonlyArray<(r: CompiledRule) => readonly string[] | null | undefined> = [
  (r) => r.paths && (r.pathKeys ?? null),
  (r) => r.query && firstExact(r.query),
  (r) => r.referrers && null,
  (r) => r.events && [...r.events],
  (r) => (r.selector ? selectorTokens(r.selector) : undefined),
];

function firstExact(query: NonNullable<CompiledRule['query']>): string[] | null {
  const exact = query.find(([key]) => !key.endsWith('*'));
  return exact ? [exact[0]] : null;
}

/** Rules of one event type (order kept), indexed per condition so an event only tests the rules that can match it. */
interface Group {
  rules: CompiledRule[];
  /** Indexed by `KEYS`. */
  conds: Cond[];
  /** path → bit set of the rules passing the path condition (most events share their page's path). */
  pathCache: Map<string, Uint32Array>;
  /** Attributes named in selector tokens (`id` and `class` for `#`/`.` tokens), and those whose values are. */
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

const has = (bits: Uint32Array, i: number): number => bits[i >>> 5]! & (1 << (i & 31));
const set = (bits: Uint32Array, i: number): void => {
  bits[i >>> 5]! |= 1 << (i & 31);
};

/** Append `value` to the list under `key`. */
function add<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function group(rules: CompiledRule[]): Group {
  const g: Group = { rules, conds: [], pathCache: new Map(), attrs: new Set(), valueAttrs: new Set() };
  for (const keysOf of KEYS) {
    const c: Cond = { lacks: new Uint32Array((rules.length + 31) >>> 5), by: new Map(), any: [] };
    rules.forEach((r, i) => {
      const keys = keysOf(r);
      if (keys === undefined) set(c.lacks, i);
      else if (!keys) c.any.push(i);
      else for (const key of keys) add(c.by, key, i);
    });
    g.conds.push(c);
  }
  for (const t of g.conds[4]!.by.keys()) {
    const eq = t.indexOf('=');
    if (eq > 0) g.valueAttrs.add(t.slice(1, eq));
    g.attrs.add(t[0] === '#' ? 'id' : t[0] === '.' ? 'class' : t.slice(1, eq > 0 ? eq : undefined));
  }
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

/**
 * Clear from `bits` the rules failing condition `c`. A rule without it passes;
 * a rule with it is tested (`test`) only while still a candidate, and only
 * when it has no key or is indexed under one of `keys` (null: any key).
 */
function narrow(bits: Uint32Array, c: Cond, keys: Iterable<string> | null, test: (i: number) => unknown): Uint32Array {
  const ok = c.lacks.slice();
  const check = (i: number): void => {
    if (has(bits, i) && !has(ok, i) && test(i)) set(ok, i);
  };
  c.any.forEach(check);
  if (keys) for (const key of keys) c.by.get(key)?.forEach(check);
  else c.by.forEach((list) => list.forEach(check));
  for (let w = 0; w < bits.length; w++) bits[w]! &= ok[w]!;
  return bits;
}

/** The query parameters of a URL, keys lowercased, including a hash router's (`/#/landing?utm_source=x`). */
function parseParams(url: string): Map<string, string[]> {
  const params = new Map<string, string[]>();
  const hash = url.indexOf('#');
  for (const part of hash < 0 ? [url] : [url.slice(0, hash), url.slice(hash + 1)]) {
    const q = part.indexOf('?');
    if (q < 0) continue;
    for (const pair of part.slice(q + 1).split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      const key = decode(eq < 0 ? pair : pair.slice(0, eq)).toLowerCase();
      const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
      add(params, key, value);
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

function queryHolds(query: NonNullable<CompiledRule['query']>, params: Map<string, string[]>): boolean {
  const holds = (want: string, values?: string[]): boolean => !!values && (want === '*' || values.includes(want));
  return query.every(([key, want]) => {
    if (!key.endsWith('*')) return holds(want, params.get(key));
    const prefix = key.slice(0, -1);
    for (const [k, values] of params) if (k.startsWith(prefix) && holds(want, values)) return true;
    return false;
  });
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
  const c = g.conds[0]!;
  // Globs are tested on paths of sane length only: bounds the regex work on hostile URLs.
  if (raw.length > MAX_PATH) return c.lacks;
  let bits = g.pathCache.get(raw);
  if (!bits) {
    const path = raw.toLowerCase().replace(/\/+$/, '');
    bits = narrow(new Uint32Array(c.lacks.length).fill(-1), c, pathKeys(raw), (i) => g.rules[i]!.paths!.some((re) => re.test(path)));
    if (g.pathCache.size >= PATH_CACHE) g.pathCache.clear();
    g.pathCache.set(raw, bits);
  }
  return bits;
}

/** Selector, then `match`: the conditions that need the element or user code, tried in rule order. */
function finalHolds(r: CompiledRule, input: MatchInput): boolean {
  try {
    // `closest`: the element or an ancestor matches.
    if (r.selector && !input.element!.closest(r.selector)) return false;
  } catch {
    return false;
  }
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
  const { event, element } = input;
  const g = index.byType.get(event.type) ?? index.any;
  if (!g.rules.length) return null;
  const [, byQuery, byReferrer, byEvent, bySelector] = g.conds as [Cond, Cond, Cond, Cond, Cond];
  // Candidates: the rules passing path, query, referrer, event name and selector tokens, found through the indexes.
  const bits = pathBits(g, typeof event.page?.path === 'string' ? event.page.path : '').slice();
  // A condition no rule of the group has is skipped without reading the event for it.
  const used = (c: Cond): number => c.by.size || c.any.length;
  if (used(byQuery)) {
    const url = String(input.url || '');
    if (index.url !== url) (index.url = url), (index.params = parseParams(url));
    const params = index.params!;
    narrow(bits, byQuery, params.keys(), (i) => queryHolds(g.rules[i]!.query!, params));
  }
  if (used(byReferrer)) {
    const referrer = String(input.referrer || '');
    // `hostOf` keeps the port; referrer globs match the host name alone.
    if (index.referrer !== referrer) (index.referrer = referrer), (index.host = hostOf(referrer).replace(/:\d+$/, ''));
    const host = index.host!;
    narrow(bits, byReferrer, null, (i) => host && g.rules[i]!.referrers!.some((re) => re.test(host)));
  }
  if (used(byEvent)) narrow(bits, byEvent, typeof event.name === 'string' ? [event.name] : [], () => true);
  if (used(bySelector)) narrow(bits, bySelector, element ? elementTokens(element, g) : [], () => element);
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
