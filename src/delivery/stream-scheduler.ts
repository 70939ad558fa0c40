/**
 * Stream scheduling for the TenantDelivery object: which pending deliveries to send now, and when to wake up
 * next. A stream is (subscription, ordering key); only its head (lowest seq) is ever sent, and only while no
 * other delivery of the stream is in flight or blocked, so a receiver sees each stream in commit order (a
 * later event never goes before an earlier one has been delivered or dead-lettered). Pure: state and clock in,
 * plan out.
 */
import type { Ordering } from "../db/schema";
import { type CircuitBreaker, canSend } from "./circuit-breaker";

/** Deliveries one tenant may have in flight at once, across all its streams. */
export const DEFAULT_CONCURRENCY = 16;

/**
 * The stream an event belongs to for a subscription: ordering `subscription` puts every event in one stream,
 * ordering `record` gives each record (form + record id) its own, so one failing record does not hold up the
 * others. The parts are percent-encoded, so two different streams never share a key.
 */
export function streamKey(subscription: { id: string; ordering: Ordering }, event: { form: string; recordId: string }): string {
  const id = encodeURIComponent(subscription.id);
  return subscription.ordering === "record" ? `${id}|${encodeURIComponent(event.form)}|${encodeURIComponent(event.recordId)}` : id;
}

/** The ordering a stream key was made under: only `record` keys have parts (the parts of a key are percent-encoded). */
export const orderingOfStreamKey = (key: string): Ordering => (key.includes("|") ? "record" : "subscription");

/**
 * The stream a new delivery joins. After its subscription's ordering changed, deliveries fanned out before
 * are still in streams of the old kind; new ones join streams of that kind too until none of those is open,
 * so no event overtakes an earlier one of the same record. `openKey` is the stream of the subscription's
 * oldest open original delivery (null: none open), read in the same transaction that stores the new one.
 */
export function continuedStreamKey(delivery: { streamKey: string; otherOrderingKey?: string }, openKey: string | null): string {
  if (openKey === null || delivery.otherOrderingKey === undefined) return delivery.streamKey;
  return orderingOfStreamKey(openKey) === orderingOfStreamKey(delivery.streamKey) ? delivery.streamKey : delivery.otherOrderingKey;
}

/** What decides whether a free stream head may be sent now (its stream has nothing in flight or blocked). */
export interface HeadFacts {
  /** Epoch ms when its next attempt is due (the enqueue time for a fresh delivery). */
  nextAttemptAt: number;
  /** Its subscription holds its deliveries (disabled by the tenant or by the engine after a 410 Gone). */
  held: boolean;
  /** The circuit breaker of the URL it goes to; none = no breaker applies. */
  breaker?: CircuitBreaker;
}

/**
 * `send` now (as its URL's probe when the breaker is not closed: at most one of those per URL at a time);
 * `wait` until a time (its retry falls due, or its URL's cool-down ends); `held` until its subscription changes.
 */
export type HeadVerdict = { kind: "send"; probe: boolean } | { kind: "wait"; until: number } | { kind: "held" };

export function headVerdict(head: HeadFacts, now: number): HeadVerdict {
  if (head.held) return { kind: "held" };
  const { breaker } = head;
  const coolingUntil = breaker && !canSend(breaker, now) ? (breaker.openUntil ?? now) : now;
  const readyAt = Math.max(head.nextAttemptAt, coolingUntil);
  if (readyAt > now) return { kind: "wait", until: readyAt };
  return { kind: "send", probe: breaker !== undefined && breaker.state !== "closed" };
}
