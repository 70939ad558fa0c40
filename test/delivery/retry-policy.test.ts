import { describe, expect, it } from "vitest";
import {
  type AttemptOutcome,
  DEFAULT_RETRY_POLICY,
  DEFAULT_TIMEOUT_MS,
  type RetryPolicy,
  decideAfterAttempt,
  parseRetryAfter,
  resolveRetryPolicy,
  withJitter,
} from "../../src/delivery/retry-policy";
import { MAX_TIMEOUT_MS, retryPolicyOverrideSchema } from "../../src/subscriptions/subscription-settings";
import { seededRandom as seeded } from "../seeded-random";

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
/** random() = 0.5 puts the jitter factor at exactly 1, so the scheduled delay shows through unchanged. */
const noJitter = () => 0.5;
const failed = (status = 500, retryAfter?: string): AttemptOutcome => ({ kind: "response", status, retryAfter });

function decide(attempt: number, outcome: AttemptOutcome, policy: RetryPolicy = DEFAULT_RETRY_POLICY, random = noJitter) {
  return decideAfterAttempt({ attempt, outcome, policy, now: NOW, random });
}


describe("default retry schedule", () => {
  it.each([
    [1, 5 * SECOND],
    [2, 5 * MINUTE],
    [3, 30 * MINUTE],
    [4, 2 * HOUR],
    [5, 5 * HOUR],
    [6, 10 * HOUR],
    [7, 10 * HOUR],
  ])("after failed attempt %i the next one is due %i ms later", (attempt, delay) => {
    expect(decide(attempt, failed())).toEqual({ kind: "retry", at: NOW + delay });
  });

  it("dead-letters a delivery whose 8th attempt failed", () => {
    expect(decide(8, failed())).toEqual({ kind: "dead_letter" });
    expect(decide(9, failed())).toEqual({ kind: "dead_letter" });
  });

  it("a delivery that always fails is attempted at 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after each failure", () => {
    const attemptTimes: number[] = [];
    let at = NOW;
    for (let attempt = 1; ; attempt++) {
      attemptTimes.push(at);
      const decision = decideAfterAttempt({ attempt, outcome: { kind: "timeout" }, policy: DEFAULT_RETRY_POLICY, now: at, random: noJitter });
      if (decision.kind !== "retry") {
        expect(decision.kind).toBe("dead_letter");
        break;
      }
      at = decision.at;
    }
    const gaps = attemptTimes.map((time, index) => time - (attemptTimes[index - 1] ?? NOW));
    expect(gaps).toEqual([0, 5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]);
  });

  it("the default attempt timeout is 10 s and 30 s is the most a subscription may set", () => {
    expect(DEFAULT_RETRY_POLICY.timeoutMs).toBe(DEFAULT_TIMEOUT_MS);
    expect(DEFAULT_TIMEOUT_MS).toBe(10 * SECOND);
    expect(MAX_TIMEOUT_MS).toBe(30 * SECOND);
  });
});

describe("jitter", () => {
  it.each([
    [0, 240_000],
    [0.25, 270_000],
    [0.5, 300_000],
    [0.75, 330_000],
    [0.999_999, 360_000],
  ])("random() = %d scales a 5 min delay to %i ms (±20 %%)", (random, expected) => {
    expect(withJitter(5 * MINUTE, () => random)).toBeCloseTo(expected, -1);
  });

  it("spreads retries across the whole ±20 % band and never outside it", () => {
    const random = seeded(42);
    const delays = Array.from({ length: 2_000 }, () => decide(2, failed(), DEFAULT_RETRY_POLICY, random)).map((decision) =>
      decision.kind === "retry" ? decision.at - NOW : Number.NaN,
    );
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0.8 * 5 * MINUTE);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1.2 * 5 * MINUTE);
    expect(Math.min(...delays)).toBeLessThan(0.82 * 5 * MINUTE);
    expect(Math.max(...delays)).toBeGreaterThan(1.18 * 5 * MINUTE);
  });

  it("a zero delay stays zero", () => {
    expect(withJitter(0, () => 0.99)).toBe(0);
  });
});

