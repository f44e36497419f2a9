import type {
  AutocaptureOptions, BatchOptions, FrictionOptions, Plugin, PrivacyOptions, QueueOptions, RetryOptions,
  StageRule, WaymarkEvent,
} from './types';
import { DEFAULT_ORDER } from './journey/defaults';
import { DEFAULT_SCRUB_PARAMS } from './privacy';

/** The fully resolved configuration the tracker runs on. */
export interface Config {
  endpoint: string;
  autocapture: AutocaptureOptions;
  format: 'waymark' | 'segment';
  writeKey?: string;
  stages: { order: string[]; rules: StageRule[]; defaults: boolean };
  batch: BatchOptions;
  retry: RetryOptions;
  queue: QueueOptions;
  privacy: PrivacyOptions;
  friction: FrictionOptions;
  headers?: Record<string, string>;
  beforeSend?: (event: WaymarkEvent) => WaymarkEvent | null;
  plugins: Plugin[];
  debug: boolean;
}

/** Every default, in one place. `[default, min, max]` for numbers. */
export const DEFAULTS = {
  autocapture: { pageViews: true, clicks: true, forms: true, vitals: true, engagement: true, friction: true },
  batch: { size: [100, 1, 500], intervalMs: [5000, 100, 600000], maxBytes: [60000, 1000, 1000000] },
  retry: { baseDelayMs: [1000, 100, 600000], maxDelayMs: [60000, 1000, 3600000], maxAgeMs: [7 * 864e5, 60000, 90 * 864e5], timeoutMs: [10000, 1000, 120000] },
  queue: { maxEvents: [1000, 10, 100000] },
  friction: { rageClicks: [3, 2, 20], rageWindowMs: [1000, 100, 10000], rageRadiusPx: [30, 1, 500], deadClickMs: [1000, 100, 10000] },
  privacy: { ignoreSelector: '[data-waymark-ignore]', respectDNT: false, respectGPC: true, requireConsent: false },
} as const;

type Log = (msg: string) => void;
type Obj = Record<string, unknown>;
type Range = readonly [def: number, min: number, max: number];
/** How an option is checked: the test, and what the value "must be" when it fails. */
type Check = readonly [ok: (v: any) => unknown, want: string];

const isObj = (v: unknown): v is Obj => !!v && typeof v == 'object' && !Array.isArray(v);
const isString = (v: unknown) => typeof v == 'string';
const isRange = (v: unknown): v is Range => Array.isArray(v) && typeof v[0] == 'number';
// Prototype-pollution guard: these keys are never read from options.
const UNSAFE = ['__proto__', 'constructor', 'prototype'];
/** The object's own keys, never the unsafe ones. */
const keys = (o: Obj) => Object.keys(o).filter((k) => !UNSAFE.includes(k));

const BOOLEAN: Check = [(v) => typeof v == 'boolean', 'true or false'];
const NUMBER: Check = [(v) => typeof v == 'number' && v == v, 'a number']; // not NaN
/** Options whose default does not tell how to check them (booleans and `[default, min, max]` numbers do). */
const CHECKS: Record<string, Check> = {
  endpoint: [isString, 'a string'],
  format: [(v) => v === 'waymark' || v === 'segment', '"waymark" or "segment"'],
  writeKey: [isString, 'a string'],
  headers: [(h) => isObj(h) && Object.keys(h).every((k) => !UNSAFE.includes(k) && isString(h[k])), 'an object of strings'],
  beforeSend: [(v) => typeof v == 'function', 'a function'],
  plugins: [Array.isArray, 'an array'],
  'stages.order': [(v) => Array.isArray(v) && v[0] && v.every((x) => x && isString(x)) && new Set(v).size == v.length, 'one or more distinct names'],
  'stages.rules': [Array.isArray, 'an array'],
  'privacy.ignoreSelector': [(v) => isString(v) && validSelector(v), 'a CSS selector'],
  'privacy.scrubParams': [(v) => Array.isArray(v) && v.every(isString), 'an array of strings'],
};

