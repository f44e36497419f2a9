/** Stage rules: validate and compile once, then match each event cheaply. */
import type { StageRule, WaymarkEvent } from '../types';
import { compileHostGlob, compilePathGlob, pathGlobLiteral } from './glob';

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
  readonly paths?: ReadonlyArray<{ re: RegExp; lit: string }>;
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
  const out: { -readonly [K in keyof CompiledRule]: CompiledRule[K] } = {
    name: (name as string | undefined) || `rule-${index}`,
    stage,
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
    for (const glob of globs) {
      const re = compilePathGlob(glob);
      if (!re) return fail('path', `"${glob}" is not a valid path glob (use /segments with * and **)`);
      paths.push({ re, lit: pathGlobLiteral(glob) });
    }
    out.paths = paths;
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
 * Rules grouped by event type (order kept), with one union selector per group
 * for a cheap "no selector can match" test, and the path results of recently
 * seen paths: most events share their page's path, so globs run once per path.
 */
interface Group {
  rules: CompiledRule[];
  union: string;
  /** path → per-rule result: 0 not tested yet, 1 no match, 2 match. */
  paths: Map<string, Uint8Array>;
}
interface Index {
  byType: Map<string, Group>;
  any: Group;
}
const indexes = new WeakMap<readonly CompiledRule[], Index>();
const PATH_CACHE = 64;

function group(rules: CompiledRule[]): Group {
  const selectors = new Set(rules.map((r) => r.selector).filter((s): s is string => !!s));
  return { rules, union: selectors.size > 1 ? [...selectors].join(',') : '', paths: new Map() };
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

/** Per-event facts, each computed at most once and only when a rule asks. */
interface Facts {
  path?: Uint8Array;
  params?: Map<string, string[]>;
  host?: string;
  anySelector?: boolean;
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

/** Whether `element` or an ancestor matches; `onError` when the selector cannot be evaluated. */
function closest(element: Element | null | undefined, selector: string, onError: boolean): boolean {
  if (!element || typeof element.closest !== 'function') return false;
  try {
    return element.closest(selector) !== null;
  } catch {
    return onError;
  }
}

/** The (cached) path results of `g`'s rules for this event's path. */
function pathResults(g: Group, event: WaymarkEvent): Uint8Array {
  const raw = typeof event.page?.path === 'string' ? event.page.path : '';
  let results = g.paths.get(raw);
  if (!results) {
    if (g.paths.size >= PATH_CACHE) g.paths.clear();
    results = new Uint8Array(g.rules.length);
    g.paths.set(raw, results);
  }
  return results;
}

function pathHolds(r: CompiledRule, raw: string): boolean {
  const path = raw.toLowerCase().replace(/\/+$/, '');
  for (const { re, lit } of r.paths!) if ((!lit || path.includes(lit)) && re.test(path)) return true;
  return false;
}

function holds(g: Group, i: number, input: MatchInput, facts: Facts): boolean {
  const r = g.rules[i]!;
  const { event } = input;
  if (r.events && !(typeof event.name === 'string' && r.events.has(event.name))) return false;
  if (r.paths) {
    const results = (facts.path ??= pathResults(g, event));
    if (!results[i]) results[i] = pathHolds(r, typeof event.page?.path === 'string' ? event.page.path : '') ? 2 : 1;
    if (results[i] === 1) return false;
  }
  if (r.query && !queryHolds(r.query, (facts.params ??= parseParams(input.url || '')))) return false;
  if (r.referrers) {
    const host = (facts.host ??= hostOf(input.referrer));
    if (!host || !r.referrers.some((re) => re.test(host))) return false;
  }
  if (r.selector) {
    // One `closest` with every selector of the group answers "none can match" for most clicks.
    if (g.union && !(facts.anySelector ??= closest(input.element, g.union, true))) return false;
    if (!closest(input.element, r.selector, false)) return false;
  }
  if (r.match) {
    try {
      if (!r.match(event)) return false;
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
  const g = index.byType.get(input.event.type) ?? index.any;
  const facts: Facts = {};
  for (let i = 0; i < g.rules.length; i++) {
    if (holds(g, i, input, facts)) return { stage: g.rules[i]!.stage, rule: g.rules[i]!.name };
  }
  return null;
}
