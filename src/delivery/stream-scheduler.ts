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

/**
 * A delivery still owed to its stream: not yet delivered, skipped, or dead-lettered under the `skip` policy.
 * A delivery dead-lettered under the `block` policy stays, `blocked`, until an operator replays or skips it.
 */
export interface PendingDelivery {
  id: string;
  streamKey: string;
  /** Position within the stream: commit order of its event (replays come after). */
  seq: number;
  /** Epoch ms when the next attempt is due (the enqueue time for a fresh delivery). */
  nextAttemptAt: number;
  inFlight: boolean;
  blocked: boolean;
  /** The callback URL, whose circuit breaker may hold the delivery back; none = no breaker applies. */
  callbackUrl?: string;
}

export interface ScheduleOptions {
  now: number;
  /** The most deliveries in flight at once, those already in flight included. */
  concurrency?: number;
  /** Circuit breaker per callback URL; a URL without one counts as closed. */
  breakers?: ReadonlyMap<string, CircuitBreaker>;
}

export interface DeliveryPlan<T extends PendingDelivery> {
  /** Deliveries to start now, longest-due first. The caller marks them in flight (and records the sends with their breakers). */
  send: T[];
  /**
   * When the next stream head becomes sendable by the clock alone (its retry falls due or its URL's cool-down
   * ends): the time for the alarm. Null when nothing waits on the clock. Heads that are due but got no slot
   * are not counted: they wait for an attempt in flight to finish, and its outcome triggers the next plan.
   */
  wakeAt: number | null;
}

const byDueTime = (a: PendingDelivery, b: PendingDelivery): number =>
  a.nextAttemptAt - b.nextAttemptAt || a.seq - b.seq || (a.streamKey < b.streamKey ? -1 : a.streamKey > b.streamKey ? 1 : 0);

/** Stream heads that nothing holds back but the clock: no delivery of their stream is in flight or blocked. */
function freeHeads<T extends PendingDelivery>(pending: readonly T[]): T[] {
  const heads = new Map<string, T>();
  const busy = new Set<string>();
  for (const delivery of pending) {
    if (delivery.inFlight || delivery.blocked) busy.add(delivery.streamKey);
    const head = heads.get(delivery.streamKey);
    if (!head || delivery.seq < head.seq) heads.set(delivery.streamKey, delivery);
  }
  return [...heads.values()].filter((head) => !busy.has(head.streamKey));
}

/**
 * Plans one round of sending: the due heads of free streams, oldest due first, at most `concurrency` minus
 * the deliveries already in flight, and at most one per callback URL whose breaker is not closed (its probe).
 */
export function planSends<T extends PendingDelivery>(pending: readonly T[], options: ScheduleOptions): DeliveryPlan<T> {
  const { now, concurrency = DEFAULT_CONCURRENCY, breakers } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);

  let wakeAt: number | null = null;
  const due: T[] = [];
  for (const head of freeHeads(pending)) {
    const breaker = head.callbackUrl === undefined ? undefined : breakers?.get(head.callbackUrl);
    const coolingUntil = breaker && !canSend(breaker, now) ? (breaker.openUntil ?? now) : now;
    const readyAt = Math.max(head.nextAttemptAt, coolingUntil);
    if (readyAt <= now) due.push(head);
    else wakeAt = Math.min(wakeAt ?? readyAt, readyAt);
  }

  const slots = concurrency - pending.filter((delivery) => delivery.inFlight).length;
  const probedUrls = new Set<string>();
  const send: T[] = [];
  for (const head of due.sort(byDueTime)) {
    if (send.length >= slots) break;
    const url = head.callbackUrl;
    const breaker = url === undefined ? undefined : breakers?.get(url);
    if (url !== undefined && breaker && breaker.state !== "closed") {
      if (probedUrls.has(url)) continue;
      probedUrls.add(url);
    }
    send.push(head);
  }
  return { send, wakeAt };
}
