import type { KV } from '../storage';

/** How long a localStorage lease is trusted when Web Locks are missing. */
export const LEASE_MS = 10000;

/**
 * Run `fn` while holding the origin-wide send lock, so only one tab sends at a
 * time. Web Locks release themselves when a tab dies; without them (insecure
 * context, old browsers) a lease with expiry in localStorage stands in.
 * Resolves false without running `fn` when another tab holds the lease.
 */
export function withSendLock(kv: KV, tab: string, now: () => number, fn: () => Promise<void>): Promise<boolean> {
  const locks = (globalThis as { navigator?: Navigator }).navigator?.locks;
  if (locks?.request) {
    return locks.request('waymark:v1:send', () => fn()).then(
      () => true,
      () => false,
    );
  }
  const lease = kv.get<{ tab: string; exp: number }>('lease');
  if (lease && lease.tab !== tab && lease.exp > now()) return Promise.resolve(false);
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
