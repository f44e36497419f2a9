import type { KV } from '../storage';

/** How long a localStorage lease is trusted when Web Locks are missing. */
export const LEASE_MS = 10000;

/**
 * Run `fn` while holding the origin-wide send lock, so only one tab sends at a
 * time. Web Locks release themselves when a tab dies; without them (insecure
 * context, old browsers) a lease with expiry in localStorage stands in.
 * Resolves false without running `fn` when another tab keeps the lock for
 * longer than `waitMs` (every send is bounded, so a live holder lets go sooner).
 */
export function withSendLock(kv: KV, tab: string, now: () => number, fn: () => Promise<void>, waitMs = 10000): Promise<boolean> {
  const locks = (globalThis as { navigator?: Navigator }).navigator?.locks;
  if (locks?.request) {
    const options = typeof AbortSignal !== 'undefined' && AbortSignal.timeout ? { signal: AbortSignal.timeout(waitMs) } : { ifAvailable: true };
    return locks.request('waymark:v1:send', options, (lock) => (lock ? fn().then(() => true) : false)).then(
      (ran) => ran === true,
      () => false,
    );
  }
  const lease = kv.get<{ tab: string; exp: number }>('lease');
  // A lease expiring further ahead than a lease can last was written by a clock that was wrong.
  if (lease && lease.tab !== tab && lease.exp > now() && lease.exp <= now() + LEASE_MS) return Promise.resolve(false);
  kv.set('lease', { tab, exp: now() + LEASE_MS });
  const renew = setInterval(() => kv.set('lease', { tab, exp: now() + LEASE_MS }), LEASE_MS / 3);
  return fn().then(
    () => true,
    () => false,
  ).finally(() => {
    clearInterval(renew);
    if (kv.get<{ tab: string }>('lease')?.tab === tab) kv.remove('lease');
  });
}
