/** Which queued events go out together: a pure function of the queue. */

/** Bytes a batch body adds around its events (`{"sentAt":…,"events":[…]}` and commas). */
const BODY_OVERHEAD = 64;

export interface Sized {
  /** The event's size on the wire, measured once when it was queued. */
  bytes: number;
}

/**
 * Take the first events, oldest first, up to `size` events and `maxBytes`.
 * The first event always goes (a lone event over `maxBytes` was already bounded
 * at the door; the collector's answer decides its fate).
 */
export function nextBatch<T extends Sized>(queued: T[], size: number, maxBytes: number): T[] {
  const batch: T[] = [];
  let bytes = BODY_OVERHEAD;
  for (const item of queued) {
    if (batch.length && (batch.length >= size || bytes + item.bytes + 1 > maxBytes)) break;
    batch.push(item);
    bytes += item.bytes + 1;
  }
  return batch;
}