/**
 * Every option with its default: objects are groups of options. Built per
 * call so that no two trackers share an array. `ignoreSelector` and
 * `scrubParams` start empty here: what is given is added to their defaults.
 */
const optionTree = (): Obj => ({
  endpoint: '',
  format: 'waymark',
  writeKey: undefined,
  stages: { order: DEFAULT_ORDER, rules: [], defaults: true },
  ...DEFAULTS,
  privacy: { ...DEFAULTS.privacy, ignoreSelector: '', scrubParams: [] },
  headers: undefined,
  beforeSend: undefined,
  plugins: [],
  debug: false,
});

/**
 * Validate and complete the options. Never throws: each bad field is reported
 * once through `error` (clamped numbers through `warn`) and replaced by its default.
 * Returns null only when there is no usable endpoint.
 */
export function resolveConfig(input: unknown, error: Log, warn: Log): Config | null {
  const o: Obj = isObj(input) ? input : {};
  // Only an own `endpoint`: one inherited from a polluted prototype must not receive events.
  const endpoint = keys(o).includes('endpoint') && isString(o.endpoint) ? (o.endpoint as string).trim() : '';
  if (!endpoint) {
    error('"endpoint" is required');
    return null;
  }
  const bad = (path: string, why: string) => error(`"${path}" ${why}`);

  /** `given`'s own options checked against `tree` (one level), every missing one filled from its default. */
  const fill = (tree: Obj, given: Obj, prefix: string): Obj => {
    const known = Object.keys(tree);
    const own: Obj = {};
    for (const k of keys(given)) {
      if (known.includes(k)) own[k] = given[k];
      else bad(prefix + k, 'is not an option');
    }
    const out: Obj = {};
    // The top level also reads inherited options, as it always has; groups read only their own keys.
    for (const k of known) out[k] = resolve(prefix + k, tree[k], prefix ? own[k] : given[k]);
    return out;
  };

  /** One option: its value when valid (numbers clamped into range), else its default. */
  const resolve = (path: string, def: unknown, v: unknown): unknown => {
    if (isObj(def)) {
      // `autocapture: false` turns every capture off (`true`: every one on).
      if (path == 'autocapture' && typeof v == 'boolean') v = Object.fromEntries(Object.keys(def).map((k) => [k, v]));
      if (v !== undefined && !isObj(v)) bad(path, 'must be an object');
      return fill(def, isObj(v) ? v : {}, path + '.');
    }
    const range = isRange(def) ? def : undefined;
    const [ok, want] = CHECKS[path] ?? (range ? NUMBER : BOOLEAN);
    if (v === undefined) v = range ? range[0] : def;
    else if (!ok(v)) {
      bad(path, 'must be ' + want);
      v = range ? range[0] : def;
    }
    if (!range) return v;
    const n = Math.min(range[2], Math.max(range[1], v as number));
    if (n !== v) warn(`"${path}" (${v}) is outside ${range[1]}–${range[2]}; using ${n}`);
    return n;
  };

  const c = fill(optionTree(), o, '') as unknown as Config;
  const { privacy, stages, retry, headers } = c;
  const selector = privacy.ignoreSelector;
  privacy.ignoreSelector = DEFAULTS.privacy.ignoreSelector + (selector ? ', ' + selector : '');
  privacy.scrubParams = [...DEFAULT_SCRUB_PARAMS, ...privacy.scrubParams];
  stages.order = [...stages.order];
  if (retry.maxDelayMs < retry.baseDelayMs) retry.maxDelayMs = retry.baseDelayMs;
  c.headers = headers && Object.keys(headers).length ? { ...headers } : undefined;
  c.plugins = c.plugins.filter((pl, i) => {
    const ok = isObj(pl) && isString(pl.name);
    if (!ok) bad(`plugins[${i}]`, 'needs a "name"');
    return ok;
  });
  c.endpoint = endpoint;
  return c;
}

function validSelector(sel: string): boolean {
  try {
    if (typeof document != 'undefined') document.createDocumentFragment().querySelector(sel);
    return true;
  } catch {
    return false;
  }
}
