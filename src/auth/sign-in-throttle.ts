/**
 * The sign-in throttle's rule, pure (no bindings, the clock passed in): failed sign-ins are counted per account
 * (tenant + email) and per client address (tenant + `CF-Connecting-IP`) in a fixed 15-minute window that opens
 * with the first failure; a counter with 10 failures refuses every sign-in it covers, right password or not,
 * until its window ends. sign-in-failure-store.ts keeps the counters; throttled-sign-in.ts applies the rule.
 */

export const MAX_SIGN_IN_FAILURES = 10;
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;

/** One counter as stored: its key, the failures in its window, and when that window opened (epoch ms). */
export interface FailureCount {
  key: string;
  failures: number;
  windowStartedAt: number;
}

/** Why a sign-in is refused: the counters over the limit, and the seconds until the last of them lets go. */
export interface Refusal {
  keys: string[];
  retryAfterSeconds: number;
}

const windowEnd = (count: FailureCount): number => count.windowStartedAt + SIGN_IN_WINDOW_MS;

/** True once the counter's window has passed: its next failure opens a new window at 1. */
export const windowExpired = (count: FailureCount, now: number): boolean => now >= windowEnd(count);

/** The refusal for a sign-in covered by `counts`, or null when none of them is over the limit right now. */
export function refusal(counts: readonly FailureCount[], now: number): Refusal | null {
  const over = counts.filter((count) => count.failures >= MAX_SIGN_IN_FAILURES && !windowExpired(count, now));
  if (over.length === 0) return null;
  const until = Math.max(...over.map(windowEnd));
  return { keys: over.map((count) => count.key), retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) };
}

/** The account counter: one per tenant and email, whatever the case the email was typed in. */
export const accountKey = (tenantId: string, email: string): string => `account:${tenantId}:${email.trim().toLowerCase()}`;

/** The address counter; requests without `CF-Connecting-IP` (never the case behind Cloudflare) share one. */
export const addressKey = (tenantId: string, connectingIp: string | undefined): string =>
  `address:${tenantId}:${connectingIp ? addressBucket(connectingIp) : "unknown"}`;

/**
 * An IPv4 address is its own bucket; an IPv6 address counts for its /64, the block one subscriber gets, so
 * walking the addresses of one's own block does not reset the counter.
 */
function addressBucket(address: string): string {
  const text = address.trim().toLowerCase();
  // IPv4, or IPv4 mapped into IPv6 (::ffff:192.0.2.1): the IPv4 part.
  if (text.includes(".")) return text.slice(text.lastIndexOf(":") + 1);
  if (!text.includes(":")) return text;
  const [head = "", tail] = text.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...new Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  const prefix = groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, ""));
  return `${prefix.join(":")}::/64`;
}
