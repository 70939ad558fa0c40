/**
 * The invariants a schedule is judged by, read from the object's SQLite file, D1 and the receivers (never
 * through the engine): nothing stranded (checked whenever the object is idle), and at the end no loss (to
 * subscriptions and lifecycle hooks), order per stream and per record, and duplicates only after an unknown outcome.
 */
import type { DatabaseSync } from "node:sqlite";
import type { EventType } from "../src/db/schema";
import { deliveryId, type DeliveryRow } from "../src/delivery/delivery-tables";
import { LIFECYCLE_SUBSCRIPTION_ID, postHookFor, USER_FORM, type PostHookName } from "../src/lifecycle/post-hooks";
import type { CircuitBreaker } from "../src/delivery/circuit-breaker";
import type { Receivers } from "./receiver";
import type { TenantObject } from "./tenant-object";

/** How late past its due time an open delivery's wake-up may be (the sweeper's tolerance). */
export const STRANDED_AFTER_MS = 60_000;

/** What the schedule knows of a subscription: from when it has been enabled without a break (null: not enabled now). */
export interface SubscriptionModel {
  id: string;
  form: string;
  enabledSince: number | null;
  deleted: boolean;
}

/** What the schedule knows of the lifecycle hooks: from when each post hook has been enabled without a break (absent: not enabled now). */
export type LifecycleModel = Map<PostHookName, number>;

interface SubscriptionRow {
  id: string;
  enabled: number;
  disabled_reason: string | null;
  callback_url: string;
}

const OPEN = "(status IN ('pending', 'inflight') OR blocking = 1)";

/** Each stream's head: its first open delivery in stream order (as DeliveryStore.streamHeads() reads it). */
export function streamHeads(object: TenantObject): DeliveryRow[] {
  const rows = object.storage.read<DeliveryRow>(`SELECT * FROM deliveries WHERE ${OPEN} ORDER BY stream_key, COALESCE(stream_order, position), position`);
  const heads = new Map<string, DeliveryRow>();
  for (const row of rows) if (!heads.has(row.stream_key)) heads.set(row.stream_key, row);
  return [...heads.values()];
}

/**
 * Open deliveries with no wake-up in time: the head of its stream, pending or in flight (not a blocking dead
 * letter), its subscription enabled in D1 and as the engine last read it (a lifecycle hook delivery is always
 * sendable: a hook disabled since only makes its send a skip), and the alarm unset or later than
 * STRANDED_AFTER_MS past when it can go (its due time, or the end of its URL's breaker cool-down, or now if
 * that has passed). A lifecycle delivery's URL is its own (`{baseUrl}/{hook}`), a subscription's its callback.
 */
export function strandedNow(object: TenantObject, d1: DatabaseSync, now: number, tolerance = STRANDED_AFTER_MS): { id: string; detail: string }[] {
  const subscriptions = new Map(
    (d1.prepare("SELECT id, enabled, disabled_reason, callback_url FROM subscriptions").all() as unknown as SubscriptionRow[]).map((row) => [row.id, row]),
  );
  const stranded: { id: string; detail: string }[] = [];
  for (const head of streamHeads(object)) {
    if (head.blocking === 1 || (head.status !== "pending" && head.status !== "inflight")) continue;
    let url = head.url;
    if (head.subscription_id !== LIFECYCLE_SUBSCRIPTION_ID) {
      const subscription = subscriptions.get(head.subscription_id);
      if (!subscription || subscription.enabled !== 1 || subscription.disabled_reason !== null) continue;
      if (!object.engineSawEnabled?.has(subscription.id)) continue;
      url = subscription.callback_url;
    }
    const stored = url === null ? undefined : object.storage.read<{ state: string }>("SELECT state FROM breakers WHERE url = ?", url)[0];
    const breaker = stored ? (JSON.parse(stored.state) as CircuitBreaker) : null;
    const ready = Math.max(head.next_attempt_at, breaker && breaker.state !== "closed" ? (breaker.openUntil ?? 0) : 0);
    // A delivery already overdue needs a wake-up within the tolerance from now (a wake-up that fails sets another).
    if (object.alarmAt === null || object.alarmAt > Math.max(ready, now) + tolerance) {
      stranded.push({ id: head.id, detail: `${head.status}, ready at ${ready}, alarm ${object.alarmAt ?? "none"}` });
    }
  }
  return stranded;
}

