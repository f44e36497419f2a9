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
  const sharedJson = new Map<string, string>();
  for (const key of Object.keys(events[0]!)) {
    const json = key === 'id' ? undefined : mostCommon(events, key);
    if (json !== undefined) {
      sharedJson.set(key, json);
      // Parsed back from its JSON, the value serializes to exactly that JSON again.
      shared[key] = JSON.parse(json);
    }
  }
  const slim = events.map((event) => {
    const own: Record<string, unknown> = {};
    for (const key in event) {
      const value = (event as unknown as Record<string, unknown>)[key];
      if (JSON.stringify(value) !== sharedJson.get(key)) own[key] = value;
    }
    return own;
  });
  return JSON.stringify({ v: 2, sentAt, shared, events: slim });
}

/**
 * The JSON of the value of `key` most events have (the first seen on a tie),
 * when every event has the key and that value repeats (sharing pays only then).
 */
function mostCommon(events: WaymarkEvent[], key: string): string | undefined {
  const counts = new Map<string, number>();
  for (const event of events) {
    const value = (event as unknown as Record<string, unknown>)[key];
    if (value === undefined) return undefined;
    const json = JSON.stringify(value);
    counts.set(json, (counts.get(json) ?? 0) + 1);
  }
  let best: string | undefined;
  let most = 1;
  counts.forEach((count, json) => {
    if (count > most) [most, best] = [count, json];
  });
  return best;
}