describe("outcome classification", () => {
  it.each<[string, AttemptOutcome, string]>([
    ["200", failed(200), "delivered"],
    ["201", failed(201), "delivered"],
    ["204", failed(204), "delivered"],
    ["299", failed(299), "delivered"],
    ["410 Gone", failed(410), "disable"],
    ["199", failed(199), "retry"],
    ["301 (redirects are not followed)", failed(301), "retry"],
    ["304", failed(304), "retry"],
    ["400", failed(400), "retry"],
    ["401", failed(401), "retry"],
    ["404", failed(404), "retry"],
    ["408", failed(408), "retry"],
    ["429", failed(429), "retry"],
    ["500", failed(500), "retry"],
    ["503", failed(503), "retry"],
    ["timeout", { kind: "timeout" }, "retry"],
    ["network error", { kind: "network_error", error: "connection reset" }, "retry"],
    ["refused connection", { kind: "network_error", error: "connection refused", beforeSend: true }, "retry"],
  ])("%s on a middle attempt → %s", (_, outcome, kind) => {
    expect(decide(3, outcome).kind).toBe(kind);
  });

  it.each<[string, AttemptOutcome, string]>([
    ["200", failed(200), "delivered"],
    ["410", failed(410), "disable"],
    ["500", failed(500), "dead_letter"],
    ["429 with Retry-After", failed(429, "10"), "dead_letter"],
    ["timeout", { kind: "timeout" }, "dead_letter"],
    ["network error", { kind: "network_error", error: "reset" }, "dead_letter"],
  ])("%s on the last attempt → %s", (_, outcome, kind) => {
    expect(decide(8, outcome).kind).toBe(kind);
  });
});

describe("Retry-After", () => {
  it.each<[string | null | undefined, number | null]>([
    [undefined, null],
    [null, null],
    ["", null],
    ["soon", null],
    ["0", 0],
    [" 30 ", 30 * SECOND],
    ["3600", HOUR],
    ["3601", HOUR],
    ["86400", HOUR],
    [new Date(NOW + 90 * SECOND).toUTCString(), 90 * SECOND],
    [new Date(NOW + 2 * HOUR).toUTCString(), HOUR],
    [new Date(NOW - MINUTE).toUTCString(), 0],
  ])("parseRetryAfter(%j) = %j ms", (header, expected) => {
    expect(parseRetryAfter(header, NOW)).toBe(expected);
  });

  it("postpones a retry the schedule would send sooner", () => {
    expect(decide(1, failed(429, "120"))).toEqual({ kind: "retry", at: NOW + 120 * SECOND });
    expect(decide(1, failed(503, new Date(NOW + 10 * MINUTE).toUTCString()))).toEqual({ kind: "retry", at: NOW + 10 * MINUTE });
  });

  it("is capped at one hour", () => {
    expect(decide(1, failed(503, "7200"))).toEqual({ kind: "retry", at: NOW + HOUR });
  });

  it("never brings a retry forward: the schedule wins when it is later", () => {
    expect(decide(6, failed(503, "60"))).toEqual({ kind: "retry", at: NOW + 10 * HOUR });
    // random() = 0 shrinks the scheduled 5 s to 4 s; the receiver asked for 5 s, so 5 s it is.
    expect(decide(1, failed(429, "5"), DEFAULT_RETRY_POLICY, () => 0)).toEqual({ kind: "retry", at: NOW + 5 * SECOND });
  });

  it("an unreadable or past Retry-After leaves the schedule alone", () => {
    expect(decide(2, failed(503, "later"))).toEqual({ kind: "retry", at: NOW + 5 * MINUTE });
    expect(decide(2, failed(503, new Date(NOW - HOUR).toUTCString()))).toEqual({ kind: "retry", at: NOW + 5 * MINUTE });
  });
});

