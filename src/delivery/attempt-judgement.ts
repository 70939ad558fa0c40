/**
 * What one attempt means for its delivery, decided without touching anything: the delivery's new state, the
 * circuit breaker's transition, the log line and the attempt-log row. The drain applies the judgement. Pure:
 * the clock and the randomness for jitter come in with the input.
 */
import { ERASED_REASON } from "./erased-events";
import type { Subscription } from "../db/schema";
import type { AttemptRecord } from "../outbound/attempt";
import { LIFECYCLE_SUBSCRIPTION_ID } from "../lifecycle/post-hooks";
import { isOperationalDelivery } from "./operational-signals";
import { recordFailure, recordSuccess, type CircuitBreaker } from "./circuit-breaker";
import type { AttemptLogRow } from "./control-plane";
import type { DeliveryStatus, HeadRow } from "./delivery-tables";
import {
  decideAfterAttempt,
  DEFAULT_RETRY_POLICY,
  disableWhenFailingTooLong,
  resolveRetryPolicy,
  type AttemptDecision,
  type RetryPolicy,
  type RetryPolicyOverride,
} from "./retry-policy";
import type { StreakTarget } from "./failing-streaks";
import { DEFAULT_DISABLE_AFTER_FAILING_HOURS } from "../subscriptions/subscription-settings";

/** Who judges the attempts of a delivery; its StreakTarget part decides auto-disable (a lifecycle hook is never disabled). */
export interface AttemptTarget extends StreakTarget {
  policy: RetryPolicy;
  blockOnDead: boolean;
  url: string;
  tenantId: string;
}

/** Its subscription, or the default policy for a lifecycle hook or an operational webhook; null when the subscription was deleted. */
export function targetOf(delivery: HeadRow, subscription: Subscription | null, tenantId: string): AttemptTarget | null {
  if ((delivery.subscription_id === LIFECYCLE_SUBSCRIPTION_ID || isOperationalDelivery(delivery)) && delivery.url !== null) {
    return { policy: DEFAULT_RETRY_POLICY, blockOnDead: false, url: delivery.url, tenantId, savedAt: 0, disableAfterHours: 0 };
  }
  if (!subscription) return null;
  return {
    policy: resolveRetryPolicy(subscription.retryPolicy as RetryPolicyOverride | null),
    blockOnDead: subscription.deadLetterPolicy === "block",
    url: subscription.callbackUrl,
    tenantId: subscription.tenantId,
    savedAt: subscription.updatedAt,
    disableAfterHours: subscription.disableAfterFailingHours ?? DEFAULT_DISABLE_AFTER_FAILING_HOURS,
  };
}

export interface DeliveryUpdate {
  status: DeliveryStatus;
  blocking?: boolean;
  nextAttemptAt?: number;
  lastStatus: number | null;
  lastError: string | null;
  now: number;
}

export interface Judgement {
  decision: AttemptDecision;
  update: DeliveryUpdate;
  breaker: (current: CircuitBreaker) => CircuitBreaker;
  /** One structured line: identifiers and outcome only, never the body, URL credentials or secrets. */
  logLine: { level: "info" | "warn"; fields: Record<string, unknown> };
  logRow: AttemptLogRow;
}

/** The delivery's new state after `decision`. */
function updateAfter(decision: AttemptDecision, target: AttemptTarget, common: Omit<DeliveryUpdate, "status">): DeliveryUpdate {
  switch (decision.kind) {
    case "delivered":
      return { status: "delivered", ...common };
    case "retry":
      return { status: "pending", nextAttemptAt: decision.at, ...common };
    case "dead_letter":
      return { status: "dead", blocking: target.blockOnDead, ...common };
    case "disable":
      // Failing too long: held by its disabled subscription, due at once when it is saved again (or dead-lettered
      // if that was its last attempt). A 410 ends it.
      if (decision.delivery === "held") return { status: "pending", nextAttemptAt: common.now, ...common };
      return decision.delivery === "dead_letter" ? { status: "dead", blocking: target.blockOnDead, ...common } : { status: "dead", ...common };
  }
}

export function judgeAttempt(input: {
  delivery: HeadRow;
  attemptNumber: number;
  record: AttemptRecord;
  target: AttemptTarget;
  now: number;
  random: () => number;
  /** When the subscription's failing streak began (failing-streaks.ts); null or left out: this attempt would begin one. */
  failingSince?: number | null;
}): Judgement {
  const { delivery, attemptNumber, record, target, now } = input;
  const decided = decideAfterAttempt({ attempt: attemptNumber, outcome: record.outcome, policy: target.policy, now, random: input.random });
  const decision = disableWhenFailingTooLong(decided, { since: input.failingSince ?? now, disableAfterHours: target.disableAfterHours, now });
  const common = { lastStatus: record.statusCode, lastError: record.error, now };
  const update = updateAfter(decision, target, common);
  const ids = { tenantId: target.tenantId, deliveryId: delivery.id, subscriptionId: delivery.subscription_id, eventSeq: delivery.event_seq, attempt: attemptNumber };
  return {
    decision,
    update,
    breaker: (current) => (decision.kind === "delivered" ? recordSuccess() : recordFailure(current, now)),
    // Delivered ones are `info`, so LOG_LEVEL=warn keeps only the attempts that need a look.
    logLine: {
      level: decision.kind === "delivered" ? "info" : "warn",
      fields: { ...ids, status: record.statusCode, durationMs: record.durationMs, outcome: decision.kind },
    },
    logRow: {
      // Delivery ids repeat across tenants (seq and subscription ids count per tenant); the tenant makes the row id unique.
      id: `${target.tenantId}_${delivery.id}_a${attemptNumber}_${now}`,
      ...ids,
      startedAt: record.startedAt,
      durationMs: record.durationMs,
      statusCode: record.statusCode,
      error: record.error,
      responseExcerpt: record.responseExcerpt,
    },
  };
}

/**
 * The judgement of a send whose record was erased while it was out: a retry becomes a skip and a blocking dead
 * letter lets its stream go (nothing of the record is sent again), and the receiver's response is not kept.
 */
export function forErasedEvent(judgement: Judgement): Judgement {
  const { update } = judgement;
  const closed: DeliveryUpdate =
    update.status === "pending" ? { ...update, status: "skipped", nextAttemptAt: undefined, lastError: ERASED_REASON } : { ...update, blocking: false };
  return { ...judgement, update: closed, logRow: { ...judgement.logRow, responseExcerpt: null } };
}
