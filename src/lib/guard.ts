/** The two helpers that keep waymark from ever breaking the host page. */

const LOG = '[waymark]';

/** Wrap `fn` so it never throws: an error is logged once per call and `fallback` (or undefined) returned. */
export const guarded =
  <A extends unknown[], R>(fn: (...args: A) => R, fallback?: R) =>
  (...args: A): R => {
    try {
      return fn(...args);
    } catch (err) {
      console.error(LOG, err);
      return fallback as R;
    }
  };

/**
 * Call each listener, isolating them from one another and from the caller.
 * A plain loop, not `guarded` per listener: this runs for every captured event,
 * and a wrapper made per call would be garbage made per call.
 */
export function callEach<A extends unknown[]>(listeners: Iterable<(...args: A) => void>, ...args: A): void {
  for (const listener of listeners) {
    try {
      listener(...args);
    } catch (err) {
      console.error(LOG, err);
    }
  }
}

/** Add one listener for several event types; returns the function that removes them all. */
export function listen(
  target: EventTarget,
  types: string | string[],
  listener: (event: Event) => void,
  options: AddEventListenerOptions | boolean = { capture: true },
): () => void {
  const list = typeof types === 'string' ? [types] : types;
  for (const type of list) target.addEventListener(type, listener, options);
  return () => {
    for (const type of list) target.removeEventListener(type, listener, options);
  };
}
