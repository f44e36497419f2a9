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

type NumSpec = Record<string, readonly [number, number, number]>;
type Log = (msg: string) => void;

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
// Prototype-pollution guard: these keys are never read from options.
const UNSAFE = ['__proto__', 'constructor', 'prototype'];
const own = (o: Record<string, unknown>, k: string): boolean =>
  !UNSAFE.includes(k) && Object.prototype.hasOwnProperty.call(o, k);

function numbers<T>(group: string, spec: NumSpec, given: unknown, error: Log, warn: Log): T {
  const out: Record<string, number> = {};
  const src = isObj(given) ? given : {};
  if (given !== undefined && !isObj(given)) error(`"${group}" must be an object`);
  for (const k in spec) {
    const [def, min, max] = spec[k]!;
    let v = def;
    if (own(src, k)) {
      const g = src[k];
      if (typeof g !== 'number' || Number.isNaN(g)) error(`"${group}.${k}" must be a number`);
      else if (g < min || g > max) {
        v = Math.min(max, Math.max(min, g));
        warn(`"${group}.${k}" (${g}) is outside ${min}–${max}; using ${v}`);
      } else v = g;
    }
    out[k] = v;
  }
  for (const k in src) if (!(k in spec)) error(`"${group}.${k}" is not an option`);
  return out as T;
}

function bools<T>(group: string, defs: Record<string, boolean>, given: unknown, error: Log): T {
  const out: Record<string, boolean> = { ...defs };
  if (typeof given === 'boolean') {
    for (const k in out) out[k] = given;
    return out as T;
  }
  if (given === undefined) return out as T;
  if (!isObj(given)) {
    error(`"${group}" must be an object or a boolean`);
    return out as T;
  }
  for (const k in given) {
    if (!own(given, k)) continue;
    if (!(k in defs)) error(`"${group}.${k}" is not an option`);
    else if (typeof given[k] !== 'boolean') error(`"${group}.${k}" must be true or false`);
    else out[k] = given[k] as boolean;
  }
  return out as T;
}

const KNOWN = [
  'endpoint', 'autocapture', 'format', 'writeKey', 'stages', 'batch', 'retry', 'queue', 'privacy', 'headers',
  'beforeSend', 'plugins', 'friction', 'debug',
];

/**
 * Validate and complete the options. Never throws: each bad field is reported
 * once through `error` (clamped numbers through `warn`) and replaced by its default.
 * Returns null only when there is no usable endpoint.
 */
