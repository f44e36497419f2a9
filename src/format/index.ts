import { toSegmentBatch } from './segment';
import { encodeWaymark } from './waymark';
import type { WaymarkEvent } from '../types';

/** The body encoder for a wire format. */
export const encoderFor =
  (format: 'waymark' | 'segment', writeKey?: string) =>
  (events: WaymarkEvent[], sentAt: string): string =>
    format === 'segment' ? JSON.stringify(toSegmentBatch(events, sentAt, writeKey)) : encodeWaymark(events, sentAt);
