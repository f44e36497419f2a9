import type { KV } from '../storage';

/** How long a localStorage lease is trusted when Web Locks are missing. */
const LEASE_MS = 10000;

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
  if (heldElsewhere(kv.get<{ tab: string; exp: number }>('lease'), tab, now())) return Promise.resolve(false);
  const lease = () => kv.set('lease', { tab, exp: now() + LEASE_MS });
  lease();
  const renew = setInterval(lease, LEASE_MS / 3);
  return fn().then(
    () => true,
    () => false,
  ).finally(() => {
    clearInterval(renew);
    if (kv.get<{ tab: string }>('lease')?.tab === tab) kv.remove('lease');
  });
}

/** The last lease seen from the future, and when (monotonic): see heldElsewhere. */
let futureLease: { raw: string; at: number } | undefined;
/** A clock immune to the wall clock jumping (also the queue's default). */
export const monotonic = () => (typeof performance === 'undefined' ? Date.now() : performance.now());

/**
 * Whether another tab holds the lease. A lease expiring further ahead than a
 * lease can last was written before the clock was set back: it is trusted
 * while its holder keeps renewing it (it changes), and for LEASE_MS after the
 * last change, so a dead holder's lease still runs out.
 */
function heldElsewhere(lease: { tab: string; exp: number } | undefined, tab: string, now: number): boolean {
  if (!lease || lease.tab === tab || !(lease.exp > now)) return false;
  if (lease.exp <= now + LEASE_MS) return true;
  const raw = JSON.stringify(lease);
  if (futureLease?.raw !== raw) futureLease = { raw, at: monotonic() };
  return monotonic() - futureLease.at < LEASE_MS;
}
