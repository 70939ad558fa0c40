/** judgeAttempt(): what one attempt means for its delivery, decided purely from the outcome, policy and clock. */
import { describe, expect, it } from "vitest";
import { judgeAttempt, type AttemptTarget } from "../../src/delivery/attempt-judgement";
import { CLOSED_BREAKER } from "../../src/delivery/circuit-breaker";
import type { DeliveryRow } from "../../src/delivery/delivery-tables";
import type { AttemptRecord } from "../../src/outbound/attempt";

const delivery = { id: "msg_7_WBH1", subscription_id: "WBH1", event_seq: 7 } as DeliveryRow;
const target: AttemptTarget = { policy: { retryDelaysMs: [1_000, 2_000], maxAttempts: 3, timeoutMs: 500 }, blockOnDead: true, url: "https://r.example/h", tenantId: "ten_1" };
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
    expect(judgement.decision.kind).toBe("disable");
    expect(judgement.update).toMatchObject({ status: "dead", lastStatus: 410 });
  });
});
