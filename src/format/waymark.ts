import type { WaymarkEvent } from '../types';

/**
 * The waymark wire format, version 2: `{ v: 2, sentAt, shared, events }`.
 * `shared` holds top-level fields that every event of the batch carries, with
 * the value most of them have; an event whose value differs keeps its own. The
 * full event is `{ ...shared, ...event }` (a shallow merge, one line in any
 * language); fields that not every event has are never shared, so the merge
 * cannot add a field an event did not have.
 */
export function encodeWaymark(events: WaymarkEvent[], sentAt: string): string {
  if (events.length < 2) return JSON.stringify({ v: 2, sentAt, events });
  const shared: Record<string, unknown> = {};
  const sharedJson: Record<string, string> = {};
  for (const key of Object.keys(events[0]!)) {
    if (key === 'id') continue;
    const common = mostCommon(events, key);
    // Sharing pays only when the value repeats.
    if (common && common.count > 1) {
      shared[key] = common.value;
      sharedJson[key] = common.json;
    }
  }
  const slim = events.map((event) => {
    const own: Record<string, unknown> = {};
    for (const key in event) {
      const value = (event as unknown as Record<string, unknown>)[key];
      if (!(key in sharedJson) || JSON.stringify(value) !== sharedJson[key]) own[key] = value;
    }
    return own;
  });
  return JSON.stringify({ v: 2, sentAt, shared, events: slim });
}

/** The JSON value of `key` most events have, when every event has the key. */
function mostCommon(events: WaymarkEvent[], key: string): { value: unknown; json: string; count: number } | undefined {
  const tally = new Map<string, { value: unknown; json: string; count: number }>();
  for (const event of events) {
    const value = (event as unknown as Record<string, unknown>)[key];
    if (value === undefined) return undefined;
    const json = JSON.stringify(value);
    const seen = tally.get(json);
    if (seen) seen.count++;
    else tally.set(json, { value, json, count: 1 });
  }
  let best: { value: unknown; json: string; count: number } | undefined;
  for (const entry of tally.values()) if (!best || entry.count > best.count) best = entry;
  return best;
}
