/**
 * waymark: map the customer journey as it happens.
 * @packageDocumentation
 */
import { captureVitals } from './capture/vitals';
import { createTrackerWith, type Internals } from './tracker';
import type { Options, Tracker } from './types';

export { VERSION } from './tracker';
export type * from './types';

/**
 * Start tracking. Never throws: bad options are reported once each on the
 * console and ignored; on the server (no `window`) it returns a tracker that
 * does nothing. Web vitals load lazily as a separate chunk.
 */
export function createTracker(options: Options, internals?: Internals): Tracker {
  return createTrackerWith(options, { vitals: captureVitals, ...internals });
}
