/**
 * Which operational events one attempt outcome raises, decided without touching anything: a dead letter
 * (delivery.dead_lettered, plus stream.blocked under the `block` policy; a lifecycle post hook's is
 * lifecycle_hook.failed), a breaker that turns open (subscription.circuit_opened), and the first success after
 * an open breaker or a dead letter (subscription.recovered). Operational deliveries raise nothing: they never
 * trigger themselves.
 */
import type { OperationalEventType } from "../db/schema";
import { LIFECYCLE_SUBSCRIPTION_ID } from "../lifecycle/post-hooks";
import type { CircuitBreaker } from "./circuit-breaker";
import type { HeadRow } from "./delivery-tables";
import type { DeliveryStatus } from "./delivery-tables";

/** The streams (and subscription ids) of operational deliveries: the tenant's webhook and the platform's. */
export const OPERATIONAL_STREAMS = { tenant: "ops:tenant", platform: "ops:platform" } as const;
export type OperationalOwner = keyof typeof OPERATIONAL_STREAMS;

export const isOperationalDelivery = (delivery: Pick<HeadRow, "subscription_id">): boolean =>
  delivery.subscription_id === OPERATIONAL_STREAMS.tenant || delivery.subscription_id === OPERATIONAL_STREAMS.platform;

export const ownerOfDelivery = (delivery: Pick<HeadRow, "subscription_id">): OperationalOwner =>
  delivery.subscription_id === OPERATIONAL_STREAMS.platform ? "platform" : "tenant";

export interface RaisedSignal {
  type: OperationalEventType;
  data: Record<string, unknown>;
}

export interface AttemptOutcome {
  delivery: Pick<HeadRow, "id" | "subscription_id" | "stream_key" | "event_seq" | "url">;
  attemptNumber: number;
  update: { status: DeliveryStatus; blocking?: boolean; lastStatus: number | null; lastError: string | null };
  breakerBefore: CircuitBreaker;
  breakerAfter: CircuitBreaker;
  /** The subscription had a dead letter since its last success. */
  deadSinceSuccess: boolean;
}

/** The events one recorded attempt raises, in the order they happened. */
export function signalsOfAttempt(outcome: AttemptOutcome): RaisedSignal[] {
  const { delivery, update, breakerBefore, breakerAfter } = outcome;
  if (isOperationalDelivery(delivery)) return [];
  const ids = { deliveryId: delivery.id, eventSeq: delivery.event_seq };
  if (delivery.subscription_id === LIFECYCLE_SUBSCRIPTION_ID) {
    if (update.status !== "dead") return [];
    const hook = delivery.url?.slice(delivery.url.lastIndexOf("/") + 1) ?? null;
    return [{ type: "lifecycle_hook.failed", data: { hook, reason: "dead_lettered", ...ids, attempts: outcome.attemptNumber, lastStatus: update.lastStatus, lastError: update.lastError } }];
  }
  const subscriptionId = delivery.subscription_id;
  const raised: RaisedSignal[] = [];
  if (update.status === "dead") {
    raised.push({ type: "delivery.dead_lettered", data: { subscriptionId, ...ids, attempts: outcome.attemptNumber, lastStatus: update.lastStatus, lastError: update.lastError } });
    if (update.blocking) raised.push({ type: "stream.blocked", data: { subscriptionId, stream: delivery.stream_key, ...ids } });
  }
  if (breakerBefore.state === "closed" && breakerAfter.state === "open") {
    raised.push({
      type: "subscription.circuit_opened",
      data: { subscriptionId, consecutiveFailures: breakerAfter.consecutiveFailures, openUntil: breakerAfter.openUntil === null ? null : new Date(breakerAfter.openUntil).toISOString() },
    });
  }
  if (update.status === "delivered" && (breakerBefore.state !== "closed" || outcome.deadSinceSuccess)) {
    raised.push({ type: "subscription.recovered", data: { subscriptionId, ...ids } });
  }
  return raised;
}
