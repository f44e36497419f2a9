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

const isNode = (v: object): boolean => typeof (v as Node).nodeType === 'number' && typeof (v as Node).nodeName === 'string';

/**
 * A JSON-safe copy of `value`: cycles cut, BigInt to string, functions,
 * Symbols, DOM nodes, windows and undefined dropped, a throwing `toJSON` or
 * getter skipped, nesting bounded by MAX_DEPTH. Never throws.
 */
export function toPlain(value: unknown, report: Report, path = '', ancestors: object[] = []): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      report('bigint', path);
      return String(value);
    case 'object':
      return value === null ? null : plainObject(value, report, path, ancestors);
    case 'undefined':
      return undefined;
    default: // function, symbol
      report('unsupported', path);
      return undefined;
  }
}

function plainObject(value: object, report: Report, path: string, ancestors: object[]): unknown {
  if (ancestors.includes(value)) return report('cycle', path);
  if (ancestors.length >= MAX_DEPTH) return report('depth', path);
  // One stack for the whole walk (pushed here, popped below): no array copied per level.
  ancestors.push(value);
  try {
    if (isNode(value) || (value as Window).window === value) return report('unsupported', path);
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return toPlain(toJSON.call(value), report, path, ancestors);
    if (Array.isArray(value)) return value.map((item, i) => toPlain(item, report, `${path}[${i}]`, ancestors) ?? null);
    const out: Record<string, unknown> = {};
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      let item: unknown;
      try {
        item = (value as Record<string, unknown>)[key];
      } catch {
        report('throws', path ? `${path}.${key}` : key);
        continue;
      }
      // Strings, booleans and finite numbers (nearly everything sites pass) are kept as they are.
      const plain =
        typeof item === 'string' || typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item))
          ? item
          : toPlain(item, report, path ? `${path}.${key}` : key, ancestors);
      if (plain === undefined) continue;
      // A key named "__proto__" stays data and never changes the copy's prototype.
      if (key === '__proto__') Object.defineProperty(out, key, { value: plain, enumerable: true, writable: true, configurable: true });
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
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  const plain = toPlain(value, report);
  return plain && typeof plain === 'object' && !Array.isArray(plain) ? (plain as Record<string, unknown>) : {};
}

/** UTF-8 length of a string, without allocating (TextEncoder would copy it). */
export function utf8Bytes(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code < 0xdc00) i++, (bytes += 2); // a surrogate pair: 4 bytes for 2 units
    else bytes += 2;
  }
  return bytes;
}

const PROBLEMS: Record<PlainProblem, string> = {
  cycle: 'a circular reference was cut',
  bigint: 'a BigInt was sent as a string',
  unsupported: 'a function, Symbol or DOM node was left out',
  throws: 'a value whose getter or toJSON threw was left out',
  depth: `values nested deeper than ${MAX_DEPTH} levels were left out`,
};

/** One console warning per kind of problem; every case (with its path) in debug mode. */
export function createReporter(debug: () => boolean): Report {
  const warned = new Set<PlainProblem>();
  return (problem, path) => {
    if (debug()) console.debug(`[waymark] ${PROBLEMS[problem]} at "${path}"`);
    if (warned.has(problem)) return;
    warned.add(problem);
    console.warn(`[waymark] ${PROBLEMS[problem]} in the data passed to waymark (first at "${path}"); the rest was kept`);
  };
}
