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

/** Rejects the rule being compiled; `compileOne` logs "stage rule <label> skipped: <problem>". */
function bad(problem: string): never {
  throw Error(problem);
}

/** A string or a non-empty list of non-empty strings, as a list. */
function list(value: unknown): string[] {
  const items = typeof value === 'string' ? [value] : value;
  // Spread: a hole in a sparse array counts as a bad item.
  if (!Array.isArray(items) || !items.length || [...items].some((item) => typeof item !== 'string' || !item)) {
    bad(NON_EMPTY + ' or array of them');
  }
  return items;
}

const globs = (compile: (glob: string) => RegExp | null, what: string) => (value: unknown): RegExp[] =>
  list(value).map((glob) => compile(glob) ?? bad(`"${glob}" is not a valid ${what}`));

function queryPairs(query: unknown): Array<readonly [string, string]> {
  const entries = query && typeof query === 'object' && !Array.isArray(query) ? Object.entries(query) : [];
  if (!entries.length) bad('must be { parameter: value }');
  return entries.map(([key, value]) => {
    // A name, or a prefix ending in one `*` (`utm_*`); a lone `*` would be any parameter.
    if (!/^[^*]+\*?$/.test(key)) bad(`parameter "${key}" is not a name or prefix*`);
    if (typeof value !== 'string' || !value) bad(`value of "${key}" ${NON_EMPTY}`);
    return [key.toLowerCase(), value];
  });
}

function checkSelector(selector: unknown): string {
  if (typeof selector !== 'string' || !selector.trim()) bad(NON_EMPTY);
  try {
    if (typeof document !== 'undefined') document.createDocumentFragment().querySelector(selector);
  } catch {
    bad(`"${selector}" is not a valid CSS selector`);
  }
  return selector;
}

