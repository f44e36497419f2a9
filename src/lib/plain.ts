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
 * A JSON-safe copy of `value`: cycles cut, BigInt to string, functions,
 * Symbols, DOM nodes, windows and undefined dropped, a throwing `toJSON` or
 * getter skipped, nesting bounded by MAX_DEPTH. Never throws.
 */
export function toPlain(value: unknown, report: Report, path = '', ancestors: object[] = []): unknown {
  if (isSimple(value) || value === undefined) return value;
  if (typeof value == 'number') return null; // NaN, Infinity: as JSON.stringify writes them
  if (typeof value == 'object') return value && plainObject(value, report, path, ancestors);
  if (typeof value == 'bigint') {
    report('bigint', path);
    return String(value);
  }
  report('unsupported', path); // function, symbol
}

function plainObject(value: object, report: Report, path: string, ancestors: object[]): unknown {
  if (ancestors.includes(value)) return report('cycle', path);
  if (ancestors.length >= MAX_DEPTH) return report('depth', path);
  // One stack for the whole walk (pushed here, popped below): no array copied per level.
  ancestors.push(value);
  try {
    if (isNode(value) || (value as Window).window === value) return report('unsupported', path);
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON == 'function') return toPlain(toJSON.call(value), report, path, ancestors);
    if (Array.isArray(value)) return value.map((item, i) => toPlain(item, report, `${path}[${i}]`, ancestors) ?? null);
    const out: Record<string, unknown> = {};
    // Own enumerable keys, as JSON.stringify reads them.
    for (const key of Object.keys(value)) {
      let item: unknown;
      try {
        item = (value as Record<string, unknown>)[key];
      } catch {
        report('throws', keyPath(path, key));
        continue;
      }
      const plain = isSimple(item) ? item : toPlain(item, report, keyPath(path, key), ancestors);
      if (plain === undefined) continue;
      // A key named "__proto__" stays data and never changes the copy's prototype.
      if (key == '__proto__') Object.defineProperty(out, key, { value: plain, enumerable: true, writable: true, configurable: true });
      else out[key] = plain;
    }
    return out;
  } catch {
    return report('throws', path);
  } finally {
    ancestors.pop();
  }
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