describe("per-subscription override", () => {
  it("no override is the default policy", () => {
    expect(resolveRetryPolicy(undefined)).toEqual(DEFAULT_RETRY_POLICY);
    expect(resolveRetryPolicy(null)).toEqual(DEFAULT_RETRY_POLICY);
    expect(resolveRetryPolicy({})).toEqual(DEFAULT_RETRY_POLICY);
  });

  it("a custom schedule alone gives one first attempt plus one retry per delay (the compressed test schedule)", () => {
    const policy = resolveRetryPolicy({ retryDelaysMs: [10, 20, 40] });
    expect(policy.maxAttempts).toBe(4);
    expect([1, 2, 3, 4].map((attempt) => decide(attempt, failed(), policy))).toEqual([
      { kind: "retry", at: NOW + 10 },
      { kind: "retry", at: NOW + 20 },
      { kind: "retry", at: NOW + 40 },
      { kind: "dead_letter" },
    ]);
  });

  it("fewer attempts than the default dead-letters earlier", () => {
    const policy = resolveRetryPolicy({ maxAttempts: 3 });
    expect(decide(2, failed(), policy)).toEqual({ kind: "retry", at: NOW + 5 * MINUTE });
    expect(decide(3, failed(), policy)).toEqual({ kind: "dead_letter" });
  });

  it("more attempts than delays repeat the last delay", () => {
    const policy = resolveRetryPolicy({ maxAttempts: 10 });
    expect(decide(8, failed(), policy)).toEqual({ kind: "retry", at: NOW + 10 * HOUR });
    expect(decide(9, failed(), policy)).toEqual({ kind: "retry", at: NOW + 10 * HOUR });
    expect(decide(10, failed(), policy)).toEqual({ kind: "dead_letter" });
    const single = resolveRetryPolicy({ retryDelaysMs: [100], maxAttempts: 4 });
    expect([1, 2, 3].map((attempt) => decide(attempt, failed(), single))).toEqual(Array(3).fill({ kind: "retry", at: NOW + 100 }));
  });

  it("one attempt only: the first failure is a dead letter", () => {
    expect(decide(1, failed(), resolveRetryPolicy({ maxAttempts: 1 }))).toEqual({ kind: "dead_letter" });
  });

  it("a custom timeout is kept; without one the default applies", () => {
    expect(resolveRetryPolicy({ timeoutMs: 2_500 }).timeoutMs).toBe(2_500);
    expect(resolveRetryPolicy({ maxAttempts: 2 }).timeoutMs).toBe(10 * SECOND);
  });

  it.each([
    [{}],
    [{ retryDelaysMs: [0, 1_000], maxAttempts: 5, timeoutMs: 30_000 }],
    [{ timeoutMs: 1 }],
    [{ maxAttempts: 50 }],
    [{ retryDelaysMs: [24 * HOUR] }],
  ])("accepts the override %j", (override) => {
    expect(retryPolicyOverrideSchema.safeParse(override).success).toBe(true);
  });

  it.each([
    ["a timeout above 30 s", { timeoutMs: 30_001 }],
    ["a zero timeout", { timeoutMs: 0 }],
    ["a fractional timeout", { timeoutMs: 1.5 }],
    ["zero attempts", { maxAttempts: 0 }],
    ["more than 50 attempts", { maxAttempts: 51 }],
    ["an empty schedule", { retryDelaysMs: [] }],
    ["a negative delay", { retryDelaysMs: [-1] }],
    ["a delay above 24 h", { retryDelaysMs: [24 * HOUR + 1] }],
    ["an unknown field", { backoff: "exponential" }],
  ])("rejects %s", (_, override) => {
    expect(retryPolicyOverrideSchema.safeParse(override).success).toBe(false);
  });
});
