/**
 * Leaving the page: what the browser is handed as it goes, and what is
 * remembered (synchronously, in localStorage) so the next page load neither
 * loses nor resends anything.
 */
import type { KV } from '../storage';
import { utf8Bytes } from '../lib/plain';
import { nextBatch, type Sized } from './batcher';
import type { Rec } from './store';

/** Ids handed to the browser (or delivered but not yet deleted from IndexedDB), with when. */
type Ledger = Array<[key: string, at: number]>;
/** Most ledger entries kept (the oldest go first). */
const LEDGER_MAX = 2000;

/** A stored list; anything else (missing, or junk another version wrote) reads as empty. */
const list = <T>(kv: KV, key: string): T[] => {
  const value = kv.get<T[]>(key);
  return Array.isArray(value) ? value : [];
};
/** Write a list, or remove the key once it is empty. */
const keep = (kv: KV, key: string, items: unknown[]) => (items.length ? kv.set(key, items) : kv.remove(key));

/** Keys the next page load must not send again. */
export function ledgerKeys(kv: KV): Set<string> {
  return new Set(list<Ledger[number]>(kv, 'sent').map((entry) => entry[0]));
}

/** Remember keys as handed over; entries older than `maxAgeMs` are forgotten. */
export function recordHanded(kv: KV, keys: string[], now: number, maxAgeMs: number): void {
  if (!keys.length) return;
  const kept = list<Ledger[number]>(kv, 'sent').filter((entry) => entry[1] > now - maxAgeMs && entry[1] <= now);
  kv.set('sent', kept.concat(keys.map((key): [string, number] => [key, now])).slice(-LEDGER_MAX));
}

/** Forget ledger entries whose events are known to be gone from the store. */
export function unledger(kv: KV, keys: Set<string>): void {
  keep(kv, 'sent', list<Ledger[number]>(kv, 'sent').filter((entry) => !keys.has(entry[0])));
}

/** Records a page left in localStorage because their IndexedDB write might not finish in time. */
export function takeSpill(kv: KV): Rec[] {
  const spilled = list<Rec>(kv, 'spill');
  kv.remove('spill');
  return spilled;
}

/** Keep records in localStorage for the next page load (synchronous: the page is going away), beside other tabs' spills. */
export function spill(kv: KV, recs: Rec[]): void {
  if (!recs.length) return;
  const mine = new Set(recs.map((r) => r.key));
  kv.set('spill', list<Rec>(kv, 'spill').filter((r) => !mine.has(r?.key)).concat(recs));
}

/** A closed tab's spill must not bring back what has been delivered since. */
export function unspill(kv: KV, delivered: Set<string>): void {
  const spilled = list<Rec>(kv, 'spill');
  const rest = spilled.filter((r) => !delivered.has(r?.key));
  // Unchanged (or nothing spilled): no write.
  if (rest.length !== spilled.length) keep(kv, 'spill', rest);
}

/**
 * Hand as many of `items` as fit in `budget` bytes to `beacon`, in chunks of at
 * most `size` events and `maxBytes` each, oldest first. Stops at the first chunk
 * that does not fit, is refused, or cannot be encoded (`encode` returns
 * undefined). Returns the items handed over and the bytes used.
 */
function handOver<T extends Sized>(
  items: T[],
  limits: { budget: number; maxBytes: number; size: number },
  encode: (chunk: T[]) => string | undefined,
  measure: (body: string) => number,
  beacon: (body: string) => boolean,
): { handed: T[]; used: number } {
  const handed: T[] = [];
  let used = 0;
  let rest = items;
  while (rest.length && used < limits.budget) {
    const left = limits.budget - used;
    // Sizes measured one by one overestimate a shared (v2) body: pack by estimate, check the real size.
    let chunk = nextBatch(rest, limits.size, Math.min(limits.maxBytes, left));
    let body = encode(chunk);
    while ((body === undefined || measure(body) > left) && chunk.length > 1) {
      chunk = chunk.slice(0, Math.ceil(chunk.length / 2));
      body = encode(chunk);
    }
    if (body === undefined || measure(body) > left || !beacon(body)) break;
    used += measure(body);
    handed.push(...chunk);
    rest = rest.slice(chunk.length);
  }
  return { handed, used };
}

/**
 * Beacon what fits in the budget, oldest first; an event the wire format
 * cannot encode (`encode` returns undefined) is dropped (`unencodable`), not a reason to stop.
 */
export function beaconAll<T extends Sized & { rec: { key: string } }>(
  todo: T[],
  limits: { budget: number; maxBytes: number; size: number },
  to: {
    encode(chunk: T[]): string | undefined;
    encodes(item: T): boolean;
    beacon(body: string): boolean;
    settle(items: T[], state: 'done' | 'dropped', reason?: 'unencodable'): void;
  },
): void {
  let { budget } = limits;
  let rest = todo;
  while (rest.length && budget > 0) {
    const { handed, used } = handOver(rest, { ...limits, budget }, to.encode, utf8Bytes, to.beacon);
    to.settle(handed, 'done');
    budget -= used;
    rest = rest.slice(handed.length);
    // Stopped by the budget or a refused beacon: the rest waits for the next page load.
    if (!rest.length || to.encodes(rest[0]!)) return;
    to.settle([rest[0]!], 'dropped', 'unencodable');
    rest = rest.slice(1);
  }
}
