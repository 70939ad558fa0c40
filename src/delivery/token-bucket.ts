/**
 * A token bucket for a rate limit of `rate` sends a second whose burst equals the rate: it refills
 * continuously, holds at most `rate` tokens, and each send takes one. Plain data and pure functions with the
 * clock passed in, like the circuit breaker.
 */

export interface TokenBucket {
  /** Tokens available at `refilledAt` (fractional: the bucket refills continuously). */
  tokens: number;
  /** Epoch ms the tokens were counted at. */
  refilledAt: number;
}

/** A bucket that has not been used yet: a full burst. */
export const fullBucket = (rate: number, now: number): TokenBucket => ({ tokens: rate, refilledAt: now });

/** The bucket at `now`: refilled for the time passed, never past its burst (a lowered rate lowers the burst at once). */
export function refill(bucket: TokenBucket, rate: number, now: number): TokenBucket {
  const elapsed = Math.max(0, now - bucket.refilledAt);
  return { tokens: Math.min(rate, bucket.tokens + (elapsed * rate) / 1_000), refilledAt: Math.max(now, bucket.refilledAt) };
}

/**
 * Takes one token at `now`: `taken` with the bucket after it, or `wait` until the epoch ms the next whole
 * token is there (the bucket as refilled, nothing taken).
 */
export function takeToken(bucket: TokenBucket, rate: number, now: number): { kind: "taken"; bucket: TokenBucket } | { kind: "wait"; until: number; bucket: TokenBucket } {
  const current = refill(bucket, rate, now);
  // The epsilon absorbs floating-point error: a wake-up at `until` must find its token.
  if (current.tokens >= 1 - 1e-9) return { kind: "taken", bucket: { ...current, tokens: Math.max(0, current.tokens - 1) } };
  // Rounded up to the next ms, so a wake-up at `until` always finds the token.
  return { kind: "wait", until: current.refilledAt + Math.ceil(((1 - current.tokens) * 1_000) / rate), bucket: current };
}
