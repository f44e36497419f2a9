/**
 * The retry policy, as a pure function of one send's outcome: what happens to
 * the batch, and how long to wait before the next attempt.
 * https://github.com/segmentio/analytics-next (dispatcher) and Snowplow's
 * don't-retry list are the models.
 */

export interface RetryOptionsResolved {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** What to do with a batch after one send. */
export type Verdict =
  | { action: 'delivered' }
  /** Send the two halves separately (the batch may be too large for the collector). */
  | { action: 'split' }
  | { action: 'drop'; reason: DropReason }
  | { action: 'retry'; delayMs: number };

/** Why an event was dropped on purpose; the keys of `stats().dropped`. */
export type DropReason =
  | 'queue_full' | 'too_old' | 'rejected' | 'too_large' | 'unencodable' | 'before_send' | 'opted_out';

/** A body at least this large that dies with a network error is suspected of being too large (many collectors reset such connections). */
export const LARGE_BODY_BYTES = 16000;
/** Network failures of one large single-event request, while the collector answers others, before it is dropped as too large. */
export const LARGE_EVENT_STRIKES = 3;

export interface Outcome {
  /** HTTP status; 0 for a network failure or a timeout. */
  status: number;
  retryAfterMs?: number;
  /** Events in the batch and its size on the wire. */
  count: number;
  bytes: number;
  /** Consecutive failed sends so far, this one included. */
  failures: number;
  /** For a single large event: its failed attempts while the collector answered other requests. */
  strikes?: number;
}

const retryable = (status: number) => status === 0 || status === 408 || status === 429 || status >= 500;

/** Decide what one send's outcome means. `random` in [0, 1) spreads retries (full jitter in the upper half). */
export function judge(outcome: Outcome, options: RetryOptionsResolved, random: number): Verdict {
  const { status, count, bytes } = outcome;
  if (status >= 200 && status < 300) return { action: 'delivered' };
  if (status === 413) return count > 1 ? { action: 'split' } : { action: 'drop', reason: 'too_large' };
  if (status === 0 && bytes >= LARGE_BODY_BYTES) {
    if (count > 1) return { action: 'split' };
    if ((outcome.strikes ?? 0) >= LARGE_EVENT_STRIKES) return { action: 'drop', reason: 'too_large' };
  }
  if (!retryable(status)) return { action: 'drop', reason: 'rejected' };
  const exponential = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, outcome.failures - 1));
  const delayMs = Math.max(options.baseDelayMs, exponential * (0.5 + random / 2), outcome.retryAfterMs ?? 0);
  return { action: 'retry', delayMs };
}
