/**
 * The circuit breaker of one callback URL: after too many consecutive failed attempts it stops deliveries to
 * that URL for a cool-down, then lets exactly one probe (a stream's head) through; the probe's success closes
 * it, its failure re-opens it for twice as long (up to a cap). Plain data and pure functions with the clock
 * passed in: the TenantDelivery object stores the state and asks before each send.
 */

export type CircuitState = "closed" | "open" | "half_open";

export interface CircuitBreaker {
  state: CircuitState;
  /** Failed attempts in a row; the probes that failed while the breaker was open are counted too. */
  consecutiveFailures: number;
  /** Epoch ms when the breaker last opened; null while closed. */
  openedAt: number | null;
  /**
   * Open: when the cool-down ends and a probe may go. Half-open: when the probe in flight is presumed lost
   * (its outcome never recorded, e.g. after a crash) and another may replace it. Null while closed.
   */
  openUntil: number | null;
}

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** The first cool-down; each failed probe doubles it. */
  cooldownMs: number;
  maxCooldownMs: number;
}

export const DEFAULT_CIRCUIT_BREAKER_OPTIONS: CircuitBreakerOptions = {
  failureThreshold: 10,
  cooldownMs: 60_000,
  maxCooldownMs: 60 * 60_000,
};

export const CLOSED_BREAKER: CircuitBreaker = { state: "closed", consecutiveFailures: 0, openedAt: null, openUntil: null };

/**
 * The cool-down after the given run of failures: the base at the threshold, doubled for every failed probe
 * since (each failed probe adds one failure), capped.
 */
export function cooldownAfter(consecutiveFailures: number, options: CircuitBreakerOptions = DEFAULT_CIRCUIT_BREAKER_OPTIONS): number {
  const failedProbes = Math.max(0, consecutiveFailures - options.failureThreshold);
  return Math.min(options.cooldownMs * 2 ** failedProbes, options.maxCooldownMs);
}

/** May a delivery to this URL start now? Closed: yes. Open: once the cool-down is over. Half-open: not while the probe is out. */
export function canSend(breaker: CircuitBreaker, now: number): boolean {
  return breaker.state === "closed" || now >= (breaker.openUntil ?? 0);
}

/**
 * Records that a delivery to this URL starts now. Once the cool-down is over, that delivery is the probe: the
 * breaker turns half-open and refuses others until the probe's outcome is recorded (or presumed lost).
 */
export function recordSend(breaker: CircuitBreaker, now: number, options: CircuitBreakerOptions = DEFAULT_CIRCUIT_BREAKER_OPTIONS): CircuitBreaker {
  if (breaker.state === "closed" || !canSend(breaker, now)) return breaker;
  return { ...breaker, state: "half_open", openUntil: now + cooldownAfter(breaker.consecutiveFailures, options) };
}

/** A delivery to this URL succeeded: the URL is healthy again, whatever the breaker thought. */
export const recordSuccess = (): CircuitBreaker => CLOSED_BREAKER;

/**
 * A delivery to this URL failed. Closed: one more failure, opening at the threshold. Half-open: the probe
 * failed, so open again for a doubled cool-down. Open: an attempt that started before the breaker opened
 * finished late; the breaker already knows, nothing changes.
 */
export function recordFailure(breaker: CircuitBreaker, now: number, options: CircuitBreakerOptions = DEFAULT_CIRCUIT_BREAKER_OPTIONS): CircuitBreaker {
  if (breaker.state === "open") return breaker;
  const consecutiveFailures = breaker.consecutiveFailures + 1;
  if (breaker.state === "closed" && consecutiveFailures < options.failureThreshold) return { ...breaker, consecutiveFailures };
  return { state: "open", consecutiveFailures, openedAt: now, openUntil: now + cooldownAfter(consecutiveFailures, options) };
}