export function resolveConfig(input: unknown, error: Log, warn: Log): Config | null {
  if (!isObj(input)) {
    error('options must be an object with at least "endpoint", the URL of your collector');
    return null;
  }
  const o: Record<string, unknown> = input;
  for (const k in o) if (!KNOWN.includes(k) && !UNSAFE.includes(k)) error(`"${k}" is not an option`);

  const endpoint = own(o, 'endpoint') ? o.endpoint : undefined;
  if (typeof endpoint !== 'string' || !endpoint.trim()) {
    error('"endpoint" is required: the URL of your collector');
    return null;
  }

  const p = isObj(o.privacy) ? o.privacy : {};
  if (o.privacy !== undefined && !isObj(o.privacy)) error('"privacy" must be an object');
  const privacy: PrivacyOptions = { ...DEFAULTS.privacy, scrubParams: [...DEFAULT_SCRUB_PARAMS] };
  for (const k in p) {
    if (!own(p, k)) continue;
    const v = p[k];
    if (k === 'ignoreSelector') {
      if (typeof v === 'string' && validSelector(v)) privacy.ignoreSelector = `${DEFAULTS.privacy.ignoreSelector}, ${v}`;
      else error('"privacy.ignoreSelector" must be a valid CSS selector');
    } else if (k === 'scrubParams') {
      if (Array.isArray(v) && v.every((s) => typeof s === 'string')) privacy.scrubParams.push(...(v as string[]));
      else error('"privacy.scrubParams" must be an array of strings');
    } else if (k === 'respectDNT' || k === 'respectGPC' || k === 'requireConsent') {
      if (typeof v === 'boolean') privacy[k] = v;
      else error(`"privacy.${k}" must be true or false`);
    } else error(`"privacy.${k}" is not an option`);
  }

  const s = isObj(o.stages) ? o.stages : {};
  if (o.stages !== undefined && !isObj(o.stages)) error('"stages" must be an object');
  let order: string[] = [...DEFAULT_ORDER];
  if (own(s, 'order')) {
    const v = s.order;
    if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x) && new Set(v).size === v.length) order = v as string[];
    else error('"stages.order" must be a non-empty array of distinct stage names');
  }
  let rules: StageRule[] = [];
  if (own(s, 'rules')) {
    if (Array.isArray(s.rules)) rules = s.rules as StageRule[];
    else error('"stages.rules" must be an array of rules');
  }
  let defaults = true;
  if (own(s, 'defaults')) {
    if (typeof s.defaults === 'boolean') defaults = s.defaults;
    else error('"stages.defaults" must be true or false');
  }
  for (const k in s) if (!['order', 'rules', 'defaults'].includes(k)) error(`"stages.${k}" is not an option`);

  let format: Config['format'] = 'waymark';
  if (own(o, 'format')) {
    if (o.format === 'waymark' || o.format === 'segment') format = o.format;
    else error('"format" must be "waymark" or "segment"');
  }
  const fn = <T>(k: string): T | undefined => {
    if (!own(o, k) || o[k] === undefined) return undefined;
    if (typeof o[k] === 'function') return o[k] as T;
    error(`"${k}" must be a function`);
    return undefined;
  };
  let headers: Record<string, string> | undefined;
  if (own(o, 'headers') && o.headers !== undefined) {
    const h = o.headers;
    if (isObj(h) && Object.keys(h).every((k) => typeof h[k] === 'string' && !UNSAFE.includes(k))) {
      headers = Object.keys(h).length ? { ...(h as Record<string, string>) } : undefined;
    } else error('"headers" must be an object of strings');
  }
  let plugins: Plugin[] = [];
  if (own(o, 'plugins') && o.plugins !== undefined) {
    if (Array.isArray(o.plugins)) {
      plugins = o.plugins.filter((pl, i) => {
        const ok = isObj(pl) && typeof pl.name === 'string';
        if (!ok) error(`"plugins[${i}]" must be an object with a "name"`);
        return ok;
      }) as Plugin[];
    } else error('"plugins" must be an array');
  }
  let writeKey: string | undefined;
  if (own(o, 'writeKey') && o.writeKey !== undefined) {
    if (typeof o.writeKey === 'string') writeKey = o.writeKey;
    else error('"writeKey" must be a string');
  }
  let debug = false;
  if (own(o, 'debug') && o.debug !== undefined) {
    if (typeof o.debug === 'boolean') debug = o.debug;
    else error('"debug" must be true or false');
  }

  const retry = numbers<RetryOptions>('retry', DEFAULTS.retry, o.retry, error, warn);
  if (retry.maxDelayMs < retry.baseDelayMs) retry.maxDelayMs = retry.baseDelayMs;

  return {
    endpoint: endpoint.trim(),
    autocapture: bools<AutocaptureOptions>('autocapture', DEFAULTS.autocapture, o.autocapture, error),
    format,
    writeKey,
    stages: { order, rules, defaults },
    batch: numbers<BatchOptions>('batch', DEFAULTS.batch, o.batch, error, warn),
    retry,
    queue: numbers<QueueOptions>('queue', DEFAULTS.queue, o.queue, error, warn),
    privacy,
    friction: numbers<FrictionOptions>('friction', DEFAULTS.friction, o.friction, error, warn),
    headers,
    beforeSend: fn('beforeSend'),
    plugins,
    debug,
  };
}

function validSelector(sel: string): boolean {
  try {
    if (typeof document !== 'undefined') document.createDocumentFragment().querySelector(sel);
    return true;
  } catch {
    return false;
  }
}
