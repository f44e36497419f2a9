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

const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
// Prototype-pollution guard: these keys are never read from options.
const UNSAFE = ['__proto__', 'constructor', 'prototype'];
/** The option's own keys, never the unsafe ones. */
const keys = (o: Obj) => Object.keys(o).filter((k) => !UNSAFE.includes(k));
const KNOWN = ['endpoint', 'autocapture', 'format', 'writeKey', 'stages', 'batch', 'retry', 'queue', 'privacy', 'headers', 'beforeSend', 'plugins', 'friction', 'debug'];

/**
 * Validate and complete the options. Never throws: each bad field is reported
 * once through `error` (clamped numbers through `warn`) and replaced by its default.
 * Returns null only when there is no usable endpoint.
 */
export function resolveConfig(input: unknown, error: Log, warn: Log): Config | null {
  const o: Obj = isObj(input) ? input : {};
  const endpoint = keys(o).includes('endpoint') && typeof o.endpoint === 'string' ? o.endpoint.trim() : '';
  if (!endpoint) {
    error('"endpoint" is required: the URL of your collector');
    return null;
  }
  const bad = (field: string, want: string) => error(`"${field}" ${want}`);
  for (const k of keys(o)) if (!KNOWN.includes(k)) bad(k, 'is not an option');
  /** An option's value when it passes `ok`, else undefined (reported). */
  const take = <T>(field: string, v: unknown, ok: (v: unknown) => boolean, want: string): T | undefined => {
    if (v === undefined) return undefined;
    if (ok(v)) return v as T;
    bad(field, `must be ${want}`);
    return undefined;
  };
  /** A group of options (`batch`, `privacy`…): its own keys, or {} when it is not an object. */
  const group = (name: string, known?: readonly string[]): Obj => {
    const g = take<Obj>(name, o[name], isObj, 'an object') ?? {};
    const out: Obj = {};
    for (const k of keys(g)) {
      if (known && !known.includes(k)) bad(`${name}.${k}`, 'is not an option');
      else out[k] = g[k];
    }
    return out;
  };
  const numbers = <T>(name: keyof typeof DEFAULTS & ('batch' | 'retry' | 'queue' | 'friction')): T => {
    const spec = DEFAULTS[name] as Record<string, readonly [number, number, number]>;
    const given = group(name, Object.keys(spec));
    const out: Record<string, number> = {};
    for (const k in spec) {
      const [def, min, max] = spec[k]!;
      const g = take<number>(`${name}.${k}`, given[k], (v) => typeof v === 'number' && !Number.isNaN(v), 'a number') ?? def;
      out[k] = Math.min(max, Math.max(min, g));
      if (out[k] !== g) warn(`"${name}.${k}" (${g}) is outside ${min}–${max}; using ${out[k]}`);
    }
    return out as T;
  };
  const bool = (field: string, v: unknown) => take<boolean>(field, v, (x) => typeof x === 'boolean', 'true or false');
  const fn = <T>(k: string) => take<T>(k, o[k], (v) => typeof v === 'function', 'a function');

  const autocapture: Obj = { ...DEFAULTS.autocapture };
  if (typeof o.autocapture === 'boolean') for (const k in autocapture) autocapture[k] = o.autocapture;
  else {
    const given = group('autocapture', Object.keys(autocapture));
    for (const k in given) autocapture[k] = bool(`autocapture.${k}`, given[k]) ?? autocapture[k];
  }

  const p = group('privacy', ['ignoreSelector', 'scrubParams', 'respectDNT', 'respectGPC', 'requireConsent']);
  const privacy: PrivacyOptions = { ...DEFAULTS.privacy, scrubParams: [...DEFAULT_SCRUB_PARAMS] };
  const selector = take<string>('privacy.ignoreSelector', p.ignoreSelector, (v) => typeof v === 'string' && validSelector(v), 'a valid CSS selector');
  if (selector) privacy.ignoreSelector += `, ${selector}`;
  privacy.scrubParams.push(...(take<string[]>('privacy.scrubParams', p.scrubParams, (v) => Array.isArray(v) && v.every((s) => typeof s === 'string'), 'an array of strings') ?? []));
  for (const k of ['respectDNT', 'respectGPC', 'requireConsent'] as const) privacy[k] = bool(`privacy.${k}`, p[k]) ?? privacy[k];

  const s = group('stages', ['order', 'rules', 'defaults']);
  const order = take<string[]>('stages.order', s.order, (v) => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x) && new Set(v).size === v.length, 'a non-empty array of distinct stage names');

  const headers = take<Record<string, string>>('headers', o.headers, (h) => isObj(h) && keys(h).length === Object.keys(h).length && Object.values(h).every((v) => typeof v === 'string'), 'an object of strings');
  const plugins = (take<unknown[]>('plugins', o.plugins, Array.isArray, 'an array') ?? []).filter((pl, i) => {
    const ok = isObj(pl) && typeof pl.name === 'string';
    if (!ok) bad(`plugins[${i}]`, 'must be an object with a "name"');
    return ok;
  }) as Plugin[];

  const retry = numbers<RetryOptions>('retry');
  if (retry.maxDelayMs < retry.baseDelayMs) retry.maxDelayMs = retry.baseDelayMs;
  return {
    endpoint,
    autocapture: autocapture as unknown as AutocaptureOptions,
    format: take<Config['format']>('format', o.format, (v) => v === 'waymark' || v === 'segment', '"waymark" or "segment"') ?? 'waymark',
    writeKey: take<string>('writeKey', o.writeKey, (v) => typeof v === 'string', 'a string'),
    stages: {
      order: order ? [...order] : [...DEFAULT_ORDER],
      rules: take<StageRule[]>('stages.rules', s.rules, Array.isArray, 'an array of rules') ?? [],
      defaults: bool('stages.defaults', s.defaults) ?? true,
    },
    batch: numbers<BatchOptions>('batch'),
    retry,
    queue: numbers<QueueOptions>('queue'),
    privacy,
    friction: numbers<FrictionOptions>('friction'),
    headers: headers && keys(headers).length ? { ...headers } : undefined,
    beforeSend: fn('beforeSend'),
    plugins,
    debug: bool('debug', o.debug) ?? false,
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