function compileOne(raw: unknown, index: number, order: readonly string[], log: (msg: string) => void): CompiledRule | null {
  const rule = raw as Record<string, unknown>;
  const label = rule && typeof rule === 'object' && typeof rule.name === 'string' && rule.name ? `"${rule.name}" (#${index})` : `#${index}`;
  /** `check` of the field's value (undefined skipped unless `required`); a problem is reported with the field's name. */
  const field = <T>(name: string, check: (value: unknown) => T, required?: boolean): T | undefined => {
    const value = rule[name];
    try {
      return value === undefined && !required ? undefined : check(value);
    } catch (error) {
      throw Error(`\`${name}\` ${(error as Error).message}`);
    }
  };
  try {
    if (!rule || typeof rule !== 'object' || Array.isArray(rule)) bad('is not an object');
    for (const key of Object.keys(rule)) if (!FIELDS.includes(key)) bad(`\`${key}\` is not a rule field (one of ${FIELDS.join(', ')})`);
    const stage = field(
      'stage',
      (v) => (typeof v === 'string' && order.includes(v) ? v : bad(`${typeof v === 'string' ? `"${v}" ` : ''}is not in stages.order (${order.join(', ')})`)),
      true,
    )!;
    const name = field('name', (v) => (typeof v === 'string' && v ? v : bad(NON_EMPTY)));
    if (FIELDS.slice(2).every((f) => rule[f] === undefined)) bad('has no condition');
    // Every field present, in one order: all compiled rules share one shape, so matching stays monomorphic and fast.
    // Fields are checked in this order too: it decides which problem a rule with several is reported for.
    const out: { -readonly [K in keyof CompiledRule]: CompiledRule[K] } = {
      name: name || `rule-${index}`,
      stage,
      types: field('type', list),
      events: field('event', (v) => new Set(list(v))),
      paths: field('path', globs(compilePathGlob, 'path glob')),
      pathKeys: undefined,
      referrers: field('referrer', globs(compileHostGlob, 'host glob')),
      query: field('query', queryPairs),
      selector: field('selector', checkSelector),
      match: field('match', (v) => (typeof v === 'function' ? (v as CompiledRule['match']) : bad('must be a function'))),
      warn: (error) => {
        out.warn = () => {};
        log(`stage rule ${label}: \`match\` threw (no match): ${String(error)}`);
      },
    };
    const keys = out.paths && list(rule.path).map(pathGlobKey);
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

/** Event type → the rules that apply to it, in order; '' (never a type) → the rules without `type`. */
const indexes = new WeakMap<readonly CompiledRule[], Map<string, CompiledRule[]>>();
const MAX_PATH = 2048;

function byType(rules: readonly CompiledRule[]): Map<string, CompiledRule[]> {
  let index = indexes.get(rules);
  if (!index) {
    index = new Map([['', rules.filter((r) => !r.types)]]);
    for (const r of rules) for (const t of r.types ?? []) if (!index.has(t)) index.set(t, rules.filter((x) => !x.types || x.types.includes(t)));
    indexes.set(rules, index);
  }
  return index;
}

/** `f` remembering its last answer: the events of a page share their URL, referrer and path. */
function last<T>(f: (key: string) => T): (key: string) => T {
  let key: string | undefined;
  let value!: T;
  return (k) => (k === key ? value : (value = f((key = k))));
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** The query parameters of a URL, keys lowercased, including a hash router's (`/#/landing?utm_source=x`). */
const paramsOf = last((url) => {
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
      params.get(key)?.push(value) ?? params.set(key, [value]);
    }
  }
  return params;
});

const referrerHost = last(hostOf);

/** A page path as globs see it, and its segments (the keys of `CompiledRule.pathKeys`); null when too long to test. */
const pathOf = last((raw) =>
  // Globs are tested on paths of sane length only: bounds the regex work on hostile URLs.
  raw.length > MAX_PATH ? null : { path: raw.toLowerCase().replace(/\/+$/, ''), keys: new Set(pathKeys(raw)) },
);

function queryHolds(query: NonNullable<CompiledRule['query']>, params: Map<string, string[]>): boolean {
  const holds = (want: string, values?: string[]): boolean => !!values && (want === '*' || values.includes(want));
  return query.every(([key, want]) => {
    if (!key.endsWith('*')) return holds(want, params.get(key));
    const prefix = key.slice(0, -1);
    for (const [k, values] of params) if (k.startsWith(prefix) && holds(want, values)) return true;
    return false;
  });
}

/** Every condition of `r` holds for `input`: cheap ones first, `match` (user code) last and only then. */
function holds(r: CompiledRule, input: MatchInput): boolean {
  const { event } = input;
  if (r.events && !r.events.has(event.name!)) return false;
  if (r.query && !queryHolds(r.query, paramsOf(String(input.url || '')))) return false;
  if (r.paths) {
    const p = pathOf(typeof event.page?.path === 'string' ? event.page.path : '');
    // A glob runs only on a path holding one of its literal segments: most rules are ruled out by a Set lookup.
    if (!p || (r.pathKeys && !r.pathKeys.some((k) => p.keys.has(k))) || !r.paths.some((re) => re.test(p.path))) return false;
  }
  if (r.referrers) {
    const host = referrerHost(String(input.referrer || ''));
    if (!host || !r.referrers.some((re) => re.test(host))) return false;
  }
  try {
    // `closest`: the element or an ancestor matches.
    if (r.selector && !input.element!.closest(r.selector)) return false;
  } catch {
    return false;
  }
  try {
    return !r.match || !!r.match(event);
  } catch (error) {
    r.warn(error);
    return false;
  }
}

/**
 * The stage for one event: the first compiled rule whose conditions all hold,
 * or null. Never throws; a throwing `match` counts as no match (reported once
 * per rule). Site rules and defaults can be concatenated into one array.
 */
export function matchStage(rules: readonly CompiledRule[], input: MatchInput): StageMatch | null {
  if (!rules.length || !input || !input.event) return null;
  const index = byType(rules);
  for (const r of index.get(input.event.type) ?? index.get('')!) if (holds(r, input)) return { stage: r.stage, rule: r.name };
  return null;
}
