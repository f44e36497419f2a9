/**
 * Plain data at the door: whatever a site passes in (track/page properties,
 * identify traits, plugin output) is copied into JSON-safe data at the call,
 * so no later step can throw on it and no event can hold up another.
 */

/** Deepest nesting kept; deeper values are dropped. */
export const MAX_DEPTH = 10;

/** What was wrong with a value, reported once per kind on the console (every case in debug mode). */
export type PlainProblem = 'cycle' | 'bigint' | 'unsupported' | 'throws' | 'depth';

export type Report = (problem: PlainProblem, path: string) => void;

const isNode = (v: object): boolean => typeof (v as Node).nodeType == 'number' && typeof (v as Node).nodeName == 'string';

/** Strings, booleans and finite numbers: nearly everything sites pass, kept as they are. */
const isSimple = (v: unknown): boolean => typeof v == 'string' || typeof v == 'boolean' || Number.isFinite(v);

/** `a.b` (or `b` at the top): built only for values that need walking or a report. */
const keyPath = (path: string, key: string): string => (path ? `${path}.${key}` : key);

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v == 'object' && !Array.isArray(v);

/**
 * The objects a walk is inside, innermost first, for cycles and the depth
 * bound. A chain rather than an array, made only when an object has a value
 * to walk into: the flat `{ plan: 'pro' }` of a typical track() call costs no
 * allocation for it (track() is called in bursts; its garbage is its cost).
 */
interface Walk {
  value: object;
  up: Walk | undefined;
  /** Objects in the chain up to and including this one. */
  depth: number;
}

/**
 * A JSON-safe copy of `value`: cycles cut, BigInt to string, functions,
 * Symbols, DOM nodes, windows and undefined dropped, a throwing `toJSON` or
 * getter skipped, nesting bounded by MAX_DEPTH. Never throws.
 */
export function toPlain(value: unknown, report: Report, path = '', up?: Walk): unknown {
  if (isSimple(value) || value === undefined) return value;
  if (typeof value == 'number') return null; // NaN, Infinity: as JSON.stringify writes them
  if (typeof value == 'object') return value && plainObject(value, report, path, up);
  if (typeof value == 'bigint') {
    report('bigint', path);
    return String(value);
  }
  report('unsupported', path); // function, symbol
}

const hasOwn = Object.prototype.hasOwnProperty;

/** The walk one level further in, inside `value`. */
const enter = (value: object, up: Walk | undefined): Walk => ({ value, up, depth: (up?.depth ?? 0) + 1 });

// No closures in here: one would make every call allocate a context, flat objects included.
function plainObject(value: object, report: Report, path: string, up: Walk | undefined): unknown {
  for (let w = up; w; w = w.up) if (w.value === value) return report('cycle', path);
  if (up && up.depth >= MAX_DEPTH) return report('depth', path);
  try {
    if (isNode(value) || (value as Window).window === value) return report('unsupported', path);
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON == 'function') return toPlain(toJSON.call(value), report, path, enter(value, up));
    if (Array.isArray(value)) return plainArray(value, report, path, enter(value, up));
    const out: Record<string, unknown> = {};
    let inside: Walk | undefined; // made for the first value that needs walking
    // Own enumerable keys, as JSON.stringify reads them (for-in and a check: no key array per call).
    for (const key in value) {
      if (!hasOwn.call(value, key)) continue;
      let item: unknown;
      try {
        item = (value as Record<string, unknown>)[key];
      } catch {
        report('throws', keyPath(path, key));
        continue;
      }
      const plain = isSimple(item) ? item : toPlain(item, report, keyPath(path, key), (inside ??= enter(value, up)));
      if (plain === undefined) continue;
      // A key named "__proto__" stays data and never changes the copy's prototype.
      if (key == '__proto__') Object.defineProperty(out, key, { value: plain, enumerable: true, writable: true, configurable: true });
      else out[key] = plain;
    }
    return out;
  } catch {
    return report('throws', path);
  }
}

function plainArray(items: unknown[], report: Report, path: string, inside: Walk): unknown[] {
  return items.map((item, i) => toPlain(item, report, `${path}[${i}]`, inside) ?? null);
}

/** A plain-object copy of `value` (anything that is not a plain object gives `{}`). */
export function plainRecord(value: unknown, report: Report): Record<string, unknown> {
  const plain = isRecord(value) && toPlain(value, report);
  return isRecord(plain) ? plain : {};
}

/** UTF-8 length of a string, without allocating (TextEncoder would copy it). */
export function utf8Bytes(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    bytes += code < 0x800 ? 1 : 2;
    // A surrogate pair (2 units, 4 bytes) is counted whole at its first unit.
    if (code >= 0xd800 && code < 0xdc00) i++;
  }
  return bytes;
}

const PROBLEMS: Record<PlainProblem, string> = {
  cycle: 'circular reference cut',
  bigint: 'BigInt sent as a string',
  unsupported: 'function, Symbol or DOM node left out',
  throws: 'value whose getter or toJSON threw left out',
  depth: `value nested deeper than ${MAX_DEPTH} levels left out`,
};

/** One console warning per kind of problem (the first case's path); every case in debug mode. */
export function createReporter(debug: () => boolean): Report {
  const warned = new Set<PlainProblem>();
  return (problem, path) => {
    const msg = `[waymark] ${PROBLEMS[problem]} at "${path}"`;
    if (debug()) console.debug(msg);
    if (!warned.has(problem)) warned.add(problem), console.warn(msg);
  };
}
