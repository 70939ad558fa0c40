/**
 * The outbound retry policy: what the outcome of one delivery attempt means (delivered, retry later, dead
 * letter, disable the subscription) and when the next attempt is due. Pure: the clock and the randomness
 * used for jitter are passed in, so every decision can be replayed in a test.
 */
import type { AttemptOutcome } from "../outbound/attempt";
import type { RetryPolicyOverride } from "../subscriptions/subscription-settings";

export type { AttemptOutcome, RetryPolicyOverride };

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Delay before each retry, measured from the failed attempt: the default schedule is attempts at 0, 5 s,
 * 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, so the first attempt is immediate and seven retries follow.
 */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR];
export const DEFAULT_MAX_ATTEMPTS = 8;
/** Each scheduled delay is stretched or shrunk by up to this fraction, so retries of many deliveries spread out. */
export const JITTER_FRACTION = 0.2;
/** A receiver's `Retry-After` may postpone a retry by at most this much. */
export const RETRY_AFTER_CAP_MS = HOUR;
export const DEFAULT_TIMEOUT_MS = 10 * SECOND;

export interface RetryPolicy {
  /** Delay before retry n (n = 1, 2, …) after the failed attempt n; the last entry repeats when attempts outnumber it. */
  retryDelaysMs: readonly number[];
  /** Attempts in all, the first included; a delivery still failing after the last one is dead-lettered. */
  maxAttempts: number;
  /** How long one attempt may take before it counts as a timeout. */
  timeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retryDelaysMs: DEFAULT_RETRY_DELAYS_MS,
  maxAttempts: DEFAULT_MAX_ATTEMPTS,
  timeoutMs: DEFAULT_TIMEOUT_MS,
};

/**
 * The policy a subscription runs with. A custom schedule without maxAttempts keeps its own length (one first
 * attempt plus one retry per delay); maxAttempts alone keeps the default delays, repeating the last one.
 */
export function resolveRetryPolicy(override: RetryPolicyOverride | null | undefined): RetryPolicy {
  const retryDelaysMs = override?.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  return {
    retryDelaysMs,
    maxAttempts: override?.maxAttempts ?? (override?.retryDelaysMs ? retryDelaysMs.length + 1 : DEFAULT_MAX_ATTEMPTS),
    timeoutMs: override?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
}

export type AttemptDecision =
  | { kind: "delivered" }
  | { kind: "retry"; at: number }
  | { kind: "dead_letter" }
  /**
   * The subscription is to be disabled, for `reason`. `delivery` says what becomes of the delivery: `ended` (410
   * Gone: not sent again), `held` (callbacks kept failing: it goes again once the subscription is saved), or
   * `dead_letter` (that was its last attempt).
   */
  | { kind: "disable"; reason: string; delivery: "ended" | "held" | "dead_letter" };

/** Why a 410 disables a subscription. */
export const GONE_REASON = "The receiver answered 410 Gone";

export const isSuccessStatus = (status: number): boolean => status >= 200 && status <= 299;

/** Scales a delay by a random factor in [1 - 20 %, 1 + 20 %): `random` returns a number in [0, 1) like Math.random. */
export function withJitter(delayMs: number, random: () => number): number {
  return Math.round(delayMs * (1 + (random() * 2 - 1) * JITTER_FRACTION));
}

/** The scheduled delay (before jitter) between failed attempt `attempt` (1-based) and the next one. */
export function scheduledDelayMs(policy: RetryPolicy, attempt: number): number {
  const { retryDelaysMs } = policy;
  return retryDelaysMs[Math.min(attempt, retryDelaysMs.length) - 1] ?? 0;
}

/**
 * How long a `Retry-After` header asks us to wait, in ms, capped at RETRY_AFTER_CAP_MS: either delay-seconds
 * or an HTTP-date (a date in the past means now). Null when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  const text = value?.trim();
  if (!text) return null;
  const delayMs = /^\d+$/.test(text) ? Number(text) * SECOND : Math.max(0, Date.parse(text) - now);
  return Number.isNaN(delayMs) ? null : Math.min(delayMs, RETRY_AFTER_CAP_MS);
}

export interface AttemptResult {
  /** 1-based number of the attempt that just finished. */
  attempt: number;
  outcome: AttemptOutcome;
  policy: RetryPolicy;
  /** Epoch ms when the attempt finished. */
  now: number;
  random: () => number;
}

/**
 * Decides what follows an attempt: 2xx delivers, 410 disables the subscription (and so, later, do failures that
 * go on too long: disableWhenFailingTooLong), anything else retries on the
 * jittered schedule until the policy's last attempt, after which the delivery is dead-lettered (at once when the
 * attempt says no retry can succeed: a `final` network error). A
 * `Retry-After` only ever postpones a retry (never brings it forward), and by at most an hour.
 */
export function decideAfterAttempt({ attempt, outcome, policy, now, random }: AttemptResult): AttemptDecision {
  if (outcome.kind === "response" && isSuccessStatus(outcome.status)) return { kind: "delivered" };
  if (outcome.kind === "response" && outcome.status === 410) return { kind: "disable", reason: GONE_REASON, delivery: "ended" };
  if (attempt >= policy.maxAttempts || (outcome.kind === "network_error" && outcome.final)) return { kind: "dead_letter" };
  const scheduled = withJitter(scheduledDelayMs(policy, attempt), random);
  const requested = outcome.kind === "response" ? (parseRetryAfter(outcome.retryAfter, now) ?? 0) : 0;
  return { kind: "retry", at: now + Math.max(scheduled, requested) };
}

/** The failing streak an attempt's decision is judged against (failing-streaks.ts). */
export interface FailingStreak {
  /** When the subscription's callbacks started failing with no success since (this attempt's time if it starts the streak). */
  since: number;
  /** 0 = never disabled. */
  disableAfterHours: number;
  /** When the attempt finished. */
  now: number;
}

/**
 * Auto-disable: a failed attempt (one that retries or dead-letters) once the subscription's callbacks have
 * failed continuously for `disableAfterHours` disables it instead; the delivery is held for when it is saved
 * again, or dead-lettered if that was its last attempt.
 */
export function disableWhenFailingTooLong(decision: AttemptDecision, streak: FailingStreak): AttemptDecision {
  if (decision.kind !== "retry" && decision.kind !== "dead_letter") return decision;
  if (streak.disableAfterHours <= 0 || streak.now < streak.since + streak.disableAfterHours * HOUR) return decision;
  return {
    kind: "disable",
    reason: `Callbacks failed continuously for ${streak.disableAfterHours} hours`,
    delivery: decision.kind === "retry" ? "held" : "dead_letter",
  };
}
