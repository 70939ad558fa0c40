/** judgeAttempt(): what one attempt means for its delivery, decided purely from the outcome, policy and clock. */
import { describe, expect, it } from "vitest";
import { judgeAttempt, type AttemptTarget } from "../../src/delivery/attempt-judgement";
import { CLOSED_BREAKER } from "../../src/delivery/circuit-breaker";
import type { DeliveryRow } from "../../src/delivery/delivery-tables";
import type { AttemptRecord } from "../../src/outbound/attempt";

const delivery = { id: "msg_7_WBH1", subscription_id: "WBH1", event_seq: 7 } as DeliveryRow;
const target: AttemptTarget = { policy: { retryDelaysMs: [1_000, 2_000], maxAttempts: 3, timeoutMs: 500 }, blockOnDead: true, url: "https://r.example/h", tenantId: "ten_1", savedAt: 1, disableAfterHours: 120 };
const answered = (status: number): AttemptRecord => ({
  outcome: { kind: "response", status, retryAfter: null },
  startedAt: 100,
  durationMs: 5,
  statusCode: status,
  error: null,
  responseExcerpt: "x",
});
const judge = (attemptNumber: number, record: AttemptRecord) => judgeAttempt({ delivery, attemptNumber, record, target, now: 10_000, random: () => 0.5 });

describe("judgeAttempt", () => {
  it("a 2xx delivers, closes the breaker, and logs at info", () => {
    const judgement = judge(1, answered(204));
    expect(judgement.update).toEqual({ status: "delivered", lastStatus: 204, lastError: null, now: 10_000 });
    expect(judgement.breaker({ state: "open", consecutiveFailures: 3, openedAt: 1, openUntil: 2 })).toEqual(CLOSED_BREAKER);
    expect(judgement.logLine).toMatchObject({ level: "info", fields: { deliveryId: "msg_7_WBH1", attempt: 1, outcome: "delivered" } });
    expect(judgement.logRow).toMatchObject({ id: "ten_1_msg_7_WBH1_a1_10000", eventSeq: 7, statusCode: 204, responseExcerpt: "x" });
  });

  it("a failure before the last attempt retries after the policy's delay (jitter at its midpoint), at warn", () => {
    const judgement = judge(1, answered(503));
    expect(judgement.update).toMatchObject({ status: "pending", nextAttemptAt: 11_000, lastStatus: 503 });
    expect(judgement.breaker(CLOSED_BREAKER).consecutiveFailures).toBe(1);
    expect(judgement.logLine.level).toBe("warn");
  });

  it("the last attempt's failure dead-letters, blocking the stream under the block policy", () => {
    expect(judge(3, answered(500)).update).toMatchObject({ status: "dead", blocking: true, lastStatus: 500 });
  });

  it("410 Gone ends the delivery and asks for the subscription to be disabled", () => {
    const judgement = judge(1, answered(410));
    expect(judgement.decision).toEqual({ kind: "disable", reason: "The receiver answered 410 Gone", delivery: "ended" });
    expect(judgement.update).toMatchObject({ status: "dead", lastStatus: 410 });
  });
});

describe("auto-disable", () => {
  const HOUR = 3_600_000;
  const judgeAt = (now: number, failingSince: number | null, record = answered(503), attemptNumber = 1, disableAfterHours = 120) =>
    judgeAttempt({ delivery, attemptNumber, record, target: { ...target, disableAfterHours }, now, random: () => 0.5, failingSince });

  it("a failure 120 hours after the streak began disables the subscription, and the delivery is held, due at once", () => {
    const judgement = judgeAt(120 * HOUR, 0);
    expect(judgement.decision).toEqual({ kind: "disable", reason: "Callbacks failed continuously for 120 hours", delivery: "held" });
    expect(judgement.update).toMatchObject({ status: "pending", nextAttemptAt: 120 * HOUR, lastStatus: 503 });
    expect(judgement.logLine.level).toBe("warn");
  });

  it("not a millisecond before: the failure retries as usual", () => {
    expect(judgeAt(120 * HOUR - 1, 0).decision.kind).toBe("retry");
  });

  it("an attempt that begins the streak (none before it) never disables", () => {
    expect(judgeAt(500 * HOUR, null).decision.kind).toBe("retry");
  });

  it("a success never disables, however long the streak before it", () => {
    expect(judgeAt(500 * HOUR, 0, answered(200)).decision.kind).toBe("delivered");
  });

  it("0 hours: never", () => {
    expect(judgeAt(10_000 * HOUR, 0, answered(503), 1, 0).decision.kind).toBe("retry");
  });

  it("the last attempt's failure past the limit disables and dead-letters its delivery under the subscription's policy", () => {
    const judgement = judgeAt(6 * HOUR, 0, answered(500), 3, 5);
    expect(judgement.decision).toEqual({ kind: "disable", reason: "Callbacks failed continuously for 5 hours", delivery: "dead_letter" });
    expect(judgement.update).toMatchObject({ status: "dead", blocking: true });
  });

  it("a 410 keeps its own reason", () => {
    expect(judgeAt(500 * HOUR, 0, answered(410)).decision).toMatchObject({ reason: "The receiver answered 410 Gone", delivery: "ended" });
  });
});
