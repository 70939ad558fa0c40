/**
 * Per-subscription rate limits of the drain: one token bucket (token-bucket.ts) per subscription with a
 * `rateLimitPerSecond`, and one for the tenant's asynchronous lifecycle hook deliveries. The buckets live in
 * memory only: a restarted object starts every bucket with a full burst (at most one burst more in that second).
 */
import type { LifecycleHooks, Subscription } from "../db/schema";
import { LIFECYCLE_SUBSCRIPTION_ID } from "../lifecycle/post-hooks";
import { fullBucket, refill, takeToken, type TokenBucket } from "./token-bucket";

/** The rate limit a delivery of `subscriptionId` goes under (null: unlimited). */
export function rateLimitOf(subscriptionId: string, subscription: Subscription | undefined, lifecycle: LifecycleHooks | null): number | null {
  if (subscriptionId === LIFECYCLE_SUBSCRIPTION_ID) return lifecycle?.rateLimitPerSecond ?? null;
  return subscription?.rateLimitPerSecond ?? null;
}

export class SendThrottle {
  /** By subscription id (the lifecycle hooks' pseudo id for their bucket); at most one per subscription. */
  private readonly buckets = new Map<string, TokenBucket>();

  /** Takes a token for a send now: null when taken (or unlimited), else the epoch ms the next token is there. */
  take(subscriptionId: string, rate: number | null, now: number): number | null {
    if (rate === null) {
      this.buckets.delete(subscriptionId);
      return null;
    }
    const taken = takeToken(this.buckets.get(subscriptionId) ?? fullBucket(rate, now), rate, now);
    this.buckets.set(subscriptionId, taken.bucket);
    return taken.kind === "taken" ? null : taken.until;
  }

  /** Whether a send now would wait for a token (for the streams view; takes nothing). */
  waiting(subscriptionId: string, rate: number | null, now: number): boolean {
    const bucket = this.buckets.get(subscriptionId);
    return rate !== null && bucket !== undefined && refill(bucket, rate, now).tokens < 1 - 1e-9;
  }
}