export interface FinalCheck {
  lost: string[];
  reordered: string[];
  unexpectedDuplicates: string[];
}

/** The end of a schedule, after quiescence: loss, order and duplicates. */
export function finalCheck(
  object: TenantObject,
  d1: DatabaseSync,
  tenantId: string,
  subscriptions: readonly SubscriptionModel[],
  lifecycle: ReadonlyMap<PostHookName, number>,
  operatorSkipped: ReadonlySet<string>,
  receivers: Receivers,
): FinalCheck {
  const lost = new Set<string>();
  const rows = new Map(object.storage.read<DeliveryRow>("SELECT * FROM deliveries").map((row) => [row.id, row]));
  const accepted = new Set(receivers.receipts.filter((receipt) => receipt.accepted).map((receipt) => receipt.deliveryId));
  // Every delivery ends: none is still pending, in flight or blocking its stream.
  for (const row of rows.values()) if (row.status === "pending" || row.status === "inflight" || row.blocking === 1) lost.add(`${row.id} (still ${row.status})`);
  // An original owed to a receiver ended well: delivered and processed, dead-lettered, or skipped by an operator.
  const checkOwed = (id: string): void => {
    const row = rows.get(id);
    if (!row) lost.add(`${id} (never fanned out)`);
    else if (row.status === "delivered" && !accepted.has(id)) lost.add(`${id} (delivered, never received)`);
    else if (row.status === "skipped" && !operatorSkipped.has(id)) lost.add(`${id} (skipped: ${row.last_error})`);
  };
  const events = d1.prepare("SELECT seq, type, version, form, record_id, created_at FROM events WHERE tenant_id = ? ORDER BY seq").all(tenantId) as {
    seq: number;
    type: EventType;
    version: number;
    form: string;
    record_id: string;
    created_at: number;
  }[];
  // Every committed event reaches every subscription enabled on its form from before its commit to the end.
  for (const subscription of subscriptions) {
    if (subscription.deleted || subscription.enabledSince === null) continue;
    for (const event of events) {
      if (event.form === subscription.form && event.created_at > subscription.enabledSince) checkOwed(deliveryId(event.seq, subscription.id));
    }
  }
  // Every committed event on a user calls its post hook if that was enabled from before its commit to the end.
  for (const event of events) {
    if (event.form !== USER_FORM) continue;
    const hook = postHookFor(event);
    const enabledSince = hook === null ? undefined : lifecycle.get(hook);
    if (enabledSince !== undefined && event.created_at > enabledSince) checkOwed(deliveryId(event.seq, LIFECYCLE_SUBSCRIPTION_ID));
  }
  // Per stream, the first receipts of originals follow commit order; and per subscription and record, whatever
  // the ordering was when each event fanned out (a change of ordering must not let a record's event overtake).
  const reordered: string[] = [];
  const recordOf = new Map(events.map((event) => [event.seq, `${event.form}|${event.record_id}`]));
  const lastSeq = new Map<string, number>();
  const seen = new Set<string>();
  for (const receipt of receivers.receipts) {
    if (!receipt.accepted || receipt.replay || seen.has(receipt.deliveryId)) continue;
    seen.add(receipt.deliveryId);
    for (const order of [`stream ${receipt.streamKey}`, `record ${receipt.subscriptionId}|${recordOf.get(receipt.eventSeq)}`]) {
      const last = lastSeq.get(order);
      if (last !== undefined && receipt.eventSeq < last) reordered.push(`${receipt.deliveryId} after seq ${last} in ${order}`);
      lastSeq.set(order, Math.max(last ?? 0, receipt.eventSeq));
    }
  }
  const unexpectedDuplicates = receivers.duplicates.filter((duplicate) => !duplicate.expected).map((duplicate) => `${duplicate.deliveryId} at ${duplicate.at}`);
  return { lost: [...lost], reordered, unexpectedDuplicates };
}
